"""A cassette whose response says `uncompressed: true` (go-vcr: Go's transport gunzipped the
body) but still holds `Content-Encoding: gzip` (a hand edit) replays the body as stored,
without that header: the client decoded the plain body again and failed."""

from __future__ import annotations

from conftest import proxied_client

CASSETTE = """version: 2
interactions:
- id: 0
  request:
    url: https://api.example.test/v1/models
    method: GET
  response:
    headers:
      Content-Encoding:
      - gzip
      Content-Type:
      - application/json
    body: '{"data": []}'
    status: 200 OK
    code: 200
    uncompressed: true
"""


def test_uncompressed_body_is_replayed_without_its_stale_coding(run_proxy, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE)
    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert) as client:
        r = client.get("https://api.example.test/v1/models")
    assert r.status_code == 200 and "content-encoding" not in r.headers
    assert r.json() == {"data": []}
