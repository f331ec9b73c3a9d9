"""Replay answers an HTTP/1.0 request with `Transfer-Encoding: chunked`.

README: replay frames each response as RFC 9110/9112 say. RFC 9112 6.1: "A server MUST NOT
send a response containing Transfer-Encoding unless the corresponding request indicates
HTTP/1.1 (or later minor revisions)"; an HTTP/1.0 client knows no chunked coding and reads the
body until the connection closes, so it gets the chunk-size lines inside the body (a streamed
chat's SSE then starts with `1d8\r\n`). The recording of the same request through the proxy
was answered without chunking (delimited by the close). Expected: no Transfer-Encoding to an
HTTP/1.0 request; the body as recorded, ended by closing the connection.

Verify (a neighbour of 0d2bf2c, which fixed instant replay): the same recording replayed with
`--pace recorded` (served through the loopback chunk server) and with a `cut:N` fault (a stream
cut after N events): no Transfer-Encoding either, the body (or its first events) as recorded.
"""

from __future__ import annotations

import json
import os
import ssl
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402
from sessions import connect_tunnel  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402


@pytest.mark.parametrize("how", ["instant", "pace", "cut"])
def test_an_http10_request_gets_no_chunked_framing(how, run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    body = json.dumps({"model": "m", "stream": True,
                       "messages": [{"role": "user", "content": "hi there"}]}).encode()
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.post(gateway.url + "/v1/chat/completions", content=body,
                           headers={"content-type": "application/json"}).status_code == 200
    proxy.stop()
    recorded = load_cassette(str(cassette)).interactions[0].response.body_bytes

    kw = {"pace": {"pace": "recorded"}, "cut": {"fault": ["cut:1"]}}.get(how, {})
    proxy = run_proxy(cassette, "replay", **kw)
    authority = gateway.url.removeprefix("https://")
    sock = connect_tunnel("127.0.0.1", proxy.proxy.port, authority)
    ctx = ssl.create_default_context(cafile=ca_cert)
    ctx.set_alpn_protocols(["http/1.1"])
    with ctx.wrap_socket(sock, server_hostname=authority.rsplit(":", 1)[0]) as tls:
        tls.settimeout(10)
        tls.sendall(b"POST /v1/chat/completions HTTP/1.0\r\nHost: " + authority.encode()
                    + b"\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(body)).encode() + b"\r\n\r\n" + body)
        data = b""
        while True:
            try:
                chunk = tls.recv(65536)
            except (TimeoutError, ssl.SSLError, ConnectionError):
                break
            if not chunk:
                break
            data += chunk
    head, _, got = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1."), data[:300]
    assert b"transfer-encoding" not in head.lower(), head.decode()
    if how == "cut":
        assert got and recorded.startswith(got), got[:200]
    else:
        assert got == recorded
