"""Tester6: an invalid `duration:` is quoted in the one-line error of `check`, `redact`,
`show`, `show --plain` and `replay`, up to 37 characters of it: a GitHub token pasted there
(or a line slipped under the wrong key while hand-editing) prints
`invalid Go duration 'ghp_a1B2c3D4e5F6g7H8i9J0a1B2c3D4e5F6g...'`, 33 of the token's 36
secret characters, to the terminal and CI logs. Round 11 fixed this for schema errors ("strings
up to 16 characters are quoted, longer ones described"); durations.py's messages still
quote the value whole.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from secret_shapes import SHAPE_EXAMPLES

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
TOKEN = SHAPE_EXAMPLES["github"]

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
    body: ""
    url: https://api.github.com/user
    method: GET
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: '{{"login": "octocat"}}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: {TOKEN}
"""


@pytest.mark.parametrize("command", ["check", "redact", "show", "show --plain", "replay"])
def test_tester6_invalid_duration_error_does_not_quote_the_token(command, tmp_path):
    cassette = tmp_path / "gh.yaml"
    cassette.write_text(CASSETTE)
    args = [VCRPROXY, *command.split(), str(cassette)]
    if command == "replay":
        args += ["--", sys.executable, "-c", "pass"]
    got = subprocess.run(args, capture_output=True, text=True, timeout=60)
    out = got.stdout + got.stderr
    assert "duration" in out, out  # (the error names the field)
    assert TOKEN[4:20] not in out, f"`{command}` printed the token:\n{out}"
