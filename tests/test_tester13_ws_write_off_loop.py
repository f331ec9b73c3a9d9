"""Tester: a WebSocket session's recording is written on the proxy's event loop
(Recorder.websocket_end -> CassetteSession.record: redaction, the cassette folder's lock, the
write, the fsync), unlike an HTTP exchange's, which goes to a worker thread. While another
process holds the cassette folder's lock (`vcrproxy redact` of a large cassette there, another
recorder's large append; up to the 30 s lock timeout) the whole proxy stops: no other client
gets as much as a CONNECT answer, every stream in flight stalls.

Brief: shared use (record while another process runs redact on it, lock timeouts) never
hangs; the recording is kept.

Expected: while the lock is held, other clients are served; once it is released, the
session is in the cassette."""

from __future__ import annotations

import asyncio
import fcntl
import os
import ssl
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from sessions import connect_tunnel  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402
from vcrproxy.cassette import WEBSOCKET_KEY  # noqa: E402


def test_a_websocket_recording_waiting_for_the_lock_does_not_stop_the_proxy(
        run_proxy, gateway, ca_cert, tmp_path):
    pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    cassette = tmp_path / "rt.yaml"
    proxy = run_proxy(cassette, "record")
    url = f"wss://localhost:{gateway.port}/v1/realtime?model=gpt-realtime"
    closed = threading.Event()

    async def session() -> None:
        async with asyncio.timeout(15):
            async with connect(url, ssl=ssl.create_default_context(cafile=ca_cert),
                               proxy=proxy.url, ping_interval=None) as ws:
                await ws.recv()
        closed.set()

    folder = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # (another process's redact, in effect)
        thread = threading.Thread(target=asyncio.run, args=(session(),), daemon=True)
        thread.start()
        assert closed.wait(15), "the WebSocket session did not end"
        time.sleep(0.5)  # (its end reached the recorder, which waits for the lock)
        started = time.monotonic()
        try:
            connect_tunnel("127.0.0.1", proxy.proxy.port,
                           gateway.url.removeprefix("https://"), timeout=3).close()
        except OSError as e:
            pytest.fail(f"the proxy answered no CONNECT while the lock was held: {e!r}")
        assert time.monotonic() - started < 2
    finally:
        time.sleep(0.2)
        fcntl.flock(folder, fcntl.LOCK_UN)
        os.close(folder)
    thread.join(10)
    proxy.stop()
    recorded = load_cassette(str(cassette)).interactions
    assert [WEBSOCKET_KEY in i.response.extra for i in recorded] == [True]
