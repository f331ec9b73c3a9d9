"""Tester: three WebSocket sessions recorded one after the other at one URL ("one", "two",
"three") and replayed at the same time in a rotated order (the first client opened says
"three", the second "one", the third "two": parallel agents, a Realtime client per user) end
with two of the three closed 1008 as misses, though every client's conversation is in the
cassette. Each upgrade takes the first unused recording in cassette order, and the round-11
trade (Replayer._trade) only swaps two players when each client's messages so far match the
other's recording: in a 3-cycle no pair does (the first client, holding "one", wants "three"
from the third, whose "two" is not "one"; and so round the cycle), so the players stay stuck,
while a chain of two trades would give everyone their own recording. Two sessions in
the other order replay (test_tester4_ws_concurrent_order); three in any order do not.

README (WebSockets): "Sessions recorded at one URL replay in any order: each upgrade starts
with the first unused one, and the player takes over another whose client messages match when
the client's messages lead there."

Expected: all three concurrent sessions replay their own recording (no miss)."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("websockets")
from test_websocket import realtime, ws_url  # noqa: E402
from test_ws_new_episodes import _talk  # noqa: E402


async def _three(url: str, proxy_url: str, ca: str, texts: list[str]) -> list[str]:
    """Three sessions opened in turn (each upgrade answered), then each says its text; returns
    the type of each one's answer, or its close code."""
    async with realtime(url, proxy_url, ca) as a, realtime(url, proxy_url, ca) as b, \
            realtime(url, proxy_url, ca) as c:
        sockets = [a, b, c]
        for ws in sockets:
            assert json.loads(await ws.recv())["type"] == "session.created"
        for ws, text in zip(sockets, texts, strict=True):
            await ws.send(json.dumps({
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "user",
                         "content": [{"type": "input_text", "text": text}]}}))
        answers = []
        for ws in sockets:
            try:
                answers.append(json.loads(await ws.recv())["type"])
            except Exception as e:  # noqa: BLE001 - the close is the answer
                answers.append(str(getattr(getattr(e, "rcvd", None), "code", e)))
        return answers


def test_tester7_three_concurrent_sessions_at_one_url_replay_in_a_rotated_order(
        run_proxy, gateway, ca_cert, tmp_path):
    path = tmp_path / "rt.yaml"
    proxy = run_proxy(path, "record")
    for text in ("one", "two", "three"):
        assert f"You said: {text}" in asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert,
                                                        text))
    proxy.stop()

    proxy = run_proxy(path, "replay")
    got = asyncio.run(_three(ws_url(gateway), proxy.url, ca_cert, ["three", "one", "two"]))
    proxy.stop()
    stats = proxy.vcr.all_sessions()[0].stats
    assert got == ["conversation.item.created"] * 3, (got, stats.explanations)
    assert stats.missed == []
