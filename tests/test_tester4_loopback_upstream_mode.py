"""Tester: a replay proxy configured with an upstream proxy (`--set mode=upstream:URL`, the
same options a team uses for recording behind a corporate proxy) cannot replay paced answers
(`--pace recorded`) or WebSocket sessions: both are served by vcrproxy's own loopback server
(the flow is pointed at 127.0.0.1:PORT), but in upstream mode mitmproxy sends that flow to the
upstream proxy (a `CONNECT 127.0.0.1:PORT` there: a corporate proxy cannot reach the user's
loopback), so the gate refuses it and the client gets 502 "Connection killed". Instant replay
of the same cassette through the same proxy works.

README: "`--pace recorded` waits the recorded duration..."; "Replay answers the upgrade with a
real 101 from a loopback player, offline"; "Any mitmproxy option passes through".

Expected: both are answered from the cassette (200 with the recorded body; the 101 and the
recorded session), and the upstream proxy sees no connection."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import proxied_client
from test_tester4_record_upstream_mode import connect_proxy

pytest.importorskip("websockets")
from test_websocket import realtime, ws_url  # noqa: E402


def test_paced_replay_with_an_upstream_proxy_configured(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        recorded = client.get(gateway.url + "/json?size=30").text
    proxy.stop()
    with connect_proxy() as (corp, targets):
        proxy = run_proxy(cassette, "replay", pace="recorded", sets=(f"mode=upstream:{corp}",))
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(gateway.url + "/json?size=30")
        proxy.stop()
    assert (r.status_code, r.text) == (200, recorded), r.text[:300]
    assert targets == []


def test_websocket_replay_with_an_upstream_proxy_configured(run_proxy, gateway, ca_cert,
                                                            tmp_path):
    cassette = tmp_path / "rt.yaml"

    async def first_event(proxy) -> str:
        async with realtime(ws_url(gateway), proxy.url, ca_cert) as ws:
            return json.loads(await ws.recv())["type"]

    proxy = run_proxy(cassette, "record")
    assert asyncio.run(first_event(proxy)) == "session.created"
    proxy.stop()
    with connect_proxy() as (corp, targets):
        proxy = run_proxy(cassette, "replay", sets=(f"mode=upstream:{corp}",))
        got = asyncio.run(first_event(proxy))
        proxy.stop()
    assert got == "session.created"
    assert targets == []
