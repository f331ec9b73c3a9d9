"""Tester8: `vcrproxy show` and `show --plain` (the git textconv view) print a response's `status`
text raw in each interaction's title line. Every other cassette field in a title goes through
show._clean / _clean_line, but the status does not: a status carrying an OSC sequence
(`ESC ] 0 ; ... BEL`, sets the terminal's title; other OSCs write the clipboard) reaches the
terminal as is, and a line break in it fakes a line of the view (`  assistant: ...`). A
cassette from a pull request is exactly where this is read. `vcrproxy check` does flag the
CR/LF, but the views are what a reviewer runs. Expected: no ESC/BEL byte in the output and
the status's line break escaped, in both views."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_tester8_status_text_is_escaped_in_show_views(tmp_path):
    req = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    resp = {"model": "gpt-4o", "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": "ok"}}]}
    path = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                   body=json.dumps(req), headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK\x1b]0;owned\x07\n  assistant: FAKE",
                 body=json.dumps(resp),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    for view in (["show"], ["show", "--plain"]):
        out = subprocess.run([VCRPROXY, *view, str(path)], capture_output=True, text=True,
                             timeout=60).stdout
        assert "\x1b" not in out and "\x07" not in out, (view, out)
        assert not any(line.strip().startswith("assistant: FAKE") for line in out.splitlines()), (
            view, out)
