"""Tester: an upstream that answers with a status code outside 100-999 (`HTTP/1.1 099 Low`,
`HTTP/1.1 1000 Big`: mitmproxy's HTTP/1 client reads any number there) is recorded with that
`code:`, and the whole cassette then cannot be replayed: replay refuses it at start
("interactions[1].response.code: 1000 is not an HTTP status code (100-999); replay cannot use
this cassette"), while the run that recorded it counted it as recorded, exit 0. Every good
exchange recorded beside it is lost to replay.

README / brief: hostile input never loses data; the cassette survives.

Expected: such an answer fails its exchange (counted, as an upstream that fails does), nothing
recorded for it, and the cassette keeps replaying the good exchange."""

from __future__ import annotations

import os
import socket
import sys
import threading

import httpx
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from vcrproxy import load_cassette  # noqa: E402
from vcrproxy.schema import validate  # noqa: E402


class RawUpstream:
    """A plain HTTP/1.1 server on loopback answering /good with 200 and /bad with `status`."""

    def __init__(self, status: bytes) -> None:
        self.status = status
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
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
                    line = b"HTTP/1.1 200 OK" if b" /good " in data else self.status
                    conn.sendall(line + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.mark.parametrize("status", [b"HTTP/1.1 099 Low", b"HTTP/1.1 1000 Big"],
                         ids=["99", "1000"])
def test_an_answer_with_no_status_code_leaves_the_cassette_replayable(
        status, run_proxy, tmp_path):
    upstream = RawUpstream(status)
    try:
        cassette = tmp_path / "c.yaml"
        base = f"http://127.0.0.1:{upstream.port}"
        proxy = run_proxy(cassette, "record")
        with httpx.Client(proxy=proxy.url, timeout=10) as client:
            assert client.get(base + "/good").text == "ok"
            try:
                client.get(base + "/bad")  # (whatever it gets: not a cassette replay refuses)
            except httpx.HTTPError:
                pass  # (httpx refuses the status line mitmproxy relays)
        proxy.stop()
    finally:
        upstream.close()

    recorded = load_cassette(str(cassette))
    problems = [str(p) for p in validate(recorded)]
    assert not problems, problems
    assert [i.request.url for i in recorded.interactions] == [base + "/good"]

    proxy = run_proxy(cassette, "replay")
    with httpx.Client(proxy=proxy.url, timeout=10) as client:
        answer = client.get(base + "/good")
    assert (answer.status_code, answer.text) == (200, "ok")
