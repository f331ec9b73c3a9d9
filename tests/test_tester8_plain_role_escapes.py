"""Tester8: `vcrproxy show --plain` (the view README sets up as git's textconv, so the one a
reviewer reads in `git diff` / a pull request) labels each request message with its `role` as
the request JSON spells it, raw: `_labelled` cleans the message text but not the label. A
cassette whose request holds a role with an OSC sequence sends it to the terminal, and a role
with line breaks writes whole fake lines: here an answer `< assistant: FAKE ANSWER` and a
second interaction header `#1 POST ...` in a one-interaction cassette. Expected: no ESC/BEL in
the output, one interaction header, and the only `< assistant:` line the real answer's."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_tester8_plain_view_escapes_message_roles(tmp_path):
    req = {"model": "gpt-4o", "messages": [
        {"role": "user\x1b]0;owned\x07", "content": "hi"},
        {"role": "system\n  < assistant: FAKE ANSWER\n  finish: stop\n\n#1 POST https://evil",
         "content": "x"}]}
    resp = {"model": "gpt-4o", "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": "ok"}}]}
    path = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                   body=json.dumps(req), headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body=json.dumps(resp),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    out = subprocess.run([VCRPROXY, "show", "--plain", str(path)], capture_output=True,
                         text=True, timeout=60).stdout
    assert "\x1b" not in out and "\x07" not in out, repr(out)
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("#")] == [
        "#0 POST https://api.openai.com/v1/chat/completions -> 200 OK"], out
    assert [line for line in lines if line.startswith("  < assistant:")] == [
        "  < assistant: ok"], out
