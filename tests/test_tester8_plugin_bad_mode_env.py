"""Tester8: the pytest plugin checks its options once at start (one usage line) except the mode
from `VCRPROXY_MODE` or the `vcrproxy_mode` ini key: a CI job with `VCRPROXY_MODE=Replay` (or a
typo) gets, in *every* test that uses the fixture, an ERROR with the plugin's full traceback
(`pytest.UsageError` raised inside the session fixture), and the run goes on. `vcrproxy run`
refuses the same value in one line. Expected: pytest stops at start with the one-line usage
error (exit 4, pytest's usage-error code), no test run, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

SUITE = '''
def test_one(vcrproxy):
    pass


def test_two(vcrproxy):
    pass
'''


def test_tester8_bad_mode_in_environment_is_one_usage_line(tmp_path, confdir):
    (tmp_path / "test_suite.py").write_text(SUITE)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_MODE="Replay", VCRPROXY_CONFDIR=confdir, PYTHONDONTWRITEBYTECODE="1")
    got = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--rootdir", str(tmp_path), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    out = got.stdout + got.stderr
    assert got.returncode == 4, out
    assert "unknown mode 'Replay'" in out, out
    assert "Traceback" not in out and "def _mode" not in out and "ERROR " not in out, out
