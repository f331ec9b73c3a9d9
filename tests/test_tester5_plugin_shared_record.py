"""Tester5: two tests that share a cassette by marker (`@pytest.mark.vcrproxy(cassette=
"shared/chat.yaml")`, which the README allows) are re-recorded with `--vcrproxy-mode=record`:
each test's session records "afresh", so the second test replaces the file the first one has
just written. The run is green, the cassette holds only the second test's exchange, and the
next replay run fails the first test with a miss. Expected: one recording run leaves every
test's exchanges in the shared cassette (record mode replaces a file once per run, later
sessions of the same run append), so the replay run passes offline."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway


def test_record_mode_keeps_every_sharing_tests_exchanges(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_shared.py").write_text(textwrap.dedent('''
        import os
        import httpx
        import pytest

        GW = os.environ["SAMPLE_GATEWAY_URL"]

        @pytest.mark.vcrproxy(cassette="shared/chat.yaml")
        def test_one(vcrproxy):
            assert httpx.post(GW + "/echo", json={"t": 1}, timeout=20).status_code == 200

        @pytest.mark.vcrproxy(cassette="shared/chat.yaml")
        def test_two(vcrproxy):
            assert httpx.post(GW + "/echo", json={"t": 2}, timeout=20).status_code == 200
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}

    def pytest_run(gw: FakeGateway, mode: str) -> subprocess.CompletedProcess:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
             "no:randomly", "--rootdir", str(suite), str(suite), "--vcrproxy-mode", mode,
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite)

    with FakeGateway() as gw:
        recorded = pytest_run(gw, "record")
        assert recorded.returncode == 0, recorded.stdout[-2000:]
        upstream = len(gw.requests)
        replayed = pytest_run(gw, "replay")
        assert len(gw.requests) == upstream  # (offline)
    assert replayed.returncode == 0, replayed.stdout[-3000:]
