"""Tester5: `@pytest.mark.vcrproxy(...)` takes mode=, cassette= and fault=, and silently drops
anything else: a misspelt keyword (`mdoe="replay"`, `cassete=...`) or the mode given
positionally (`@pytest.mark.vcrproxy("replay")`) leaves the test in the run's default mode
(once), so a test its author meant to be offline records through the real API and passes.
Expected: a marker argument the plugin does not know fails that test's setup in one line, as
an unknown mode does (test_tester_plugin_marker_errors.py), and nothing goes upstream."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from fakegateway import FakeGateway

MARKERS = {
    "misspelt-mode": 'mdoe="replay"',
    "misspelt-cassette": 'cassete="shared/chat.yaml"',
    "positional-mode": '"replay"',
}


@pytest.mark.parametrize("which", list(MARKERS))
def test_an_unknown_marker_argument_is_an_error(which, tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_marker.py").write_text(textwrap.dedent(f'''
        import os
        import httpx
        import pytest

        @pytest.mark.vcrproxy({MARKERS[which]})
        def test_marked(vcrproxy):
            with httpx.Client(timeout=20) as client:
                assert client.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=40").is_success
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite),
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
        upstream = len(gw.requests)
    out = got.stdout
    assert got.returncode != 0 and "ERROR at setup of test_marked" in out, out[-3000:]
    assert upstream == 0, f"the test went upstream {upstream} time(s) and recorded"
    assert not (suite / "cassettes").exists() or not any((suite / "cassettes").rglob("*.yaml"))
