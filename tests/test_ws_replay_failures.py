"""What a recorded WebSocket session may hold that cannot go on the wire, and a player that fails.

`vcrproxy check` and replay's start refuse, one line naming the interaction, what the player
could not send (RFC 6455: a close code no close frame may carry, a reason longer than a close
frame, a text frame that is not UTF-8, a shape that is not the documented one); the codes a
recording keeps for "no code" (1005) and "no close frame" (1006, 1015) replay as the client saw
them. Whatever else fails inside the player closes the WebSocket (1011) at once and counts as
failed, never as replayed. Real proxy, real `websockets` client, the real CLI.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cassette import WEBSOCKET_KEY
from vcrproxy.proxy import ProxyError
from vcrproxy.schema import validate
from vcrproxy.wsplayer import WebSocketPlayer

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402

URL = "wss://realtime.example.invalid/v1/realtime"
EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
HELLO = {"at": 1.0, "from": "server", "type": "text", "data": '{"type":"session.created"}'}


def _interaction(session: dict) -> Interaction:
    upgrade = {"Upgrade": ["websocket"], "Connection": ["Upgrade"]}
    return Interaction(
        id=0,
        request=Request(url=URL.replace("wss:", "https:"), method="GET", body="",
                        headers=upgrade, content_length=0),
        response=Response(code=101, status="101 Switching Protocols", body="", headers=upgrade,
                          content_length=0, duration_ns=0, extra={WEBSOCKET_KEY: session}),
    )


def _cassette(path, session: dict) -> str:
    save_cassette(Cassette(interactions=[_interaction(session)]), str(path))
    return str(path)


def _closing(code: int, reason: str = "") -> dict:
    return {"messages": [HELLO], "close": {"at": 2.0, "from": "server", "code": code,
                                           "reason": reason}}


def _fatal(session: dict) -> list[str]:
    return [str(p) for p in validate(Cassette(interactions=[_interaction(session)])) if p.fatal]


@pytest.mark.parametrize("code", [1000, 1001, 1003, 1007, 1011, 1013, 3000, 4000, 4999,
                                  1005, 1006, 1015])
def test_close_codes_a_close_frame_may_carry_or_a_recording_keeps_pass(code):
    assert _fatal(_closing(code, "" if code == 1005 else "bye")) == []


@pytest.mark.parametrize("code", [-1, 0, 999, 1004, 1014, 1016, 2999, 5000, 65535, 99999])
def test_close_codes_replay_cannot_send_are_fatal(code):
    (problem,) = _fatal(_closing(code))
    assert "vcrproxy_websocket.close.code" in problem and str(code) in problem
    assert "\n" not in problem


@pytest.mark.parametrize("session, where", [
    (_closing(1000, "x" * 124), "close.reason"),  # RFC 6455 5.5: at most 123 bytes
    (_closing(1005, "bye"), "close.reason"),  # no code, so no reason
    ({"messages": [HELLO], "close": "normal"}, "close"),
    ({"messages": [HELLO], "close": {"code": 1000, "from": "proxy"}}, "close.from"),
    ({"messages": 5}, "messages"),
    ({"messages": [{**HELLO, "data": "cut \ud83d"}]}, "messages[0].data"),
    ({"messages": [{**HELLO, "type": "binary", "data": "cut \ud83d"}]}, "messages[0].data"),
])
def test_other_values_that_cannot_go_on_the_wire_are_fatal_one_line(session, where):
    (problem,) = _fatal(session)
    assert f"vcrproxy_websocket.{where}:" in problem and "\n" not in problem


def test_check_and_replay_name_the_interaction(tmp_path):
    path = _cassette(tmp_path / "c.yaml", _closing(1014))
    checked = subprocess.run([EXE, "check", path], capture_output=True, text=True, timeout=60)
    assert checked.returncode != 0 and "Traceback" not in checked.stderr
    out = checked.stdout + checked.stderr
    assert "interactions[0].response.vcrproxy_websocket.close.code: 1014" in out
    replay = subprocess.run([EXE, "replay", path, "--", "true"], capture_output=True,
                            text=True, timeout=60)
    assert replay.returncode != 0 and replay.stderr.count("\n") == 1, replay.stderr
    assert "interactions[0]" in replay.stderr and "close.code: 1014" in replay.stderr


async def _session(proxy_url: str, ca: str, send: str | None = None):
    """Reads session.created, optionally sends `send`, then reads until the close (<= 5 s)."""
    async with connect(URL, proxy=proxy_url, ssl=ssl.create_default_context(cafile=ca),
                       ping_interval=None) as ws:
        await asyncio.wait_for(ws.recv(), 5)
        if send is not None:
            await ws.send(send)
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as e:
            return (e.rcvd.code, e.rcvd.reason) if e.rcvd else None
        return "a message"


@pytest.mark.parametrize("code, reason, got", [
    (1005, "", (1005, "")),  # a close frame without a code, as the client saw it
    (1006, "", (1000, "")),  # the upstream dropped: mitmproxy sent the client 1000
    (4001, "bye", (4001, "bye")),
])
def test_recorded_closes_replay_as_the_client_saw_them(run_proxy, ca_cert, tmp_path, code,
                                                       reason, got):
    proxy = run_proxy(_cassette(tmp_path / "c.yaml", _closing(code, reason)), "replay")
    assert asyncio.run(_session(proxy.url, ca_cert)) == got
    stats = proxy.vcr.all_sessions()[0].stats
    assert (stats.replayed, stats.failed) == (1, 0)


def test_a_failing_player_closes_at_once_and_counts_as_failed(run_proxy, ca_cert, tmp_path,
                                                               monkeypatch):
    """A defect inside the player (here injected into its client-message handling) must not
    leave the client waiting nor count as replayed."""
    session = {"messages": [HELLO, {"at": 2.0, "from": "client", "type": "text", "data": "{}"},
                            {**HELLO, "at": 3.0}]}
    proxy = run_proxy(_cassette(tmp_path / "c.yaml", session), "replay")

    def boom(self, *args):
        raise RuntimeError("injected player failure")

    monkeypatch.setattr(WebSocketPlayer, "_client_message", boom)
    assert asyncio.run(_session(proxy.url, ca_cert, send="{}")) == (1011,
                                                                     "vcrproxy: replay failed")
    stats = proxy.vcr.all_sessions()[0].stats
    assert (stats.replayed, stats.failed, stats.missed) == (0, 1, [])
    summary = "\n".join(proxy.vcr.summary_lines())
    assert "replayed 0, recorded 0, missed 0, failed 1" in summary


def test_a_websocket_miss_is_not_also_counted_as_replayed(run_proxy, ca_cert, tmp_path):
    session = {"messages": [HELLO, {"at": 2.0, "from": "client", "type": "text",
                                    "data": json.dumps({"type": "response.create"})}]}
    proxy = run_proxy(_cassette(tmp_path / "c.yaml", session), "replay")
    code, _ = asyncio.run(_session(proxy.url, ca_cert, send='{"type": "other"}'))
    assert code == 1008
    stats = proxy.vcr.all_sessions()[0].stats
    assert (stats.replayed, len(stats.missed)) == (0, 1)


def test_bad_ws_ignore_json_is_refused_by_the_in_process_proxy_too(run_proxy, tmp_path):
    with pytest.raises(ProxyError, match=r"vcr_ws_ignore_json: bad JSON path"):
        run_proxy(_cassette(tmp_path / "c.yaml", {"messages": [HELLO]}), "replay",
                  ws_ignore_json=["event_id", "a[["])
