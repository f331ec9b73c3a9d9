"""Tester3: `vcrproxy redact` deletes a hand-edited interaction whose value lost its closing
quote (`- "application/json` typed for `- application/json` in the last response's headers),
says "0 secret(s) redacted" and exits 0. The quoted scalar runs to the end of the file, so
the YAML error is at the end, and the loader takes the interaction for a torn append
("dropped incomplete interaction 1 ... (file cut off mid-write)"); redact then writes the
cassette back without it. The README: only a torn append's text counts as cut off (go-vcr's
keys missing from some point on, or an unfinished last line); here every key is there and the
last line is whole, so it is the author's mistake: a one-line error, exit 1, the file left as
it is (as tests/test_torn_tail.py has it for an indentation slip).
"""

from __future__ import annotations

from click.testing import CliRunner

from vcrproxy.cli.main import main

ONE = """\
- id: {n}
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
    url: https://api.openai.com/v1/models/{n}
    method: GET
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: '{{"id": "gpt-4o"}}'
    headers:
      Content-Type:
      - {ctype}
    status: 200 OK
    code: 200
    duration: 120ms
"""


def test_an_unclosed_quote_is_an_error_not_a_torn_append(tmp_path):
    text = ("---\nversion: 2\ninteractions:\n" + ONE.format(n=0, ctype="application/json")
            + ONE.format(n=1, ctype='"application/json'))
    cassette = tmp_path / "edited.yaml"
    cassette.write_text(text)
    out = CliRunner().invoke(main, ["redact", str(cassette)])
    assert cassette.read_text() == text, f"redact rewrote the file: {out.output}"
    assert out.exit_code == 1, out.output
