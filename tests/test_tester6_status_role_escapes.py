"""Tester6: two one-line fields of a hostile cassette reach the terminal raw in the views: the
response `status` text (`200 OK` + ESC ] 0 ; title BEL, a CR, U+202E, C1 CSI) in the header
line of `show`, `show --plain`, `show --raw` and `diff`, and a chat message's `role` in
`show --plain` (`> user...: text`). An OSC sequence sets the terminal's title (OSC 52 writes
the clipboard), a CR rewrites the start of the line, U+202E reverses it. The same characters
in the model name or the message text are escaped (`\\x1b]0;...`): round 11's terminal-safety
fix ("C1 controls and bidi overrides are escaped", "one-line fields can no longer fake
lines") missed these two. `show --plain` is git's textconv, so a pull request's cassette
writes to every reviewer's `git diff`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
EVIL = "\x1b]0;pwned\x07\r\u202e\x9b2J"

CASSETTE = """---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: {request}
    headers:
      Content-Type:
      - application/json
    url: https://api.openai.com/v1/chat/completions
    method: POST
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: {response}
    headers:
      Content-Type:
      - application/json
    status: {status}
    code: 200
    duration: 120ms
"""


def _cassette(role: str, status: str, answer: str) -> str:
    request = {"model": "gpt-4o-mini", "messages": [{"role": role, "content": "hello"}]}
    response = {"id": "chatcmpl-1", "model": "gpt-4o-mini", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": answer},
         "finish_reason": "stop"}]}
    return CASSETTE.format(request=json.dumps(json.dumps(request)),
                           response=json.dumps(json.dumps(response)),
                           status=json.dumps(status))


CASES = {
    "status": lambda: _cassette("user", "200 OK" + EVIL, "hi"),
    "role": lambda: _cassette("user" + EVIL, "200 OK", "hi"),
}


@pytest.mark.parametrize("command", ["show", "show --plain", "show --raw", "diff"])
@pytest.mark.parametrize("field", list(CASES))
def test_tester6_status_and_role_cannot_write_to_the_terminal(field, command, tmp_path):
    if field == "role" and command != "show --plain":
        pytest.skip("the role is printed raw only by show --plain")
    cassette = tmp_path / "evil.yaml"
    cassette.write_text(CASES[field]())
    args = [str(cassette)]
    if command == "diff":
        other = tmp_path / "other.yaml"
        other.write_text(_cassette("user", "200 OK", "bye"))
        args = [str(other), str(cassette)]
    got = subprocess.run([VCRPROXY, *command.split(), *args], capture_output=True,
                         text=True, timeout=60)
    out = got.stdout + got.stderr
    assert "chat/completions" in out, out  # (the interaction was shown)
    bad = [c for c in ("\x1b", "\x07", "\r", "\u202e", "\x9b") if c in out]
    assert not bad, f"`{command}` wrote {bad!r} from the {field} to the terminal: {out!r}"
