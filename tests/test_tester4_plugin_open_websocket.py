"""Tester: in record mode, a test whose WebSocket session is still open when the test ends
(a realtime connection closed by a fixture or a background task after the test body, or one
the test forgot to close) errors at teardown with the bypass diagnosis "the test made no
request through the proxy, so nothing was recorded ... its client bypassed the proxy" (Node
fetch, Go, trust_env=False, Java...), although its upgrade and every message went through the
proxy and the session is written to its cassette when it ends: bypass.check_session counts
only finished exchanges (replayed, recorded, missed, failed), and an open session is none yet.

README: "If it made no request through the proxy ... vcrproxy prints one paragraph naming the
likely cause ... The pytest plugin fails such a test the same way."

Expected: no bypass error for a test that went through the proxy (the test passes).

The session uses websockets' asyncio client: its sync client's handshake hung under load on
Python 3.11 even with no proxy at all (a round-12 tester reproduced it straight to the
gateway), which had this test skipped there."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway

SUITE = textwrap.dedent('''
    import asyncio
    import json
    import os
    import ssl
    import threading

    from websockets.asyncio.client import connect

    URL = os.environ["SAMPLE_GATEWAY_URL"].replace("https://", "wss://")
    OPEN = []
    # The session lives on a loop of its own, so it outlives the test (closed with the module).
    LOOP = asyncio.new_event_loop()
    threading.Thread(target=LOOP.run_forever, daemon=True).start()


    def run(coro):
        return asyncio.run_coroutine_threadsafe(coro, LOOP).result(60)


    async def _open(url, proxy, cafile):
        return await connect(url, proxy=proxy, ssl=ssl.create_default_context(cafile=cafile),
                             open_timeout=30, close_timeout=10)


    def teardown_module():
        for ws in OPEN:
            run(ws.close())


    def test_realtime(vcrproxy):
        ws = run(_open(URL + "/v1/realtime?model=gpt-realtime", vcrproxy.url,
                       vcrproxy.ca_bundle))
        OPEN.append(ws)  # closed after the test, with the module
        assert json.loads(run(asyncio.wait_for(ws.recv(), 30)))["type"] == "session.created"
        run(ws.send(json.dumps({"type": "session.update", "session": {"instructions": "hi"}})))
        assert json.loads(run(asyncio.wait_for(ws.recv(), 30)))["type"] == "session.updated"
''')


def test_an_open_websocket_at_teardown_is_not_called_a_bypass(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_rt.py").write_text(SUITE)
    environ = {k: v for k, v in os.environ.items()
               if not k.upper().endswith("_PROXY") and not k.startswith("VCRPROXY_")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite), "--vcrproxy-mode", "record",
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
    assert "bypassed the proxy" not in got.stdout, got.stdout[-3000:]
    assert got.returncode == 0, got.stdout[-3000:]
