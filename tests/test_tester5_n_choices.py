"""Tester5: an answer with several choices (OpenAI chat `n=2`, Gemini `candidateCount=2`) is
read as its first choice only (`aiformats._openai_chat` skips every choice whose index is not
0, `_gemini` takes `candidates[:1]`). `vcrproxy show` never shows the other answers, and since
`diff` and `show --plain` compare a chat exchange by what the summary says, two cassettes whose
second choice differs are 'no differences' (exit 0) and print the same plain text, though
replay serves each its own second answer (the client reads `choices[1]`).
Expected: every choice is shown, and a change in any of them is a difference."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def chat(second: str) -> Interaction:
    req = {"model": "gpt-4o", "n": 2, "messages": [{"role": "user", "content": "a colour?"}]}
    body = {"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "red"}, "finish_reason": "stop"},
        {"index": 1, "message": {"role": "assistant", "content": second},
         "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}
    return Interaction(0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                                  body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=json.dumps(body),
                                headers={"Content-Type": ["application/json"]}))


def gemini(second: str) -> Interaction:
    req = {"contents": [{"role": "user", "parts": [{"text": "a colour?"}]}],
           "generationConfig": {"candidateCount": 2}}
    body = {"candidates": [
        {"index": 0, "content": {"role": "model", "parts": [{"text": "red"}]},
         "finishReason": "STOP"},
        {"index": 1, "content": {"role": "model", "parts": [{"text": second}]},
         "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2,
                          "totalTokenCount": 5}}
    url = ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash"
           ":generateContent")
    return Interaction(0, Request(method="POST", url=url, body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=json.dumps(body),
                                headers={"Content-Type": ["application/json"]}))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("make", [chat, gemini], ids=["openai-n2", "gemini-candidates2"])
def test_every_choice_is_shown_and_compared(make, tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    save_cassette(Cassette([make("blue")]), str(old))
    save_cassette(Cassette([make("green")]), str(new))

    shown = run("show", str(old))
    assert shown.returncode == 0, shown.stderr
    assert "blue" in shown.stdout, shown.stdout  # the second answer is part of the exchange

    diff = run("diff", str(old), str(new))
    assert diff.returncode == 1, diff.stdout  # replay now serves 'green' as choices[1]

    plain_old, plain_new = run("show", "--plain", str(old)), run("show", "--plain", str(new))
    assert plain_old.stdout != plain_new.stdout, plain_old.stdout
