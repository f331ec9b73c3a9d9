"""Tester: an upstream that answers a plain request (no `Upgrade` header) with `101 Switching
Protocols` is recorded as a 101 of 0 bytes, the session counts it as recorded and exits 0, and
mitmproxy relays the bytes after it raw, past every hook. The recording can never be replayed:
replay answers that same request with a miss ("its answer is a 101 WebSocket upgrade and this
request does not ask for one"). RFC 9110 7.8: a server must not switch to a protocol the
client's Upgrade header did not name.

Brief: hostile input never loses data and replay reproduces what was recorded; a record run
that passes must not leave a cassette its own requests miss.

Expected: such an answer fails its exchange while recording (a clear error answer, nothing
recorded, counted as a failed exchange), as an answer with no status code does."""

from __future__ import annotations

import os
import socket
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from vcrproxy import load_cassette  # noqa: E402

UPGRADES = {
    "foo": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nraw",
    "websocket": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\n\r\n\x81\x02hi",
}


def _serve(sock: socket.socket, answer: bytes, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except OSError:
            continue
        with conn:
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                             if b" /good " in data else answer)
                conn.recv(4096)
            except OSError:
                pass


def _get(port: int, url: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        host = url.split("/")[2]
        s.sendall(f"GET {url} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        s.settimeout(3)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


@pytest.mark.parametrize("upgrade", sorted(UPGRADES))
def test_a_101_to_a_request_that_asked_no_upgrade_is_not_recorded(upgrade, run_proxy, tmp_path):
    sock = socket.create_server(("127.0.0.1", 0))
    sock.settimeout(0.3)
    stop = threading.Event()
    thread = threading.Thread(target=_serve, args=(sock, UPGRADES[upgrade], stop), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    cassette = tmp_path / "c.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        port = proxy.proxy.port
        assert _get(port, base + "/good").endswith(b"ok")
        answer = _get(port, base + "/plain")
        sessions = proxy.vcr.all_sessions()
        proxy.stop()
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()
    assert not answer.startswith(b"HTTP/1.1 101"), answer[:200]
    recorded = load_cassette(str(cassette)).interactions
    assert [(i.request.url, i.response.code) for i in recorded] == [(base + "/good", 200)]
    assert sum(s.stats.failed for s in sessions) == 1
