"""Tester5: a bad proxy option given to the pytest plugin (`--vcrproxy-set vcr_pace=bogus`,
`VCRPROXY_PACE=bogus`, `--vcrproxy-set vcr_mode=replay`) is raised as `pytest.UsageError`
from inside the session fixture `vcrproxy_server`, where pytest cannot treat it as a usage
error: every test using the fixture errors at setup with a traceback through
addon/pytest_plugin.py (the fixture's source printed, `raise pytest.UsageError(...)`), as
many times as there are tests. (`vcr_mode=replay` also says it conflicts with 'the command's
own mode (passthrough)', a mode the user never named: `--vcrproxy-mode` is what they meant.)
Expected: one line naming the bad option (as `--vcrproxy-mode bogus` gets from pytest), no
traceback through the plugin, nothing upstream."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from fakegateway import FakeGateway

BAD = {
    "set-pace": (["--vcrproxy-set", "vcr_pace=bogus"], {}),
    "env-pace": ([], {"VCRPROXY_PACE": "bogus"}),
    "set-mode": (["--vcrproxy-set", "vcr_mode=replay"], {}),
}


@pytest.mark.parametrize("which", list(BAD))
def test_a_bad_plugin_option_is_one_line(which, tmp_path, confdir):
    args, env = BAD[which]
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_options.py").write_text(textwrap.dedent('''
        import os
        import httpx

        def test_one(vcrproxy):
            httpx.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=10", timeout=20)

        def test_two(vcrproxy):
            httpx.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=20", timeout=20)
    '''))
    environ = {k: v for k, v in os.environ.items()
               if not k.upper().endswith("_PROXY") and not k.startswith("VCRPROXY_")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1", **env)
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite), *args],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
        assert not gw.requests
    out = got.stdout + got.stderr
    assert got.returncode != 0, out[-3000:]
    assert "pytest_plugin.py" not in out and "def vcrproxy_server" not in out, out[-3000:]
