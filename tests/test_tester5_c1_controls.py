"""Tester5: `vcrproxy show` and `diff` escape C0 control characters of a model's answer (ESC
becomes `\\x1b`, show._clean), but not the C1 controls U+0080-U+009F: U+009B is CSI, the
one-character form of `ESC [`, which xterm and VTE terminals obey in UTF-8. An answer holding
`\\u009b2J` (JSON-escaped, as an API sends it) reaches the terminal as a real CSI and clears the
screen, or recolours / hides what follows, the very thing the ESC escaping prevents.
Expected: C1 controls are escaped like C0 ones (`\\x9b`) in every terminal view."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
C1 = [chr(c) for c in range(0x80, 0xA0)]


def answer(text: str) -> Interaction:
    req = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    body = {"object": "chat.completion", "model": "gpt-4o", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": text},
         "finish_reason": "stop"}]}
    return Interaction(0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                                  body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=json.dumps(body),
                                headers={"Content-Type": ["application/json"]}))


def run(*args: str) -> str:
    got = subprocess.run([VCRPROXY, *args], capture_output=True, timeout=60)
    return got.stdout.decode("utf-8", "replace")


def test_c1_controls_in_an_answer_are_escaped(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    save_cassette(Cassette([answer("fine \x1b[2J and \u009b2J\u009b31mred")]), str(old))
    save_cassette(Cassette([answer("other \u009b2J")]), str(new))
    for out in (run("show", str(old)), run("show", "--raw", str(old)),
                run("diff", str(old), str(new))):
        assert "\x1b" not in out  # (C0: escaped already)
        leaked = sorted({f"U+{ord(c):04X}" for c in out if c in C1})
        assert not leaked, f"C1 control characters reach the terminal: {leaked}\n{out}"


def test_bidi_overrides_in_an_answer_are_escaped(tmp_path):
    """The neighbour: an explicit bidi override or isolate (U+202E, U+2066) shows text in another
    order than it is (Trojan Source), where `show --plain` is a git textconv."""
    path = tmp_path / "c.yaml"
    save_cassette(Cassette([answer("pay \u202eredacted\u202c now \u2066x\u2069")]), str(path))
    for out in (run("show", str(path)), run("show", "--plain", str(path))):
        assert not {c for c in out if c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068"
                    "\u2069"}, out
        assert "\\u202e" in out
