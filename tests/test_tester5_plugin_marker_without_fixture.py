"""Tester5: a test carrying `@pytest.mark.vcrproxy(mode="replay")` (or a module's `pytestmark`)
but not asking for the `vcrproxy` fixture gets no proxy at all: the marker is read only by the
fixture, so the test's client talks to the real upstream and the test passes, while its author
marked it replay-only (offline). pytest-recording's `vcr` marker applies itself; here the
marker is silently a no-op. Expected: a marked test is routed through vcrproxy (the marker
brings the fixture), or its setup fails saying the fixture is missing; nothing goes upstream."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway


def test_a_marked_test_without_the_fixture_does_not_go_upstream(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_marker.py").write_text(textwrap.dedent('''
        import os
        import httpx
        import pytest

        pytestmark = pytest.mark.vcrproxy(mode="replay")

        def test_marked_module():
            with httpx.Client(timeout=20, verify=False) as client:
                assert client.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=40").is_success
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite)],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
        upstream = len(gw.requests)
    assert upstream == 0, (f"a replay-marked test went upstream {upstream} time(s); pytest "
                           f"said: {got.stdout.strip().splitlines()[-1]}")
    assert got.returncode != 0, got.stdout[-3000:]  # (no cassette to replay: not a pass)
