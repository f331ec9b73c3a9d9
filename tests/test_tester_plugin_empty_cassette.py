"""Tester: `@pytest.mark.vcrproxy(cassette=os.environ.get("SHARED_CASSETTE", ""))` with the
variable unset names an empty cassette, and the plugin silently falls back to the test's own
default cassette (`kwargs.get("cassette") or _own_name(...)`): in `once` mode the test records
a fresh `cassettes/<module>/<test>.yaml` against the real API instead of replaying the shared
cassette it named. The README makes this exact case an error everywhere else: "An empty path
(`vcrproxy record "$CASSETTE"` with the variable unset, `--confdir ""`) is a one-line usage
error (exit 2) in every command, not the default cassette."

Expected: the test errors at setup in one line saying the marker's cassette is empty; nothing
goes upstream and no default cassette is written."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway

SUITE = textwrap.dedent('''
    import os
    import httpx
    import pytest

    @pytest.mark.vcrproxy(cassette=os.environ.get("SHARED_CASSETTE", ""))
    def test_shared(vcrproxy):
        with httpx.Client(timeout=20) as client:
            r = client.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=40")
        assert r.status_code == 200, r.text
''')


def test_an_empty_marker_cassette_is_an_error_not_the_default(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_shared.py").write_text(SUITE)
    environ = {k: v for k, v in os.environ.items()
               if not k.upper().endswith("_PROXY") and k != "SHARED_CASSETTE"}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite), "--vcrproxy-mode", "once",
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
        upstream = len(gw.requests)
    assert not (suite / "cassettes" / "test_shared" / "test_shared.yaml").exists(), \
        "the empty cassette name recorded into the test's default cassette"
    assert upstream == 0
    assert got.returncode != 0 and "ERROR at setup" in got.stdout, got.stdout[-3000:]


def test_an_empty_marker_mode_or_root_is_an_error_not_the_default(tmp_path, confdir):
    """The same for the marker's mode (mode='' was the run's default mode) and for
    --vcrproxy-dir= (the default root): one line, nothing recorded, nothing upstream."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_mode.py").write_text(SUITE.replace(
        'cassette=os.environ.get("SHARED_CASSETTE", "")', 'mode=os.environ.get("MODE", "")'))
    environ = {k: v for k, v in os.environ.items()
               if not k.upper().endswith("_PROXY") and k != "MODE"}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
                str(suite), str(suite), "--vcrproxy-set",
                f"ssl_verify_upstream_trusted_ca={gw.ca_path}"]
        marker = subprocess.run(base, env=environ, capture_output=True, text=True, timeout=240,
                                cwd=suite)
        root = subprocess.run(base + ["--vcrproxy-dir="], env=environ, capture_output=True,
                              text=True, timeout=240, cwd=suite)
        upstream = len(gw.requests)
    assert upstream == 0
    assert marker.returncode != 0 and "mode='': an empty mode" in marker.stdout, \
        marker.stdout[-3000:]
    assert root.returncode == 4 and "--vcrproxy-dir: an empty path" in root.stderr, \
        (root.stdout + root.stderr)[-3000:]
    assert "Traceback" not in root.stderr and not (suite / "cassettes").exists()
