"""Tester: recording behind an upstream proxy (`--set mode=upstream:http://HOST:PORT`,
mitmproxy's own option passed through: a corporate proxy is the only way out) answers every
request 502 "Connection killed: vcrproxy: no upstream connection in replay", although the
session records: failclosed.UpstreamGate permits a recorded request by (client, the request's
host and port) and expects upstream-proxy mode to show as `server.via`, but mitmproxy 12's
upstream mode connects to the proxy's own address with no `via`, so no permit ever matches.
Nothing is recorded and the upstream proxy never sees a CONNECT.

README: "Any mitmproxy option passes through with mitmproxy's own syntax"; failclosed.py:
"Upstream-proxy mode: the address is the proxy's; any forward decision counts."

Expected: recording through the upstream proxy works over HTTP/1.1 and h2 (200, the
exchange in the cassette, the upstream proxy asked to CONNECT to the API host)."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
from conftest import proxied_client

from vcrproxy import load_cassette


@contextlib.contextmanager
def connect_proxy():
    """A loopback HTTP CONNECT proxy; yields (its URL, the CONNECT targets it tunnelled)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    targets: list[str] = []
    stop = threading.Event()

    def pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def tunnel(conn: socket.socket) -> None:
        conn.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(4096)
            if not data:
                conn.close()
                return
            head += data
        target = head.split(b" ", 2)[1].decode()
        targets.append(target)
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        conn.settimeout(None)
        upstream.settimeout(None)
        threading.Thread(target=pipe, args=(conn, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, conn), daemon=True).start()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=tunnel, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", targets
    finally:
        stop.set()
        thread.join(5)
        server.close()


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "h2"])
def test_record_mode_through_an_upstream_proxy(run_proxy, gateway, ca_cert, tmp_path, http2):
    cassette = tmp_path / "c.yaml"
    with connect_proxy() as (corp, targets):
        proxy = run_proxy(cassette, "record", sets=(f"mode=upstream:{corp}",))
        with proxied_client(proxy, ca_cert, http2=http2) as client:
            r = client.get(gateway.url + "/json?size=30")
        proxy.stop()
    assert r.status_code == 200, r.text[:300]
    assert targets == [f"localhost:{gateway.port}"], targets
    (recorded,) = load_cassette(str(cassette)).interactions
    assert recorded.response.code == 200
