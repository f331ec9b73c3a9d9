"""Tester: a value named in a WebSocket message is not hunted down in the session's other
messages (real mitmproxy, the fake gateway's Realtime endpoint, the websockets client).
"""

from __future__ import annotations

import asyncio
import json
import ssl

import pytest


def test_websocket_named_value_echoed_in_later_messages_is_redacted(run_proxy, gateway, ca_cert,
                                                                    tmp_path):
    """The README's echo rule: a value found by name is also replaced wherever else it appears
    in the exchange. Over HTTP it is (a header's value echoed in a body). In a WebSocket
    session, a value named in a message (an MCP tool's `authorization` in `session.update`)
    is redacted there, but the same value in later messages (the user's text, the server's
    `conversation.item.created` and answer deltas) is written as it is."""
    websockets = pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    token = "mcpTok3n" + "Q7w" * 6  # opaque: no key shape, only its name gives it away
    cassette = tmp_path / "rt.yaml"
    proxy = run_proxy(cassette, "record")

    async def session() -> list:
        got = []
        url = f"wss://localhost:{gateway.port}/v1/realtime?model=gpt-realtime"
        async with asyncio.timeout(15):
            async with connect(url, ssl=ssl.create_default_context(cafile=ca_cert),
                               proxy=proxy.url, ping_interval=None) as ws:
                got.append(json.loads(await ws.recv()))
                await ws.send(json.dumps({"type": "session.update", "session": {"tools": [
                    {"type": "mcp", "server_label": "crm", "server_url": "https://mcp.example",
                     "authorization": token}]}}))
                got.append(json.loads(await ws.recv()))
                await ws.send(json.dumps({"type": "conversation.item.create", "item": {
                    "type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": f"is {token} right?"}]}}))
                got.append(json.loads(await ws.recv()))
        return got

    got = asyncio.run(session())
    proxy.stop()
    assert websockets is not None and token in json.dumps(got)
    text = cassette.read_text(encoding="utf-8")
    assert "authorization" in text and "<REDACTED>" in text  # named: redacted where named
    assert token not in text, "the named WebSocket value reached the cassette where echoed"


def test_websocket_miss_text_hides_values_named_in_the_live_message(run_proxy, gateway, ca_cert,
                                                                    tmp_path, caplog):
    """HTTP miss texts hide every value the live request names (redaction.secret_values): the
    400 body, the log and pytest's failure text. A WebSocket miss text only goes through
    scrub_text (key shapes): a value named in the live client message (an MCP tool's
    `authorization`) that also shows in the differing field is logged and kept in the
    session's explanations (the pytest plugin's failure text)."""
    import logging

    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    token = "mcpTok3n" + "Q7w" * 6
    url = f"wss://localhost:{gateway.port}/v1/realtime?model=gpt-realtime"

    async def session(proxy, instructions: str) -> None:
        async with asyncio.timeout(15):
            async with connect(url, ssl=ssl.create_default_context(cafile=ca_cert),
                               proxy=proxy.url, ping_interval=None) as ws:
                await ws.recv()
                await ws.send(json.dumps({"type": "session.update", "session": {
                    "instructions": instructions,
                    "tools": [{"type": "mcp", "server_label": "crm", "authorization": token}]}}))
                try:
                    await ws.recv()
                except ConnectionClosed:
                    pass

    cassette = tmp_path / "rt.yaml"
    recorder = run_proxy(cassette, "record")
    asyncio.run(session(recorder, "be brief"))
    recorder.stop()
    caplog.set_level(logging.DEBUG)
    replay = run_proxy(cassette, "replay")
    asyncio.run(session(replay, f"call the CRM with {token}"))
    replay.stop()
    explanations = [e for s in replay.vcr.all_sessions() for e in s.stats.explanations]
    assert explanations and "differs" in explanations[0]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("vcrproxy"))
    assert token not in "\n".join(explanations) + logged, explanations[0]
