"""Tester6: a replay miss explanation escapes ESC and BEL from the recorded body it quotes
(`\\u001b]0;...\\u0007`) but prints a bidi override (U+202E) and C1 controls (U+009B, the
8-bit CSI) as they are, on the `MISS` line to stderr and in the 400 body the client's SDK puts
in its exception (pytest's failure text, CI logs). Round 11 escaped exactly these in the views
("C1 controls and bidi overrides are escaped"); the miss explanation, built from a hostile
cassette's body, is the other place they reach the terminal. Real CLI, a wrapped httpx client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
EVIL = "\u202e\x9b2J"

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
    body: {body}
    headers:
      Content-Type:
      - application/json
    url: https://api.example.com/v1/ask
    method: POST
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: '{{"ok": true}}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""

CLIENT = """
import httpx
r = httpx.post("https://api.example.com/v1/ask", json={"q": "goodbye"}, timeout=10)
print(r.status_code, r.text)
"""


def test_tester6_miss_text_escapes_bidi_and_c1(confdir, tmp_path):
    cassette = tmp_path / "c.yaml"
    body = json.dumps({"q": "hello " + EVIL})
    cassette.write_text(CASSETTE.format(body=json.dumps(body, ensure_ascii=False)))
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir)
    got = subprocess.run([VCRPROXY, "replay", str(cassette), "--", sys.executable, "-c",
                          CLIENT], env=env, capture_output=True, text=True, timeout=60)
    out = got.stdout + got.stderr
    assert "no recorded interaction matches" in out, out[-2000:]  # (the miss was explained)
    bad = [c for c in ("\u202e", "\x9b") if c in out]
    assert not bad, f"the miss text printed {bad!r} raw: {out[-1500:]!r}"
