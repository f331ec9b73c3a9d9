"""Tester3: `vcrproxy check` (and `show`, `show --plain`'s note, `redact`, `diff`) quote the
value of a field that has the wrong type in their one-line error, secret and all. Hand-writing
a header as a string instead of go-vcr's list (`Authorization: token ghp_...`, the commonest
slip when editing a cassette) gives
`headers.Authorization: expected a list of strings, got 'token ghp_...'`: the first ~45
characters, so a whole GitHub token, and most of any key. The README: check reports "showing
at most a provider's fixed prefix such as `sk-`", and no view prints a key (a file that does
not load is shown with its secrets masked). That line goes to CI logs and `git diff` output.
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
    headers:
      Accept:
      - application/json
      Authorization: token {TOKEN}
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
    duration: 120ms
"""


@pytest.mark.parametrize("command", ["check", "show", "show --plain"])
def test_error_about_a_mistyped_header_does_not_quote_the_token(command, tmp_path):
    cassette = tmp_path / "gh.yaml"
    cassette.write_text(CASSETTE)
    got = subprocess.run([VCRPROXY, *command.split(), str(cassette)], capture_output=True,
                         text=True, timeout=60)
    out = got.stdout + got.stderr
    assert "Authorization" in out  # (the problem is named)
    assert TOKEN[4:20] not in out, f"{command} printed the token: {out[-400:]}"
