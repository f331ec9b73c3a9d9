"""Tester5: `vcrproxy diff` compares only input, output and total tokens. A re-recording in
which Anthropic prompt caching changed from writing the cache (`cache_creation_input_tokens:
2048`) to reading it (`cache_read_input_tokens: 2048`), or in which OpenAI reasoning tokens
changed, keeps those three equal, so diff says 'no differences' and exits 0, while `show
--plain` (the git textconv) prints `cache write 2048` vs `cached 2048` and the client of the
replay reads other usage. Expected: diff reports the cached / cache-write / reasoning token
change (exit 1), as the plain view does."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def anthropic(read: int) -> Interaction:
    req = {"model": "claude-sonnet-4", "max_tokens": 100,
           "system": [{"type": "text", "text": "A long shared prompt.",
                       "cache_control": {"type": "ephemeral"}}],
           "messages": [{"role": "user", "content": "hi"}]}
    body = {"type": "message", "role": "assistant", "model": "claude-sonnet-4",
            "content": [{"type": "text", "text": "Hello"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 5, "output_tokens": 2, "cache_read_input_tokens": read,
                      "cache_creation_input_tokens": 2048 - read}}
    return Interaction(0, Request(method="POST", url="https://api.anthropic.com/v1/messages",
                                  body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=json.dumps(body),
                                headers={"Content-Type": ["application/json"]}))


def openai(reasoning: int) -> Interaction:
    req = {"model": "o4-mini", "messages": [{"role": "user", "content": "2+2?"}]}
    body = {"object": "chat.completion", "model": "o4-mini", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "4"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 200, "total_tokens": 210,
                  "completion_tokens_details": {"reasoning_tokens": reasoning}}}
    return Interaction(0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                                  body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=json.dumps(body),
                                headers={"Content-Type": ["application/json"]}))


@pytest.mark.parametrize("old,new", [(anthropic(0), anthropic(2048)), (openai(64), openai(192))],
                         ids=["anthropic-cache", "openai-reasoning"])
def test_diff_reports_cache_and_reasoning_token_changes(old, new, tmp_path):
    a, b = tmp_path / "old.yaml", tmp_path / "new.yaml"
    save_cassette(Cassette([old]), str(a))
    save_cassette(Cassette([new]), str(b))
    plain = [subprocess.run([VCRPROXY, "show", "--plain", str(p)], capture_output=True,
                            text=True, timeout=60).stdout for p in (a, b)]
    assert plain[0] != plain[1]  # the textconv shows the change
    got = subprocess.run([VCRPROXY, "diff", "--ignore-latency", str(a), str(b)],
                         capture_output=True, text=True, timeout=60)
    assert got.returncode == 1, got.stdout
    assert "tokens" in got.stdout, got.stdout
