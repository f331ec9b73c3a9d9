"""Tester: a value named in a WebSocket message is not hunted down in the session's other
messages (real mitmproxy, the fake gateway's Realtime endpoint, the websockets client).
"""

from __future__ import annotations

import asyncio
import json
import ssl

import pytest
from click.testing import CliRunner
from conftest import proxied_client

from vcrproxy.cli.main import main


def _record(run_proxy, cassette, ca_cert, *requests) -> list:
    proxy = run_proxy(cassette, "record")
    out = []
    with proxied_client(proxy, ca_cert) as client:
        for kw in requests:
            r = client.request(**kw)
            assert r.status_code == 200, r.text[:300]
            out.append(r)
    proxy.stop()
    return out


def _check(path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(path)], prog_name="vcrproxy")
    return result.exit_code, result.output


# -- WebSocket payloads: values named there are not hunted elsewhere -------------------------------


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
