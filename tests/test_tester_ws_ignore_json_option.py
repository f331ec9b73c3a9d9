"""`--ws-ignore-json` with a bad JSON path is accepted at start, unlike `--match-ignore-json`.

`--match-ignore-json '[['` is a one-line usage error before anything runs ("bad JSON path"); the
same path given to `--ws-ignore-json` (VCRPROXY_WS_IGNORE_JSON) is not checked until a WebSocket
upgrade is replayed: then the request hook raises, the client gets a 400 "internal error", and
the summary counts the session as `replayed 1, missed 0`. A typo in CI's env fails only when a
Realtime test runs, with an internal error instead of the option's name. Real CLI, real proxy,
a real `websockets` client.
"""

from __future__ import annotations

import sys

import pytest
from test_cli_sessions import base_env, vcr  # noqa: F401  (fixtures)

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cassette import WEBSOCKET_KEY

pytest.importorskip("websockets")

URL = "wss://realtime.example.invalid/v1/realtime?model=gpt-realtime"
CLIENT = """
import asyncio, os, sys
from websockets.asyncio.client import connect
async def main():
    async with asyncio.timeout(15):
        async with connect(sys.argv[1], proxy=os.environ["HTTPS_PROXY"], ping_interval=None) as ws:
            print(await ws.recv())
asyncio.run(main())
"""


def _cassette(path) -> str:
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url=URL.replace("wss:", "https:"), method="GET", body="",
                        headers={"Upgrade": ["websocket"], "Connection": ["Upgrade"]},
                        content_length=0),
        response=Response(code=101, status="101 Switching Protocols", body="",
                          headers={"Upgrade": ["websocket"], "Connection": ["Upgrade"]},
                          content_length=0, duration_ns=0,
                          extra={WEBSOCKET_KEY: {"messages": [
                              {"at": 1.0, "from": "server", "type": "text",
                               "data": '{"type":"session.created"}'}]}}),
    )]), str(path))
    return str(path)


def test_ws_ignore_json_refuses_a_bad_path_at_start_as_match_ignore_json_does(vcr, tmp_path):  # noqa: F811
    path = _cassette(tmp_path / "c.yaml")
    match = vcr("replay", path, "--match-ignore-json", "[[", "--", "true")
    assert match.returncode != 0 and "bad JSON path" in match.stderr, match.stderr  # (holds)
    ws = vcr("replay", path, "--ws-ignore-json", "[[", "--", "true")
    assert ws.returncode == match.returncode and "bad JSON path" in ws.stderr, (
        f"exit {ws.returncode}: a bad --ws-ignore-json path is not checked at start\n{ws.stderr}"
    )


def test_a_bad_ws_ignore_json_path_is_not_an_internal_error_counted_as_replayed(vcr, tmp_path):  # noqa: F811
    client = tmp_path / "client.py"
    client.write_text(CLIENT)
    path = _cassette(tmp_path / "c.yaml")
    got = vcr("replay", path, "--ws-ignore-json", "[[", "--", sys.executable, client, URL)
    assert "internal error" not in got.stderr, got.stderr
    assert "replayed 1" not in got.stderr or "session.created" in got.stdout, got.stderr

