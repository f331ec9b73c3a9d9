"""Tester: a key sent as a WebSocket subprotocol. Browsers cannot set headers on a WebSocket, so
voice APIs take the key in `Sec-WebSocket-Protocol`: Deepgram's `['token', API_KEY]` (its JS
SDK and docs; keys are 40 hex characters, no prefix), OpenAI's
`openai-insecure-api-key.<key>`. The OpenAI form is caught by its key shape; Deepgram's key has
no shape and the header name is not a credential name, so the upgrade request is recorded with
the key. Real proxy, the fake gateway's WebSocket endpoint, the websockets client.
"""

from __future__ import annotations

import asyncio
import json
import ssl

import pytest


def test_key_in_websocket_subprotocol_is_redacted(run_proxy, gateway, ca_cert, tmp_path):
    pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    key = "3f2a9c" + "0123456789abcdef" * 2 + "9d1e"  # a Deepgram-style key: 40 hex
    cassette = tmp_path / "dg.yaml"
    proxy = run_proxy(cassette, "record")

    async def session() -> dict:
        url = f"wss://localhost:{gateway.port}/v1/realtime?model=nova-3"
        async with asyncio.timeout(15):
            async with connect(url, ssl=ssl.create_default_context(cafile=ca_cert),
                               proxy=proxy.url, ping_interval=None,
                               subprotocols=["token", key]) as ws:
                return json.loads(await ws.recv())

    first = asyncio.run(session())
    proxy.stop()
    assert first["type"] == "session.created"
    text = cassette.read_text(encoding="utf-8")
    assert "Sec-Websocket-Protocol" in text or "Sec-WebSocket-Protocol" in text
    assert key not in text, "the subprotocol key reached the cassette"
