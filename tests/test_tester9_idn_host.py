"""An internationalised host name travels as IDNA (punycode, `xn--bcher-kva.example`): that is
what clients send (Host, :authority, SNI) and what Go's url.URL, so go-vcr, records. mitmproxy
hands its host and HTTP/2 authority over decoded (`bücher.example`), and vcrproxy used them as
they were:

- replay of a go-vcr cassette for such a host missed every request ("host: recorded
  xn--bcher-kva.example vs live bücher.example");
- a recorded Host override (`host:`) over HTTP/2 was written decoded, where Go writes what the
  client set.

Real proxy (replay and record), real httpx over HTTP/1.1 and h2, the real TLS fake gateway;
hosts that do not resolve prove replay is offline. A cassette written with the decoded form
(by an earlier vcrproxy) still replays.
"""

from __future__ import annotations

import ssl

import httpx
import pytest
from conftest import proxied_client

from vcrproxy import load_cassette

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
    url: https://HOST/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    body: '[]'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 1ms
"""
PUNY = "xn--bcher-kva.example"
UNICODE = "b\u00fccher.example"


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
@pytest.mark.parametrize("recorded", [PUNY, UNICODE], ids=["go-vcr", "decoded"])
def test_replay_answers_an_idn_host(run_proxy, ca_cert, tmp_path, recorded, http2):
    path = tmp_path / "c.yaml"
    path.write_text(CASSETTE.replace("HOST", recorded), encoding="utf-8")
    proxy = run_proxy(str(path), "replay")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert),
                      http2=http2, timeout=20) as client:
        r = client.get(f"https://{PUNY}/v1/models")
    assert (r.status_code, r.content) == (200, b"[]"), r.text[:400]


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_recorded_host_override_is_the_idna_the_client_sent(run_proxy, ca_cert, gateway,
                                                            tmp_path, http2):
    path = tmp_path / "c.yaml"
    proxy = run_proxy(str(path), "record")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        r = client.get(gateway.url + "/json?size=20", headers={"Host": PUNY})
        assert r.status_code == 200
    proxy.stop()
    (i,) = load_cassette(str(path)).interactions
    assert i.request.host == PUNY
    assert i.request.url == gateway.url + "/json?size=20"
