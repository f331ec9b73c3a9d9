"""Tester: a wrong `@pytest.mark.vcrproxy(...)` (a cassette name leaving the root, an unknown
mode, an unknown fault) errors the test at setup with a traceback through the plugin's own
code (`addon/pytest_plugin.py`, `addon/registry.py`: `raise pytest.UsageError(...)` inside the
fixture, or the CassetteError of `resolve_cassette_name` uncaught), where the plugin's other
refusals (two tests sharing a cassette name) are one clean line (`pytest.fail(...,
pytrace=False)`). Expected: the setup error says what is wrong with the marker in one line,
with no traceback of vcrproxy's internals. Real pytest run of a user suite, the real plugin."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from fakegateway import FakeGateway

MARKERS = {
    "escape": ('cassette="../escape.yaml"', "must stay under"),
    "absolute": ('cassette="/tmp/vcrproxy-tester-abs.yaml"', "must be a relative path"),
    "mode": ('mode="bogus"', "unknown mode 'bogus'"),
    "fault": ('fault="bogus:1"', "unknown kind 'bogus'"),
}


@pytest.mark.parametrize("which", list(MARKERS))
def test_a_wrong_marker_is_a_one_line_setup_error(which, tmp_path, confdir):
    marker, message = MARKERS[which]
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_marker.py").write_text(textwrap.dedent(f'''
        import os
        import httpx
        import pytest

        @pytest.mark.vcrproxy({marker})
        def test_marked(vcrproxy):
            with httpx.Client(timeout=20) as client:
                client.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=40")
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite), "--vcrproxy-mode", "once",
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
        assert gw.connections == 0
    out = got.stdout
    assert got.returncode != 0 and "ERROR at setup of test_marked" in out, out[-3000:]
    assert message in out, out[-3000:]
    # One line, no traceback through vcrproxy's code.
    assert "pytest_plugin.py" not in out and "registry.py" not in out, out[-3000:]
    assert "def vcrproxy(" not in out, out[-3000:]
    assert not os.path.exists("/tmp/vcrproxy-tester-abs.yaml")
