"""Tester: in record mode new-episodes, a WebSocket session to an IPv6 host
(`wss://[::1]:PORT/v1/realtime`) that diverges from its recording fails with 1011 instead of
going upstream: the player's upstream is opened from mitmproxy's `flow.request.url`, which
spells an IPv6 host without brackets (`https://::1:PORT/...`), and `urlsplit(...).port` raises
"Port could not be cast to integer value as ':1:PORT'" (wsplayer._relay_upstream). The same
session to `localhost` is recorded as a new episode; recording and replaying the IPv6 session
work.

README: "In record mode `new-episodes` a session whose client messages leave every recording of
its URL is a new episode ... the player opens the upstream WebSocket itself"; IPv6 hosts are
written bracketed and "the bare spelling matches too".

Expected: the diverged session goes upstream and is recorded (the client gets the upstream's
answer), as it is for a host name."""

from __future__ import annotations

import asyncio
import socket

import pytest

pytest.importorskip("websockets")
from test_ws_new_episodes import _talk  # noqa: E402


def test_a_diverged_session_to_an_ipv6_host_is_a_new_episode(run_proxy, gateway, ca_cert,
                                                             tmp_path):
    if not any(s.family == socket.AF_INET6 for s in gateway._listeners):
        pytest.skip("no IPv6 loopback on this machine")
    url = f"wss://[::1]:{gateway.port}/v1/realtime?model=gpt-realtime"
    path = tmp_path / "rt.yaml"
    proxy = run_proxy(path, "record")
    first = asyncio.run(_talk(url, proxy.url, ca_cert, "hello"))
    proxy.stop()
    assert "You said: hello" in first, first

    proxy = run_proxy(path, "new-episodes")
    got = asyncio.run(_talk(url, proxy.url, ca_cert, "goodbye"))
    proxy.stop()
    stats = proxy.vcr.all_sessions()[0].stats
    assert "You said: goodbye" in got, (got, stats)
    assert (stats.recorded, stats.failed) == (1, 0), stats
