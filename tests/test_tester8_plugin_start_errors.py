"""Tester8: the pytest plugin turns a proxy that cannot start into a `pytest.UsageError` raised
inside its session fixture: pytest then reports an ERROR with the plugin's source and traceback
for *every* test that uses the fixture, and goes on running the rest, instead of one usage
line at start. Two everyday causes: a CA folder that cannot be used (`VCRPROXY_CONFDIR` naming
a folder that cannot be made), and a mitmproxy option given a bad value with `--vcrproxy-set`
(only the vcr_* ones are checked at start). The CLI refuses both in one line. Expected: the run
stops with the one line (pytest's usage-error exit 4), no traceback, no per-test ERROR."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SUITE = '''
def test_one(vcrproxy):
    pass


def test_two(vcrproxy):
    pass
'''


@pytest.mark.parametrize("case", ["confdir", "mitmproxy-set"])
def test_tester8_proxy_start_errors_are_one_usage_line(tmp_path, confdir, case):
    (tmp_path / "test_suite.py").write_text(SUITE)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, PYTHONDONTWRITEBYTECODE="1")
    env.pop("VCRPROXY_MODE", None)
    args = []
    if case == "confdir":
        (tmp_path / "a-file").write_text("")
        env["VCRPROXY_CONFDIR"] = str(tmp_path / "a-file" / "ca")  # (under a file: ENOTDIR)
    else:
        args = ["--vcrproxy-set", "listen_port=abc"]
    got = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--rootdir", str(tmp_path), str(tmp_path), *args],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    out = got.stdout + got.stderr
    assert got.returncode == 4, out
    assert "Traceback" not in out and "raise pytest.UsageError" not in out, out
    assert "ERROR " not in out, out
