"""`vcrproxy check` reports unknown keys (`interactionz:`) but not inside `vcrproxy_websocket`.

A typo there (`messagez:` for `messages:`, `closed:` for `close:`, `att:` for `at:`) passes check
("ok"), and replay then reads an empty session (or a close at 0 ms): every client message of the
session is a miss "has no recorded counterpart (the recording has 0 client message(s))", with
nothing pointing at the typo. websocket.session_from_response reads the keys it knows with
.get() and never looks at the others. Real CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cassette import WEBSOCKET_KEY

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def _cassette(path, session: dict) -> str:
    upgrade = {"Upgrade": ["websocket"], "Connection": ["Upgrade"]}
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url="https://realtime.example.invalid/v1/realtime", method="GET",
                        body="", headers=upgrade, content_length=0),
        response=Response(code=101, status="101 Switching Protocols", body="", headers=upgrade,
                          content_length=0, duration_ns=0, extra={WEBSOCKET_KEY: session}),
    )]), str(path))
    return str(path)


MESSAGE = {"at": 1.0, "from": "client", "type": "text", "data": '{"type":"session.update"}'}


@pytest.mark.parametrize("session,typo", [
    ({"messagez": [MESSAGE]}, "messagez"),
    ({"messages": [MESSAGE], "closed": {"at": 2.0, "from": "server", "code": 1000}}, "closed"),
    ({"messages": [{**{k: v for k, v in MESSAGE.items() if k != "at"}, "att": 1.0}]}, "att"),
])
def test_check_reports_an_unknown_key_in_a_websocket_session(tmp_path, session, typo):
    path = _cassette(tmp_path / "c.yaml", session)
    got = subprocess.run([EXE, "check", path], capture_output=True, text=True, timeout=30)
    assert got.returncode == 1 and typo in got.stdout + got.stderr, got.stdout + got.stderr
