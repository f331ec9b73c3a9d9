"""Tester11: `vcrproxy diff` calls two WebSocket recordings equal (exit 0) when the server closed
them with the same code but another reason: a Gemini Live session closed `1008 "Request
contains an invalid argument."` one run and `1008 "Quota exceeded for model."` the next, an
OpenAI Realtime one `1000` then `1000 "session expired"`. cli/diff.py compares the close's code
and side only; `show --plain` (the git textconv) prints the reason, so `git diff` shows the
change that `vcrproxy diff` denies. README (diff): "A WebSocket session's client messages are
its request: compared in order ... messages added or removed, a changed close"; "Exit 0 when
equal, 1 when they differ". Also, a close reason holding a control character is shown with a
backslash it does not have (`'bad\\\\x1b[2J'`: escaped, then repr'd again).

Real parts: a loopback TLS WebSocket server closing with a reason, the real proxy recording
twice, a `websockets` client, the `vcrproxy` CLI."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import threading

import pytest
from fakegateway import _ca

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
REASONS: list[str] = []  # the reason the server closes the next session with


async def _closing(ws) -> None:
    await ws.recv()
    await ws.close(1008, REASONS.pop(0))


def _serve() -> tuple[int, asyncio.AbstractEventLoop, asyncio.Event, threading.Thread]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _ca().issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    loop = asyncio.new_event_loop()
    ready, port, stopping = threading.Event(), [], []

    async def main() -> None:
        stopping.append(asyncio.Event())
        async with serve(_closing, "127.0.0.1", 0, ssl=ctx) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            await stopping[0].wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    return port[0], loop, stopping[0], thread


async def _session(url: str, proxy_url: str, ca: str) -> str:
    async with asyncio.timeout(20):
        async with connect(url, proxy=proxy_url, ssl=ssl.create_default_context(cafile=ca),
                           ping_interval=None) as ws:
            await ws.send('{"setup": {"model": "models/gemini-live-2.5-flash"}}')
            try:
                await ws.recv()
            except websockets.ConnectionClosed as e:
                assert e.rcvd is not None
                return e.rcvd.reason
    raise AssertionError("the server did not close")


def _vcrproxy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60)


def test_diff_sees_a_changed_close_reason(run_proxy, gateway, ca_cert, tmp_path):
    reasons = ["Request contains an invalid argument.", "Quota exceeded \x1b[2Jfor model."]
    REASONS[:] = reasons
    port, loop, stopping, thread = _serve()
    paths = [tmp_path / "old.yaml", tmp_path / "new.yaml"]
    try:
        for path, reason in zip(paths, reasons, strict=True):
            proxy = run_proxy(path, "record")
            url = f"wss://localhost:{port}/ws/live"
            assert asyncio.run(_session(url, proxy.url, ca_cert)) == reason
            proxy.stop()
    finally:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(10)

    plain = [_vcrproxy("show", "--plain", str(p)).stdout for p in paths]
    assert plain[0] != plain[1]  # git diff (textconv) shows the change...
    diff = _vcrproxy("diff", "--ignore-latency", *map(str, paths))
    assert diff.returncode == 1, diff.stdout + diff.stderr  # ...and so must vcrproxy diff
    assert "Quota exceeded" in diff.stdout, diff.stdout
    shown = _vcrproxy("show", str(paths[1])).stdout
    assert "1008 'Quota exceeded \\x1b[2Jfor model.'" in shown, shown  # as repr() writes it
