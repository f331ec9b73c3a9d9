"""Tester5: an OpenAI refusal (`message.refusal` with `content: null`, what structured outputs
return instead of the JSON; the Responses API's `refusal` content part) is shown as the
assistant's answer, `assistant: I'm sorry, ...`, with nothing saying it was a refusal, and a
cassette where the model answered that sentence as content is 'no differences' from one where
it refused (diff exit 0, the same show --plain text), though the client reads them apart
(`message.content` None and `parsed` None vs a string). Expected: a refusal is labelled as
one, so the views tell it from an answer and diff reports the change."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
SORRY = "I'm sorry, I cannot help with that."


def chat(message: dict) -> Interaction:
    req = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Extract the event"}],
           "response_format": {"type": "json_schema",
                               "json_schema": {"name": "event", "schema": {"type": "object"}}}}
    body = {"object": "chat.completion", "model": "gpt-4o", "choices": [
        {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}]}
    return Interaction(0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                                  body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=json.dumps(body),
                                headers={"Content-Type": ["application/json"]}))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60)


def test_a_refusal_is_told_from_an_answer(tmp_path):
    answered, refused = tmp_path / "one.yaml", tmp_path / "two.yaml"
    save_cassette(Cassette([chat({"content": SORRY, "refusal": None})]), str(answered))
    save_cassette(Cassette([chat({"content": None, "refusal": SORRY})]), str(refused))
    shown = run("show", str(refused)).stdout.split("#0 ", 1)[1]  # (not the path)
    assert "refus" in shown.lower(), shown
    assert run("diff", str(answered), str(refused)).returncode == 1
    assert run("show", "--plain", str(answered)).stdout != run("show", "--plain",
                                                                str(refused)).stdout
