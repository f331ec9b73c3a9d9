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

import pytest
from ws_upstream import ws_upstream

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
REASONS: list[str] = []  # the reason the server closes the next session with


async def _closing(ws) -> None:
    await ws.recv()
    await ws.close(1008, REASONS.pop(0))


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
    paths = [tmp_path / "old.yaml", tmp_path / "new.yaml"]
    with ws_upstream(_closing) as port:
        for path, reason in zip(paths, reasons, strict=True):
            proxy = run_proxy(path, "record")
            url = f"wss://localhost:{port}/ws/live"
            assert asyncio.run(_session(url, proxy.url, ca_cert)) == reason
            proxy.stop()

    plain = [_vcrproxy("show", "--plain", str(p)).stdout for p in paths]
    assert plain[0] != plain[1]  # git diff (textconv) shows the change...
    diff = _vcrproxy("diff", "--ignore-latency", *map(str, paths))
    assert diff.returncode == 1, diff.stdout + diff.stderr  # ...and so must vcrproxy diff
    assert "Quota exceeded" in diff.stdout, diff.stdout
    shown = _vcrproxy("show", str(paths[1])).stdout
    assert "1008 'Quota exceeded \\x1b[2Jfor model.'" in shown, shown  # as repr() writes it
