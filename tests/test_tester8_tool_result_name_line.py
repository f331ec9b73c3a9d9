"""Tester8: `vcrproxy show` prints a tool result's label as `tool result NAME:` with NAME taken
raw from the request (the assistant's earlier `tool_calls[].function.name`, or a Gemini
`functionResponse.name`), while tool *call* names go through `_clean_line`. A name holding a line
break starts a new line of the view at the conversation's own indentation: a hostile (or just
odd) tool name fakes an `  assistant: ...` line that the model never said. Expected: the
interaction shows exactly one `assistant:` line (the real answer), the name's line break
escaped as the other one-line fields are."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_tester8_tool_result_name_cannot_fake_a_line(tmp_path):
    name = "lookup\n  assistant: I wired the money"
    req = {"model": "gpt-4o", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                              "function": {"name": name, "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "5"}]}
    resp = {"model": "gpt-4o", "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": "ok"}}]}
    path = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                   body=json.dumps(req), headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body=json.dumps(resp),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    out = subprocess.run([VCRPROXY, "show", str(path)], capture_output=True, text=True,
                         timeout=60).stdout
    answers = [line for line in out.splitlines() if line.lstrip().startswith("assistant:")]
    assert answers == ["  assistant: ok"], out
