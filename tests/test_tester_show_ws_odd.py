"""`vcrproxy show` / `diff` crash with a traceback on a WebSocket session whose events hold an
odd value where a list is expected (websocket.summarize_session, documented "Never raises").

Odd-but-valid JSON in a Realtime / Gemini Live message: `"content": 5` in a user
conversation.item.create, `"turns": 7` or a turn that is a string in Gemini clientContent,
`"output": 3` in response.done, `"functionCalls": 1` in a Gemini toolCall. Each is iterated
unchecked (`for c in item.get("content") or []`), so `show` (every view) and `diff` end in a
TypeError/AttributeError traceback instead of showing the session. HTTP bodies with the same
oddities are shown (aiformats checks each type). Real CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cassette import WEBSOCKET_KEY

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")

ODD = {
    "realtime-content-int": ("client", {"type": "conversation.item.create",
                                        "item": {"type": "message", "role": "user",
                                                 "content": 5}}),
    "gemini-turns-int": ("client", {"clientContent": {"turns": 7, "turnComplete": True}}),
    "gemini-turn-string": ("client", {"clientContent": {"turns": ["hello"]}}),
    "realtime-output-int": ("server", {"type": "response.done",
                                       "response": {"status": "completed", "output": 3}}),
    "gemini-function-calls-int": ("server", {"toolCall": {"functionCalls": 1}}),
}


def _cassette(path, side: str, event: dict) -> str:
    upgrade = {"Upgrade": ["websocket"], "Connection": ["Upgrade"]}
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url="https://realtime.example.invalid/v1/realtime", method="GET",
                        body="", headers=upgrade, content_length=0),
        response=Response(code=101, status="101 Switching Protocols", body="", headers=upgrade,
                          content_length=0, duration_ns=0, extra={WEBSOCKET_KEY: {"messages": [
                              {"at": 1.0, "from": side, "type": "text",
                               "data": json.dumps(event)}]}}),
    )]), str(path))
    return str(path)


@pytest.mark.parametrize("name", list(ODD))
def test_show_and_diff_never_trace_back_on_an_odd_session(tmp_path, name):
    side, event = ODD[name]
    path = _cassette(tmp_path / "c.yaml", side, event)
    for args in (["show", path], ["show", "--plain", path], ["diff", path, path]):
        got = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=30)
        assert "Traceback" not in got.stderr, f"{args[0]} {args[1]}: {got.stderr[-600:]}"
