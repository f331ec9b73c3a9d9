"""A WebSocket session (`vcrproxy_websocket`) is checked as strictly as the rest of a cassette:
an unknown key in the session, a message or the close, and a value of the wrong type where
the reader used to make do (`messages: {}` read as no messages, `reason: 5` as "5"), are
reported by `check` and refused when replay loads the cassette, in one line naming the
interaction and the key. What vcrproxy itself writes (WsSession.to_extra) checks ok. Real CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cassette import WEBSOCKET_KEY
from vcrproxy.websocket import WsClose, WsMessage, WsSession

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
UPGRADE = {"Upgrade": ["websocket"], "Connection": ["Upgrade"]}
MESSAGE = {"at": 1.0, "from": "client", "type": "text", "data": '{"type":"session.update"}'}
CLOSE = {"at": 2.0, "from": "server", "code": 1000, "reason": ""}


def _cassette(path, session: object, plain_extra: dict | None = None) -> str:
    plain = Interaction(
        id=0, request=Request(url="https://api.example.invalid/v1/models", method="GET",
                              body="", headers={}, content_length=0),
        response=Response(code=200, status="200 OK", body="{}", headers={}, content_length=2,
                          duration_ns=0, extra=plain_extra or {}))
    ws = Interaction(
        id=1,
        request=Request(url="https://realtime.example.invalid/v1/realtime", method="GET",
                        body="", headers=UPGRADE, content_length=0),
        response=Response(code=101, status="101 Switching Protocols", body="", headers=UPGRADE,
                          content_length=0, duration_ns=0, extra={WEBSOCKET_KEY: session}))
    save_cassette(Cassette(interactions=[plain, ws]), str(path))
    return str(path)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=60)


BAD = [
    ({"messages": [MESSAGE], "closed": CLOSE}, "vcrproxy_websocket", "'closed'"),
    ({"messages": [MESSAGE, {**MESSAGE, "tpye": "text"}]}, "messages[1]", "'tpye'"),
    ({"messages": [MESSAGE], "close": {**CLOSE, "cod": 1000}}, "close", "'cod'"),
    ({"messages": {}}, "messages", "expected a list"),
    ({"messages": "x"}, "messages", "expected a list"),
    ({"messages": [MESSAGE], "close": {**CLOSE, "reason": 5}}, "close.reason", "expected text"),
]


@pytest.mark.parametrize("session,where,says", BAD)
def test_check_and_replay_name_the_interaction_and_key(tmp_path, session, where, says):
    path = _cassette(tmp_path / "c.yaml", session)
    checked = _run("check", path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    line = next(x for x in checked.stderr.splitlines() if says in x)
    assert "interactions[1].response.vcrproxy_websocket" in line and where in line, line
    replayed = _run("replay", path, "--confdir", str(tmp_path / "conf"), "--", "true")
    lines = replayed.stderr.splitlines()
    assert replayed.returncode == 1 and len(lines) == 1, replayed.stderr
    assert "interactions[1]" in lines[0] and says in lines[0], lines[0]
    assert "replay cannot use this cassette" in lines[0]


def test_what_vcrproxy_writes_checks_ok(tmp_path):
    session = WsSession([WsMessage(0.5, False, True, '{"type":"session.created"}'),
                         WsMessage(3.25, True, False, b"\x01\x02")],
                        WsClose(9.0, True, 1000, "bye"))
    path = _cassette(tmp_path / "c.yaml", session.to_extra())
    checked = _run("check", path)
    assert checked.returncode == 0 and "ok (2 interactions)" in checked.stdout, checked.stderr
    empty = _cassette(tmp_path / "e.yaml", {"messages": None})  # `messages:` with nothing
    assert _run("check", empty).returncode == 0


def test_a_misspelt_vcrproxy_key_is_reported(tmp_path):
    """Our own namespace was exempt from the unknown-key check: `vcrproxy_websockt:` passed
    check and replayed the 101 as an empty session. On a 101 that lacks its session it is
    refused; elsewhere (`vcrproxy_chunk:`, pacing only) check reports it and replay goes on."""
    upgrade = _cassette(tmp_path / "u.yaml", {"messages": [MESSAGE]})
    text = open(upgrade).read()
    assert text.count("vcrproxy_websocket:") == 1
    with open(upgrade, "w") as f:
        f.write(text.replace("vcrproxy_websocket:", "vcrproxy_websockt:"))
    checked = _run("check", upgrade)
    assert checked.returncode == 1 and "'vcrproxy_websockt'" in checked.stderr, checked.stderr
    replayed = _run("replay", upgrade, "--confdir", str(tmp_path / "conf"), "--", "true")
    assert replayed.returncode == 1, replayed.stderr
    assert "interactions[1].response: unknown key 'vcrproxy_websockt'" in replayed.stderr

    # on the 200 answer: a stray key of ours, not fatal
    paced = _cassette(tmp_path / "p.yaml", {"messages": [MESSAGE]}, {"vcrproxy_chunk": []})
    checked = _run("check", paced)
    assert checked.returncode == 1 and "'vcrproxy_chunk'" in checked.stderr, checked.stderr
    replayed = _run("replay", paced, "--confdir", str(tmp_path / "conf"), "--allow-no-traffic",
                    "--", "true")
    assert replayed.returncode == 0, replayed.stderr
