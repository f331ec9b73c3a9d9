"""Tester3: `vcrproxy redact` says "0 secret(s) redacted" (exit 0) and leaves an OpenAI key in
a cassette when the key sits in a place redaction does not visit: an extra key someone added
(`comment:` on an interaction, `notes:` at the top; go-vcr ignores them, git commits them, and
redact keeps them when it rewrites) or the request's `host` field (go-vcr's Host override).
`check` reports none of these keys as holding a secret either (for the extra keys only that
they are unknown). The README: `check` flags a cassette that still holds a secret, `redact`
cleans it; redaction by shape is "anywhere".
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]

BASE = """---
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

PLACES = {
    "interaction-comment": ("- id: 0\n", f"- id: 0\n  comment: recorded with {KEY}\n"),
    "top-level-notes": ("version: 2\n", f"version: 2\nnotes: 'recorded with {KEY}'\n"),
    "request-host": ('    host: ""\n', f"    host: {KEY}.gateway.example\n"),
}


@pytest.mark.parametrize("place", list(PLACES))
def test_redact_removes_a_key_wherever_it_sits(place, tmp_path):
    old, new = PLACES[place]
    cassette = tmp_path / "c.yaml"
    cassette.write_text(BASE.replace(old, new, 1))
    out = CliRunner().invoke(main, ["redact", str(cassette)])
    assert KEY not in cassette.read_text(), f"redact left the key in place: {out.output}"
