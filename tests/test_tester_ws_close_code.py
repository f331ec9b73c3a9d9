"""A recorded WebSocket close code that cannot go on the wire (99999, 1004) passes `vcrproxy
check`, and replay then hangs the client (99999) or fails its connection (1004).

The player (wsplayer.WebSocketPlayer._sender) hands the recorded code to wsproto: 99999 does not
fit the close frame's two bytes, wsproto raises inside the sender task, the exception is kept
until the session ends, and the client waits for a close that never comes (a hang, the summary
says `replayed 1, failed 0`). 1004 (reserved, RFC 6455 7.4.1) is sent as it is: the client
fails the connection with 1002. The cassette is one a hand edit or another tool writes; the
brief's rule for hostile cassettes is a one-line error, never a hang. check validates the close
code's type only (websocket.session_from_response). Real proxy, real `websockets` client.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys

import pytest

pytest.importorskip("websockets")
import websockets  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette  # noqa: E402
from vcrproxy.cassette import WEBSOCKET_KEY  # noqa: E402

URL = "wss://realtime.example.invalid/v1/realtime"
EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def _cassette(path, code: int) -> str:
    upgrade = {"Upgrade": ["websocket"], "Connection": ["Upgrade"]}
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url=URL.replace("wss:", "https:"), method="GET", body="",
                        headers=upgrade, content_length=0),
        response=Response(code=101, status="101 Switching Protocols", body="", headers=upgrade,
                          content_length=0, duration_ns=0, extra={WEBSOCKET_KEY: {
                              "messages": [{"at": 1.0, "from": "server", "type": "text",
                                            "data": '{"type":"session.created"}'}],
                              "close": {"at": 2.0, "from": "server", "code": code,
                                        "reason": "bye"}}}),
    )]), str(path))
    return str(path)


async def _closed_by_server(proxy_url: str, ca: str) -> tuple[int | None, str]:
    async with connect(URL, proxy=proxy_url, ssl=ssl.create_default_context(cafile=ca),
                       ping_interval=None) as ws:
        await asyncio.wait_for(ws.recv(), 5)  # session.created
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as e:
            return (e.rcvd.code if e.rcvd else None), str(e)
        except TimeoutError:
            return None, "no close within 5 s: the client hangs"
    return None, "a message after session.created"


@pytest.mark.parametrize("code", [99999, 1004])
def test_a_close_code_that_cannot_be_sent_is_reported_or_never_reaches_the_client(
    run_proxy, ca_cert, tmp_path, code
):
    path = _cassette(tmp_path / "c.yaml", code)
    checked = subprocess.run([EXE, "check", path], capture_output=True, text=True, timeout=60)
    if checked.returncode != 0:
        assert "close" in checked.stdout + checked.stderr  # reported: fine
        return
    proxy = run_proxy(path, "replay")
    got, why = asyncio.run(_closed_by_server(proxy.url, ca_cert))
    assert got is not None and got != 1002, (
        f"check says ok for close code {code}, and replay: {why} (received {got})"
    )
