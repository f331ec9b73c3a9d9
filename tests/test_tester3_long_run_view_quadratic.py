"""Tester3: `vcrproxy show --plain` (git's textconv), `show` and `diff` take time that grows
with the square of the longest run of letters and digits in a body: a response holding a
200 KB hex string takes 7.6 s, 100 KB 2 s, so a 1 MB one about 3 minutes and a few MB hours,
for every `git diff` / `git log -p` of the file. The views pass their whole output through
`redaction.redact_text`, whose `_URL_IN_TEXT` pattern (`[a-zA-Z][a-zA-Z0-9+.-]*://...`) is
tried at every position of the run and each try scans to its end. (`check` and `redact` of the
same file take 0.5 s.) The README: bad input never hangs; show starts in 0.06-0.11 s.
A cassette as recording writes it (a file-content download answered as JSON), the real CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
BLOB = "0123456789abcdef" * 25_000  # 400 KB of hex: a digest chain, a hex dump


def _cassette() -> str:
    body = json.dumps({"id": "file-abc123", "object": "file.content", "hex": BLOB})
    return f"""---
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
    url: https://api.example.com/v1/files/file-abc123/content
    method: GET
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: '{body}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""


def test_plain_view_of_a_long_hex_string_is_quick(tmp_path):
    cassette = tmp_path / "hex.yaml"
    cassette.write_text(_cassette())
    started = time.monotonic()
    try:
        got = subprocess.run([VCRPROXY, "show", "--plain", str(cassette)], capture_output=True,
                             text=True, timeout=20)
    except subprocess.TimeoutExpired:
        raise AssertionError("show --plain of a 400 KB hex string ran past 20 s") from None
    took = time.monotonic() - started
    assert got.returncode == 0, got.stderr[-500:]
    assert took < 5, f"show --plain took {took:.1f} s"
