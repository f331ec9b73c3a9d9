"""Tester: behind an upstream proxy (`--set mode=upstream:http://HOST:PORT`, a corporate proxy
being the only way out; recording through it works, test_tester4_record_upstream_mode), a
WebSocket session that diverges from its recording in record mode new-episodes does not go
through the upstream proxy: the player opens its upstream connection itself, straight to the
API host (wsplayer.WebSocketPlayer._relay_upstream: `asyncio.open_connection(host, port)`),
ignoring the proxy mode. Where only the upstream proxy reaches the internet, the new episode
fails (1011); here, on loopback, it succeeds by going around the upstream proxy, which never
sees a CONNECT for it.

README: "Any mitmproxy option passes through with mitmproxy's own syntax"; WebSockets: "from
there the player opens the upstream WebSocket itself".

Expected: the diverged session reaches the API host through the upstream proxy (a CONNECT to
it), as the recording of the first session did."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("websockets")
from test_tester4_record_upstream_mode import connect_proxy  # noqa: E402
from test_websocket import ws_url  # noqa: E402
from test_ws_new_episodes import _talk  # noqa: E402


def test_tester7_diverged_new_episode_goes_through_the_upstream_proxy(run_proxy, gateway,
                                                                      ca_cert, tmp_path):
    path = tmp_path / "rt.yaml"
    target = f"localhost:{gateway.port}"
    with connect_proxy() as (corp, targets):
        proxy = run_proxy(path, "record", sets=(f"mode=upstream:{corp}",))
        first = asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert, "hello"))
        proxy.stop()
        assert "You said: hello" in first, first
        assert targets == [target], targets  # recorded through the upstream proxy

        proxy = run_proxy(path, "new-episodes", sets=(f"mode=upstream:{corp}",))
        got = asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert, "goodbye"))
        proxy.stop()
    stats = proxy.vcr.all_sessions()[0].stats
    assert "You said: goodbye" in got, (got, stats)
    assert stats.recorded == 1, stats
    # The new episode went upstream: through the upstream proxy, like every other exchange.
    assert targets == [target, target], targets
