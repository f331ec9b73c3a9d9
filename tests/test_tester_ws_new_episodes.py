"""new-episodes never records a WebSocket session whose client messages changed.

new-episodes is "replay matches, record the rest": an HTTP request whose body changed is
recorded and appended. A Realtime session is matched on its upgrade (method and URL) alone, so a
session whose first client message changed (a new prompt) is handed to the replay player, which
closes it with 1008 "differs from the recording"; nothing is recorded, and every later
new-episodes run misses the same way. The only way to pick up the changed conversation is to
delete the cassette (losing its other interactions) or record afresh. Real proxy, the fake
gateway's Realtime endpoint, real `websockets` client.
"""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("websockets")
import websockets  # noqa: E402
from test_websocket import realtime, ws_url  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402


async def _session(url: str, proxy_url: str, ca: str, text: str) -> str:
    """Says `text`, returns the answer's text (or the close reason if the session is closed)."""
    async with realtime(url, proxy_url, ca) as ws:
        try:
            json.loads(await ws.recv())  # session.created
            await ws.send(json.dumps({
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "user",
                         "content": [{"type": "input_text", "text": text}]},
            }))
            json.loads(await ws.recv())
            await ws.send(json.dumps({"type": "response.create"}))
            while True:
                event = json.loads(await ws.recv())
                if event["type"] == "response.output_text.done":
                    return event["text"]
        except websockets.ConnectionClosed as e:
            return f"closed {e.rcvd.code if e.rcvd else None}: {e.rcvd.reason if e.rcvd else ''}"


def test_new_episodes_records_a_changed_realtime_session(run_proxy, gateway, ca_cert, tmp_path):
    path = tmp_path / "realtime.yaml"
    url = ws_url(gateway)
    proxy = run_proxy(path, "record")
    assert asyncio.run(_session(url, proxy.url, ca_cert, "hello")) == "You said: hello"
    proxy.stop()

    proxy = run_proxy(path, "new-episodes")
    got = asyncio.run(_session(url, proxy.url, ca_cert, "goodbye"))
    proxy.stop()
    sessions = len(load_cassette(str(path)).interactions)
    assert got == "You said: goodbye" and sessions == 2, (
        f"new-episodes answered {got!r} and the cassette holds {sessions} session(s)"
    )
