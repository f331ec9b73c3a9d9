"""Tester3: a Realtime session recorded from a browser-style client (OpenAI's documented
subprotocols `realtime`, `openai-insecure-api-key.<key>`, `openai-beta.realtime-v1`) is written
with `openai-insecure-api-key.<REDACTED>`, and then `vcrproxy check` flags that very header
("request header Sec-Websocket-Protocol holds an unredacted secret", exit 1); `vcrproxy redact`
"redacts 1 secret" and leaves it the same, every time. The marker after the credential-named
prefix is taken for a key. The README: redaction is idempotent (the marker matches no rule),
and what vcrproxy itself writes checks ok, so a clean recording fails CI's `vcrproxy check`.
Real proxy, the fake gateway's WebSocket endpoint, the websockets client.
"""

from __future__ import annotations

import asyncio
import json
import ssl

import pytest
from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]


def test_recorded_subprotocol_key_checks_ok(run_proxy, gateway, ca_cert, tmp_path):
    pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    cassette = tmp_path / "rt.yaml"
    proxy = run_proxy(cassette, "record")

    async def session() -> dict:
        url = f"wss://localhost:{gateway.port}/v1/realtime?model=gpt-realtime"
        async with asyncio.timeout(15):
            async with connect(url, ssl=ssl.create_default_context(cafile=ca_cert),
                               proxy=proxy.url, ping_interval=None,
                               subprotocols=["realtime", f"openai-insecure-api-key.{KEY}",
                                             "openai-beta.realtime-v1"]) as ws:
                return json.loads(await ws.recv())

    assert asyncio.run(session())["type"] == "session.created"
    proxy.stop()
    text = cassette.read_text()
    assert "openai-insecure-api-key.<REDACTED>" in text and KEY not in text  # (redacted)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert out.exit_code == 0, out.output
