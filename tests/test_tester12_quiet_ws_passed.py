"""Tester12: with `-q` (no live lines), a WebSocket session that was recorded was also counted
as passed through: the summary said `recorded 1` and then `passed through 1 response (nothing
recorded or replayed)`, which contradicts it (without -q the same run has no such line). The
upgrade is held for its end by the recorder, but the hold was only noted when someone listened
for live lines. Expected: the same summary with -q as without, no `passed through` line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CLIENT = """
import asyncio, json, os, ssl, sys, websockets
async def main():
    ctx = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    async with websockets.connect(sys.argv[1], ssl=ctx, proxy=True, open_timeout=20) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "session.created"
        await ws.send(json.dumps({"type": "session.update", "session": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "session.updated"
asyncio.run(main())
"""


@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_a_recorded_websocket_is_not_also_passed_through(gateway, confdir, tmp_path, quiet):
    (tmp_path / "client.py").write_text(CLIENT)
    cassette = tmp_path / "ws.yaml"
    url = gateway.url.replace("https://", "wss://") + "/v1/realtime?model=gpt-realtime"
    env = {**os.environ, "VCRPROXY_CONFDIR": confdir}
    got = subprocess.run(
        [VCRPROXY, "record", *quiet, str(cassette), "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--", sys.executable,
         str(tmp_path / "client.py"), url],
        capture_output=True, text=True, timeout=120, env=env)
    assert got.returncode == 0, got.stderr
    assert "recorded 1" in got.stderr, got.stderr
    assert "passed through" not in got.stderr, got.stderr
