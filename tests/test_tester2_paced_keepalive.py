"""`--pace recorded` over HTTP/1.1: a replayed answer must not close the client's connection.

The recording holds no `Connection` header (hop-by-hop headers are never replayed, README), and
instant replay keeps the client's keep-alive connection open. Paced replay fetches the answer
from the proxy's loopback chunk server, whose `Connection: close` reaches the client: every
paced answer ends the client's connection, so an SDK's second request must open a new CONNECT
tunnel and TLS handshake (time the recording never spent, in a mode whose point is timing), and
a client holding the connection (a raw keep-alive client, a connection-counting test) sees it
closed.
"""

from __future__ import annotations

import os
import ssl
import sys

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402
from sessions import connect_tunnel  # noqa: E402


def _read_response(tls: ssl.SSLSocket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = tls.recv(65536)
        assert chunk, "connection closed mid-body"
        body += chunk
    return head, body


def test_paced_replay_keeps_the_http11_connection_open(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        for _ in range(2):
            assert client.get(gateway.url + "/json").status_code == 200
    proxy.stop()

    proxy = run_proxy(cassette, "replay", pace="recorded")
    authority = gateway.url.removeprefix("https://")
    sock = connect_tunnel("127.0.0.1", proxy.proxy.port, authority)
    ctx = ssl.create_default_context(cafile=ca_cert)
    ctx.set_alpn_protocols(["http/1.1"])
    with ctx.wrap_socket(sock, server_hostname=authority.rsplit(":", 1)[0]) as tls:
        request = f"GET /json HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode()
        tls.sendall(request)
        head, body = _read_response(tls)
        assert head.startswith(b"HTTP/1.1 200"), head
        assert b"connection: close" not in head.lower(), (
            f"paced replay told the client to close its connection: {head!r}"
        )
        tls.sendall(request)  # the second recorded interaction, on the same connection
        head2, body2 = _read_response(tls)
        assert head2.startswith(b"HTTP/1.1 200"), head2
        assert body2 == body
