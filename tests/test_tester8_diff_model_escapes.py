"""Tester8: `vcrproxy diff` prints a changed model and finish reason raw (`  model: A -> B`,
`  finish: A -> B`), while `show` escapes the same fields (_clean_line). A re-recorded response
whose `model` (server-chosen text) holds an OSC sequence or a C1 CSI reaches the reviewer's
terminal as control codes, and a line break in it fakes diff lines: here a fake
`~ #9 POST ...` interaction and a `no differences` line. Expected: no ESC, BEL or C1 control in
diff's output, and no line of it that only the hostile field wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def cassette(path, model: str, finish: str) -> str:
    req = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    resp = {"model": model, "choices": [{"index": 0, "finish_reason": finish,
                                         "message": {"role": "assistant", "content": "ok"}}]}
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                   body=json.dumps(req), headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body=json.dumps(resp),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    return str(path)


def test_tester8_diff_escapes_model_and_finish(tmp_path):
    old = cassette(tmp_path / "old.yaml", "gpt-4o", "stop")
    new = cassette(tmp_path / "new.yaml", "gpt-4o\x1b]0;owned\x07\nno differences",
                   "stop\n~ #9 POST https://evil.example/\x9b31m")
    got = subprocess.run([VCRPROXY, "diff", old, new], capture_output=True, text=True,
                         timeout=60)
    out = got.stdout
    assert got.returncode == 1, got.stderr
    assert not any(c in out for c in "\x1b\x07\x9b"), repr(out)
    lines = out.splitlines()
    assert not any(line.startswith("~ #9") for line in lines), out
    assert not any(line.startswith("no differences") for line in lines), out
