"""Tester3: a key a Gemini Live model speaks back a few characters per message reaches the
cassette. The README redacts a key streamed in pieces "across streamed deltas": Gemini
`parts[].text` as SSE or a streamed JSON array, and the (OpenAI) Realtime API's deltas over
WebSocket; the Gemini Live API (`BidiGenerateContent`, named beside Realtime in the WebSockets
section) streams the same `serverContent.modelTurn.parts[].text` pieces over WebSocket, as
binary frames, and its pieces are never joined: no message holds the key whole, and check
says ok. Real proxy, a loopback Live-shaped `websockets` server, a `websockets` client.
"""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.cassette import WEBSOCKET_KEY
from vcrproxy.cli.main import main

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402

KEY = SHAPE_EXAMPLES["openai"]
TEXT = f"The key in your config is {KEY}, rotate it."
PIECES = [TEXT[i:i + 9] for i in range(0, len(TEXT), 9)]
PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"


async def _live(ws) -> None:
    await ws.recv()  # setup
    await ws.send(json.dumps({"setupComplete": {}}).encode())
    await ws.recv()  # clientContent
    for piece in PIECES:
        await ws.send(json.dumps({"serverContent": {"modelTurn": {
            "parts": [{"text": piece}]}}}).encode())
    await ws.send(json.dumps({"serverContent": {"turnComplete": True}}).encode())
    await ws.wait_closed()


def _server() -> tuple[int, threading.Event, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    ready, stop = threading.Event(), threading.Event()
    port: list[int] = []

    async def main_() -> None:
        async with serve(_live, "127.0.0.1", 0) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)

    threading.Thread(target=loop.run_until_complete, args=(main_(),), daemon=True).start()
    assert ready.wait(10)
    return port[0], stop, loop


def test_key_split_across_gemini_live_parts_is_redacted(run_proxy, tmp_path):
    port, stop, _ = _server()
    cassette = tmp_path / "live.yaml"
    proxy = run_proxy(cassette, "record")

    async def session() -> str:
        got = []
        async with asyncio.timeout(15):
            async with connect(f"ws://127.0.0.1:{port}{PATH}?key=test", proxy=proxy.url,
                               ping_interval=None) as ws:
                await ws.send(json.dumps({"setup": {"model": "models/gemini-live-2.5-flash"}}))
                await ws.recv()
                await ws.send(json.dumps({"clientContent": {"turns": [{"role": "user", "parts": [
                    {"text": "What is in my config?"}]}], "turnComplete": True}}))
                while "turnComplete" not in (m := json.loads(await ws.recv()))["serverContent"]:
                    got.append(m["serverContent"]["modelTurn"]["parts"][0]["text"])
        return "".join(got)

    try:
        assert asyncio.run(session()) == TEXT
        proxy.stop()
    finally:
        stop.set()
    (i,) = load_cassette(cassette).interactions
    messages = i.response.extra[WEBSOCKET_KEY]["messages"]
    joined = "".join(json.loads(m["data"])["serverContent"]["modelTurn"]["parts"][0]["text"]
                     for m in messages if m["from"] == "server" and b"modelTurn" in (
                         m["data"] if isinstance(m["data"], bytes) else m["data"].encode()))
    assert joined.startswith("The key in your config is")  # (the pieces were recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert KEY not in joined, (
        "the key, joined from the recorded pieces, reached the cassette", out.output)
