"""Tester: `eval "$(vcrproxy env --port N --cassette "$CASSETTE")"` with the variable unset
prints exports for no cassette at all (`HTTPS_PROXY=http://127.0.0.1:N`, exit 0): the shell's
requests silently go to the running proxy's default cassette. The README: "An empty path
(`vcrproxy record "$CASSETTE"` with the variable unset, `--confdir ""`) is a one-line usage
error (exit 2) in every command, not the default cassette" - and `env --confdir ""` is one.
`--mode` given without `--cassette` is dropped the same silent way (the URL names no mode).

Expected: `--cassette ""` is the one-line empty-path usage error, exit 2 (printed as the
`(exit 2)` shell code the other `env` errors end with), and no proxy export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")


def test_env_with_an_empty_cassette_is_a_usage_error(confdir):
    got = subprocess.run([VCRPROXY, "env", "--port", "8080", "--cassette", "",
                          "--confdir", confdir], capture_output=True, text=True, timeout=60)
    assert "HTTPS_PROXY=http://127.0.0.1:8080" not in got.stdout, got.stdout
    assert got.returncode == 2, (got.returncode, got.stderr)
    assert "empty" in got.stderr and "Traceback" not in got.stderr, got.stderr
