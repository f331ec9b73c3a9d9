"""Tester6: a `--redact-patterns` regex that Python's `re` rejects with something other than
`re.error` gives a traceback instead of the one-line `Error: bad secret pattern ...` every
other bad pattern gets: a repeat count too large (`x{99999999999}`: OverflowError) or
groups nested too deep (RecursionError). `vcrproxy record` with the same pattern in
`VCRPROXY_REDACT_PATTERNS` prints mitmproxy's "Addon error: the repetition number is too
large".
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")

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
    body: ""
    url: https://api.openai.com/v1/models
    method: GET
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: '{"data": []}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""

PATTERNS = {
    "huge-repeat": "x{99999999999}",
    "deep-groups": "(" * 2000 + "a" + ")" * 2000,
}


@pytest.mark.parametrize("command", ["check", "redact"])
@pytest.mark.parametrize("kind", list(PATTERNS))
def test_tester6_a_bad_pattern_is_a_one_line_error(command, kind, tmp_path):
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE)
    got = subprocess.run([VCRPROXY, command, "--redact-patterns", PATTERNS[kind],
                          str(cassette)], capture_output=True, text=True, timeout=60)
    assert got.returncode != 0
    assert "Traceback" not in got.stderr, got.stderr[-1500:]
    assert "bad secret pattern" in got.stderr, got.stderr[-1500:]
