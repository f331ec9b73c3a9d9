"""`vcrproxy diff` and `show --plain` do not look at a WebSocket session's client messages.

Two real Realtime sessions recorded through the proxy that differ only in what the client sent
(the `session.update` instructions: a prompt change), the server's answers being the same.
For HTTP, diff reports such a change as `request: $.messages[0].content differs`; for a
WebSocket session diff says "no differences" and exits 0, and `show --plain` (the git textconv
the README sets up) prints the same text for both: a prompt change in a Realtime cassette
passes review and CI as unchanged. (`show` without --plain does print the user text.)
Real proxy, real `websockets` client, the real CLI.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("websockets")
from test_websocket import realtime, ws_url  # noqa: E402

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


async def _session(url: str, proxy_url: str, ca: str, instructions: str) -> None:
    async with realtime(url, proxy_url, ca) as ws:
        json.loads(await ws.recv())  # session.created
        await ws.send(json.dumps({"type": "session.update",
                                  "session": {"instructions": instructions}}))
        json.loads(await ws.recv())  # session.updated
        await ws.send(json.dumps({
            "type": "conversation.item.create",
            "item": {"type": "message", "role": "user",
                     "content": [{"type": "input_text", "text": "hello"}]},
        }))
        json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "response.create"}))
        while json.loads(await ws.recv())["type"] != "response.done":
            pass


def _record(run_proxy, gateway, ca_cert, path, instructions: str) -> None:
    proxy = run_proxy(path, "record")
    asyncio.run(_session(ws_url(gateway), proxy.url, ca_cert, instructions))
    proxy.stop()


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, timeout=60)


@pytest.fixture
def two_sessions(run_proxy, gateway, ca_cert, tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    _record(run_proxy, gateway, ca_cert, old, "Answer in English, briefly.")
    _record(run_proxy, gateway, ca_cert, new, "Answer in French, at length.")
    return old, new


def test_diff_reports_a_changed_client_message(two_sessions):
    old, new = two_sessions
    got = _cli("diff", "--ignore-latency", old, new)
    assert got.returncode == 1, (
        f"diff exit {got.returncode}: the session.update instructions changed\n{got.stdout}"
    )
    assert "French" in got.stdout or "instructions" in got.stdout, got.stdout


def test_show_plain_differs_when_a_client_message_does(two_sessions):
    old, new = two_sessions
    a, b = _cli("show", "--plain", old), _cli("show", "--plain", new)
    assert a.returncode == b.returncode == 0
    assert a.stdout != b.stdout, f"git diff (textconv) shows nothing changed:\n{a.stdout}"
