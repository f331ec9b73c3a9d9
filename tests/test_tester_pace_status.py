"""Tester: `--pace recorded` changes the status code a client gets. A cassette whose `code` and
`status` disagree (hand-edited `code: 200` with `status: 404 Not Found`; `vcrproxy check`
says ok) is answered 200 instantly (as go-vcr would: StatusCode is `code`) but 404 with
`--pace recorded`, whose loopback server writes the `status` text as the status line.
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
    url: https://a.example/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: -1
    body: '{"data": []}'
    headers: {}
    status: 404 Not Found
    code: 200
    duration: 1ms
"""


def test_pace_recorded_does_not_change_the_status_code(run_proxy, ca_cert, tmp_path):
    pace = "recorded"  # (instant answers 200)
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE, encoding="utf-8")
    replay = run_proxy(cassette, "replay", pace=pace)
    with proxied_client(replay, ca_cert) as client:
        r = client.get("https://a.example/v1/models")
    assert r.status_code == 200, f"--pace {pace}: {r.status_code}"
