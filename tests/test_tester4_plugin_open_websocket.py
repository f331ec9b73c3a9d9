"""Tester: in record mode, a test whose WebSocket session is still open when the test ends
(a realtime connection closed by a fixture or a background task after the test body, or one
the test forgot to close) errors at teardown with the bypass diagnosis "the test made no
request through the proxy, so nothing was recorded ... its client bypassed the proxy" (Node
fetch, Go, trust_env=False, Java...), although its upgrade and every message went through the
proxy and the session is written to its cassette when it ends: bypass.check_session counts
only finished exchanges (replayed, recorded, missed, failed), and an open session is none yet.

README: "If it made no request through the proxy ... vcrproxy prints one paragraph naming the
likely cause ... The pytest plugin fails such a test the same way."

Expected: no bypass error for a test that went through the proxy (the test passes)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from fakegateway import FakeGateway

SUITE = textwrap.dedent('''
    import json
    import os
    import ssl

    from websockets.sync.client import connect

    URL = os.environ["SAMPLE_GATEWAY_URL"].replace("https://", "wss://")
    OPEN = []


    def teardown_module():
        for ws in OPEN:
            ws.close()


    def test_realtime(vcrproxy):
        ws = connect(URL + "/v1/realtime?model=gpt-realtime", proxy=vcrproxy.url,
                     ssl=ssl.create_default_context(cafile=vcrproxy.ca_bundle),
                     open_timeout=30, close_timeout=10)
        OPEN.append(ws)  # closed after the test, with the module
        assert json.loads(ws.recv(timeout=30))["type"] == "session.created"
        ws.send(json.dumps({"type": "session.update", "session": {"instructions": "hi"}}))
        assert json.loads(ws.recv(timeout=30))["type"] == "session.updated"
''')


@pytest.mark.skipif(
    sys.version_info < (3, 12),
    reason="on Python 3.11 the websockets sync client's handshake through the proxy hung "
           "(joined its reader thread forever, past open_timeout) in 2 of 4 full runs, never "
           "on 3.13: not yet understood, so not run there")
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
