"""Tester5: two answers that differ only in their line endings ("line one\\nline two" vs
"line one\\r\\nline two": a re-recording through another gateway, a model that started
writing CRLF) are told apart by `vcrproxy diff`, exit 1, but its report is an `answer:`
heading with nothing under it: show._clean turns CRLF into LF before difflib compares the
lines, so they read equal. `show --plain` makes the same turn, so the git textconv shows no
change at all, though replay serves the client other bytes. Expected: the change is visible
(the CR shown, e.g. as \\r / \\x0d) in diff's report and in the plain view."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def chat(text: str) -> Interaction:
    req = {"model": "gpt-4o", "messages": [{"role": "user", "content": "two lines"}]}
    body = {"object": "chat.completion", "model": "gpt-4o", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": text},
         "finish_reason": "stop"}]}
    return Interaction(0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                                  body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=json.dumps(body),
                                headers={"Content-Type": ["application/json"]}))


def test_an_answer_changed_in_line_endings_shows_the_change(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    save_cassette(Cassette([chat("line one\nline two")]), str(old))
    save_cassette(Cassette([chat("line one\r\nline two")]), str(new))
    got = subprocess.run([VCRPROXY, "diff", str(old), str(new)], capture_output=True,
                         text=True, timeout=60)
    assert got.returncode == 1, got.stdout
    lines = got.stdout.splitlines()
    at = lines.index("  answer:")
    assert at + 1 < len(lines) and lines[at + 1].startswith("    "), got.stdout  # a line of it
    plain = [subprocess.run([VCRPROXY, "show", "--plain", str(p)], capture_output=True,
                            text=True, timeout=60).stdout for p in (old, new)]
    assert plain[0] != plain[1], plain[0]
