"""Tester5: the plugin reads only the closest `@pytest.mark.vcrproxy` (get_closest_marker), so
markers at two levels do not combine: a module that says `pytestmark =
pytest.mark.vcrproxy(mode="replay")` (offline, for every test in it) and a test in it that
names its cassette (`@pytest.mark.vcrproxy(cassette="shared/chat.yaml")`) runs in the run's
default mode, once: with no cassette yet it records through the real upstream and passes.
pytest-recording merges its markers' arguments level by level. Expected: the test keeps the
module's mode="replay" (the closer marker overriding only what it names): nothing upstream,
and the test fails for want of a cassette to replay."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway


def test_a_module_mode_and_a_test_cassette_combine(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_levels.py").write_text(textwrap.dedent('''
        import os
        import httpx
        import pytest

        pytestmark = pytest.mark.vcrproxy(mode="replay")

        @pytest.mark.vcrproxy(cassette="shared/chat.yaml")
        def test_shared(vcrproxy):
            r = httpx.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=10", timeout=20)
            assert r.status_code == 200
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
    assert upstream == 0, (f"the module's mode='replay' was dropped: the test went upstream "
                           f"and recorded; pytest said {got.stdout.strip().splitlines()[-1]}")
    assert got.returncode != 0, got.stdout[-2000:]
    assert not (suite / "cassettes" / "shared" / "chat.yaml").exists()
