"""Tester: two WebSocket sessions recorded one after the other at one URL ("one", then "two")
both miss (1008) when they are replayed at the same time in the other order (pytest-asyncio
tests, parallel agents, a Realtime client per user): each upgrade takes the first unused
recording (the "two" client gets "one"'s and the "one" client "two"'s), and when their first
messages show each is the other's, neither can take over its own: the player switches only to
a recording no one holds (Replayer._websocket_player `switch`: `sess.take(new)`), and each is
held by the other session. Played one after the other in any order, they replay.

README (WebSockets): "Sessions recorded at one URL replay in any order: each upgrade starts
with the first unused one, and the player takes over another whose client messages match when
the client's messages lead there."

Expected: both concurrent sessions replay their own recording (no miss)."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("websockets")
from test_websocket import realtime, ws_url  # noqa: E402
from test_ws_new_episodes import _talk  # noqa: E402


async def _both(url: str, proxy_url: str, ca: str, texts: list[str]) -> list[str]:
    """Each text's session opened first (all upgrades answered), then each says its text;
    returns the answer text, or the close code, of each."""
    async with realtime(url, proxy_url, ca) as first, realtime(url, proxy_url, ca) as second:
        sockets = [first, second]
        for ws in sockets:
            assert json.loads(await ws.recv())["type"] == "session.created"
        answers = []
        for ws, text in zip(sockets, texts, strict=True):
            await ws.send(json.dumps({
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "user",
                         "content": [{"type": "input_text", "text": text}]}}))
        for ws in sockets:
            try:
                answers.append(json.loads(await ws.recv())["type"])
            except Exception as e:  # noqa: BLE001 - the close is the answer
                answers.append(str(getattr(getattr(e, "rcvd", None), "code", e)))
        return answers


def test_concurrent_sessions_at_one_url_replay_in_the_other_order(run_proxy, gateway, ca_cert,
                                                                   tmp_path):
    path = tmp_path / "rt.yaml"
    proxy = run_proxy(path, "record")
    for text in ("one", "two"):
        assert f"You said: {text}" in asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert,
                                                        text))
    proxy.stop()

    proxy = run_proxy(path, "replay")
    got = asyncio.run(_both(ws_url(gateway), proxy.url, ca_cert, ["two", "one"]))
    proxy.stop()
    stats = proxy.vcr.all_sessions()[0].stats
    assert got == ["conversation.item.created"] * 2, (got, stats.explanations)
    assert stats.missed == []
