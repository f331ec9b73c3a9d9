"""A string field written as a plain scalar that looks like a number loses its text on load.

go-vcr decodes every cassette field that is a string (body, header values, form values, status)
with yaml.v3 into a Go string, which keeps the scalar's text as written: `body: 1.50` is "1.50",
`- 1.10` is "1.10", `- 0x1F` is "0x1F" (tests/go/vcrcheck shows it). Our loader resolves the
plain scalar to a number first and then writes the number back as text: the body "1.50" is
replayed as "1.5", an API version header "1.10" as "1.1", an ETag "0x1F" as "31", "1_000" as
"1000". go-vcr never writes such strings plain, but a hand-written fixture or another tool's
file (which go-vcr loads and replays with the bytes as written) is replayed with other bytes.
Real proxy, httpx.
"""

from __future__ import annotations

from conftest import proxied_client

CASSETTE = """\
---
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
    url: https://api.example.invalid/v1/price
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 4
    body: 1.50
    headers:
      Content-Type:
      - text/plain
      X-Api-Version:
      - 1.10
      Etag:
      - 0x1F
      X-Count:
      - 1_000
    status: 200 OK
    code: 200
    duration: 1ms
"""


def test_plain_number_like_strings_replay_as_written(run_proxy, ca_cert, tmp_path):
    path = tmp_path / "hand.yaml"
    path.write_text(CASSETTE)
    proxy = run_proxy(path, "replay")
    with proxied_client(proxy, ca_cert) as client:
        r = client.get("https://api.example.invalid/v1/price")
    got = (r.text, r.headers.get("x-api-version"), r.headers.get("etag"),
           r.headers.get("x-count"))
    assert got == ("1.50", "1.10", "0x1F", "1_000"), got
