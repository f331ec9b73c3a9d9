"""Tester: recording with mitmproxy's WebSocket handling turned off (`--set websocket=false`,
a pass-through mitmproxy option) writes every WebSocket session as a bare 101 with no
`vcrproxy_websocket` at all: mitmproxy relays the upgraded connection as raw TCP, so no
websocket hook runs and not one message is kept, yet the session counts as recorded (summary
"recorded 1, failed 0"), `vcrproxy check` says ok, and replaying the cassette leaves the client
waiting for the first server message forever (the "session" has none).

README (WebSockets): "A WebSocket session ... is recorded whole: every message both ways, in
order, with its type and time, and the close code"; a session whose recording failed "records
nothing" and counts as failed.

Expected: not a silent empty session: either the messages are recorded, or the proxy refuses
the option / counts the session as failed and writes nothing for it."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("websockets")
from test_websocket import ws_url  # noqa: E402
from test_ws_new_episodes import _talk  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402
from vcrproxy.cassette import WEBSOCKET_KEY  # noqa: E402
from vcrproxy.proxy import ProxyError  # noqa: E402


def test_a_session_recorded_with_websocket_handling_off_is_not_silently_empty(
        run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "rt.yaml"
    try:
        proxy = run_proxy(cassette, "record", sets=("websocket=false",))
    except ProxyError:
        return  # refused at start: fine
    got = asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert, "hello"))
    proxy.stop()
    assert "You said: hello" in got, got  # the live session worked
    stats = proxy.vcr.all_sessions()[0].stats
    kept = [i for i in load_cassette(str(cassette)).interactions] if cassette.exists() else []
    if stats.failed == 0 or kept:
        assert kept and WEBSOCKET_KEY in kept[0].response.extra, (
            f"recorded as {stats} with no messages: {kept[0].response.extra if kept else None}")
