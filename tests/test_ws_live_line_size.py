"""The live line of a WebSocket session (`vcrproxy record`/`replay` print one per flow) gives
the bytes of the messages it carried and the session's length, not the upgrade's empty body
(`0 B`) and time: a person watching a Realtime session learns nothing from `0 B`. Real proxy,
the `websockets` client, the fake gateway's Realtime endpoint, recorded then replayed."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("websockets")
from test_replay import reports  # noqa: E402
from test_ws_new_episodes import _talk  # noqa: E402


def test_a_websocket_sessions_line_has_its_messages_bytes(run_proxy, gateway, ca_cert,
                                                         tmp_path):
    url = f"wss://localhost:{gateway.port}/v1/realtime?model=gpt-realtime"
    path = tmp_path / "rt.yaml"
    for mode in ("record", "replay"):
        proxy = run_proxy(path, mode)
        seen = reports(proxy)
        got = asyncio.run(_talk(url, proxy.url, ca_cert, "hello"))
        assert "You said: hello" in got, got
        proxy.stop()
        [line] = [r for r in seen if r.status == 101]
        flow_messages = 200  # (session.created, the item, the answer's events: well over)
        assert line.size > flow_messages, (mode, line)
        assert line.total_ms is not None and line.total_ms >= line.ttfb_ms, (mode, line)
