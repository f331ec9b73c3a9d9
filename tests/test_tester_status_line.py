"""Tester: the response status line is a place redaction never looks at. An HTTP/1.1 upstream
may put anything in its reason phrase (a gateway: `401 Invalid key <the key>`); it is recorded
into `status:` as it came, and `vcrproxy check` of that cassette says ok. Real proxy, a real
loopback HTTP/1.1 server (plain HTTP: the fake gateway always sends the standard reasons),
httpx; the fake key is built at runtime.
"""

from __future__ import annotations

import socket
import threading

import httpx
from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]


def _serve_once(sock: socket.socket) -> None:
    try:
        conn, _ = sock.accept()
    except OSError:
        return
    with conn:
        conn.settimeout(5)
        conn.recv(65536)
        body = b'{"error": {"message": "invalid key"}}'
        conn.sendall(b"HTTP/1.1 401 Invalid key " + KEY.encode() + b"\r\n"
                     b"Content-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def test_reason_phrase_with_a_key_is_redacted(run_proxy, tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(10)
    thread = threading.Thread(target=_serve_once, args=(server,), daemon=True)
    thread.start()
    cassette = tmp_path / "status.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        with httpx.Client(proxy=proxy.url, timeout=10) as client:
            r = client.get(f"http://127.0.0.1:{server.getsockname()[1]}/v1/models")
        assert r.status_code == 401 and KEY in r.reason_phrase
        proxy.stop()
    finally:
        server.close()
        thread.join(5)
    text = cassette.read_text(encoding="utf-8")
    assert "status: 401" in text
    checked = CliRunner().invoke(main, ["check", str(cassette)], prog_name="vcrproxy")
    assert KEY not in text, f"recorded as it came; check says: {checked.output.strip()}"
