"""Tester8: a non-streamed Bedrock InvokeModel answer of the Llama, Mistral or Titan families is
"(not a recognised AI API exchange)" in `vcrproxy show` (and the LLM contentview declines it),
though the URL names the Bedrock model and the view reads the same families' *streamed* answers
(aiformats._bedrock_frames: Llama `generation`, Titan `outputText`, `completion`, `text`).
README: "an OpenAI chat / Responses, Anthropic, Gemini or Bedrock response, streamed or JSON,
shows as the assembled assistant text". Expected: `show` prints each answer's text."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
BEDROCK = "https://bedrock-runtime.us-east-1.amazonaws.com/model/{}/invoke"

CASES = {
    "llama": ("meta.llama3-8b-instruct-v1%3A0", {"prompt": "hi", "max_gen_len": 10},
              {"generation": "Hello from Llama!", "prompt_token_count": 4,
               "generation_token_count": 2, "stop_reason": "stop"}),
    "mistral": ("mistral.mistral-7b-instruct-v0%3A2", {"prompt": "<s>[INST] hi [/INST]"},
                {"outputs": [{"text": "Hello from Mistral!", "stop_reason": "stop"}]}),
    "titan": ("amazon.titan-text-express-v1", {"inputText": "hi"},
              {"inputTextTokenCount": 3, "results": [
                  {"tokenCount": 2, "outputText": "Hello from Titan!",
                   "completionReason": "FINISH"}]}),
}


@pytest.mark.parametrize("family", sorted(CASES))
def test_tester8_bedrock_invoke_json_answer_is_shown(tmp_path, family):
    model, req, resp = CASES[family]
    path = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url=BEDROCK.format(model), body=json.dumps(req),
                   headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body=json.dumps(resp),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    out = subprocess.run([VCRPROXY, "show", str(path)], capture_output=True, text=True,
                         timeout=60).stdout
    assert f"assistant: Hello from {family.capitalize()}!" in out, out
