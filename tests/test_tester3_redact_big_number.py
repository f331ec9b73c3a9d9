"""Tester3: `vcrproxy redact` changes a number it has no business with: a cassette holding an
extra key (kept by redact, ignored by go-vcr) `trace_id: 240716592164018498410543262546428766734`
(a 128-bit trace id written in decimal) comes back as `trace_id: 2.407165921640185e+38`, its
digits lost for good, while redaction only had to replace an Authorization header. The README:
numbers too long for Go stay text, and a failed or successful operation never loses data.
"""

from __future__ import annotations

from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]
TRACE = "240716592164018498410543262546428766734"

CASSETTE = f"""---
version: 2
trace_id: {TRACE}
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
      Authorization:
      - Bearer {KEY}
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


def test_redact_keeps_the_digits_of_a_long_number(tmp_path):
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE)
    out = CliRunner().invoke(main, ["redact", str(cassette)])
    assert out.exit_code == 0, out.output
    text = cassette.read_text()
    assert KEY not in text  # (redact did its work)
    line = next(x for x in text.splitlines() if x.startswith("trace_id:"))
    assert TRACE in line, f"redact rewrote {TRACE} as {line!r}"
