"""Tester6: a valid `--redact-patterns` regex written with Python's `\\uXXXX` or `\\N{...}`
escapes (the way to name a non-ASCII or an awkward character in a shell argument) crashes
`check` and `redact` with a traceback (`re.PatternError: bad escape \\u`), and `vcrproxy
record` with it in `VCRPROXY_REDACT_PATTERNS` stops at start with "Addon error: bad escape
\\u at position 3". The pattern compiles as the text regex it is; the failure comes from a
second compile as a bytes regex, where these escapes do not exist. `é` written as itself
works, so the secrets the user described are left in the cassette unless they find that out.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
TOKEN = "tokA" + "83920175"

CASSETTE = f"""---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: '{{"ticket": "{TOKEN}"}}'
    headers:
      Content-Type:
      - application/json
    url: https://api.example.com/v1/tickets
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

PATTERNS = {"u-escape": r"tok\u0041[0-9]{8}", "named-escape": r"tok\N{LATIN CAPITAL LETTER A}\d{8}"}


@pytest.mark.parametrize("kind", list(PATTERNS))
def test_tester6_a_valid_pattern_with_unicode_escapes_redacts(kind, tmp_path):
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE)
    got = subprocess.run([VCRPROXY, "redact", "--redact-patterns", PATTERNS[kind],
                          str(cassette)], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in got.stderr, got.stderr[-800:]
    assert got.returncode == 0, got.stderr[-800:]
    assert TOKEN not in cassette.read_text()
