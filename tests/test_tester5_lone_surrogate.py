"""Tester5: a JSON body holding a lone UTF-16 surrogate escape (`"\\ud83d"`: valid JSON, what an
API sends when an answer is cut at max_tokens in the middle of an emoji, or a stream whose
events each carry half of an escaped pair) makes every view end in a traceback:
`UnicodeEncodeError: 'utf-8' codec can't encode character '\\ud83d' ... surrogates not allowed`
from click.echo (show, --plain, --json, --raw, diff) or report.py (--html), exit 1. As a git
textconv, `show --plain` then breaks `git diff` for that cassette. (Recording and redaction
already survive such bodies, d1aa5b2.) Expected: every view prints (the half character as
U+FFFD or an escape) and exits 0 (diff: 1 for a difference), never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
URL = "https://api.openai.com/v1/chat/completions"
REQUEST = '{"model": "gpt-4o", "stream": %s, "messages": [{"role": "user", "content": "hi"}]}'


def cut_answer(word: str) -> Interaction:
    body = ('{"object": "chat.completion", "model": "gpt-4o", "choices": [{"index": 0, '
            '"message": {"role": "assistant", "content": "' + word + ' \\ud83d"}, '
            '"finish_reason": "length"}]}')
    return Interaction(0, Request(method="POST", url=URL, body=REQUEST % "false",
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=body,
                                headers={"Content-Type": ["application/json"]}))


def split_pair(word: str) -> Interaction:
    events = [{"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {
        "content": word + " "}}]}]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    body += ('data: {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": '
             '{"content": "\\ud83d"}}]}\n\n'
             'data: {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": '
             '{"content": "\\ude00"}, "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n')
    return Interaction(0, Request(method="POST", url=URL, body=REQUEST % "true",
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=body,
                                headers={"Content-Type": ["text/event-stream"]}))


@pytest.mark.parametrize("make", [cut_answer, split_pair], ids=["cut-emoji", "split-pair"])
def test_views_survive_a_lone_surrogate(make, tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    save_cassette(Cassette([make("Hello")]), str(a))
    save_cassette(Cassette([make("Goodbye")]), str(b))
    runs = [(["show", str(a)], 0), (["show", "--plain", str(a)], 0),
            (["show", "--json", str(a)], 0), (["show", "--raw", str(a)], 0),
            (["show", "--html", str(tmp_path / "r.html"), str(a)], 0),
            (["diff", str(a), str(b)], 1)]
    for args, code in runs:
        got = subprocess.run([VCRPROXY, *args], capture_output=True, timeout=60)
        err = got.stderr.decode("utf-8", "replace")
        assert "Traceback" not in err, f"vcrproxy {args[0]} {args[1]}: {err[-800:]}"
        assert got.returncode == code, (args, err[-800:])
