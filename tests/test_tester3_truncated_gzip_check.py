"""Tester3: `vcrproxy check` says ok, and `redact` changes nothing, on a cassette whose gzip
response body was cut short (go-vcr stores the compressed bytes a Go client read; a stream the
test cancelled, a connection lost) although its readable start holds a key: `zcat` prints it.
The body does not decode whole, so `_plain_body` falls back to scanning the compressed bytes,
where no key shows. Recording already keeps "what its readable start decodes to, redacted"
(README); check and redact should read the same start and flag / clean the key.
"""

from __future__ import annotations

import base64
import gzip
import json
import textwrap
import zlib

from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["anthropic"]


def _readable_start(data: bytes) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    return d.decompress(data)


def _cassette(body: bytes) -> str:
    b64 = "\n".join("      " + line for line in textwrap.wrap(base64.b64encode(body).decode(), 70))
    return f"""---
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
      Accept-Encoding:
      - gzip
    url: https://api.example.test/v1/config
    method: POST
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: !!binary |
{b64}
    headers:
      Content-Encoding:
      - gzip
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""


def test_key_in_the_readable_start_of_a_cut_gzip_body_is_flagged_and_redacted(tmp_path):
    whole = json.dumps({"note": f"use {KEY} for the gateway",
                        "items": [f"item {n} " + "lorem ipsum " * 8 for n in range(200)]})
    cut = gzip.compress(whole.encode())[:-400]  # the stream stopped before its end
    start = _readable_start(cut)
    assert KEY.encode() in start and len(start) < len(whole)  # (readable, and really cut)
    cassette = tmp_path / "cut.yaml"
    cassette.write_text(_cassette(cut))
    runner = CliRunner()
    out = runner.invoke(main, ["check", str(cassette)])
    assert out.exit_code == 1 and "ok (" not in out.output, out.output
    out = runner.invoke(main, ["redact", str(cassette)])
    assert out.exit_code == 0, out.output
    (i,) = load_cassette(cassette).interactions
    raw = i.response.body_bytes
    kept = _readable_start(raw) if raw[:2] == b"\x1f\x8b" else raw
    assert KEY.encode() not in kept, "the key is still in the cassette's gzip body"
