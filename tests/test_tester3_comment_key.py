"""Tester3: a key in a YAML comment of a cassette passes `vcrproxy check` (ok, exit 0) and
`vcrproxy redact` (0 secrets, file left as it is). A reviewer who hand-edits a cassette
commonly comments a header out instead of deleting it (`#  - Bearer sk-...`), or keeps a note
of the key it was recorded with; the comment is committed with the file. check reads only the
loaded cassette, and the loader drops comments, so the key on disk is never seen. The README:
`check` flags a cassette that still holds a secret; `redact` cleans it.
"""

from __future__ import annotations

from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]

CASSETTE = f"""---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    host: ""
    body: '{{}}'
    headers:
      Content-Type:
      - application/json
      # Authorization:
      # - Bearer {KEY}
    url: https://api.openai.com/v1/models
    method: GET
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: '{{"data": []}}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""


def test_key_in_a_comment_is_flagged_and_redacted(tmp_path):
    cassette = tmp_path / "commented.yaml"
    cassette.write_text(CASSETTE)
    runner = CliRunner()
    out = runner.invoke(main, ["check", str(cassette)])
    assert out.exit_code == 1, f"check passed a cassette holding a key: {out.output}"
    runner.invoke(main, ["redact", str(cassette)])
    assert KEY not in cassette.read_text(), "redact left the key in the file"
