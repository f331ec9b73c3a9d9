"""Tester: `vcrproxy env --port N --mode replay` (no `--cassette`) prints exports whose proxy
URL names no cassette and no mode (`HTTPS_PROXY=http://127.0.0.1:N`), exit 0: the mode asked
for is dropped without a word, and the shell's requests go to the running proxy's default
cassette in its own mode (a `record` or `once` proxy then records where the user asked for
replay). A proxy URL can only carry a mode after a cassette name (`http://NAME:MODE@...`).

Expected: `--mode` without `--cassette` is a one-line usage error (exit 2), no proxy export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")


def test_env_mode_without_a_cassette_is_not_dropped(confdir):
    got = subprocess.run([VCRPROXY, "env", "--port", "8080", "--mode", "replay",
                          "--confdir", confdir], capture_output=True, text=True, timeout=60)
    assert "HTTPS_PROXY=http://127.0.0.1:8080" not in got.stdout, got.stdout
    assert got.returncode == 2, (got.returncode, got.stderr)
    assert "--mode" in got.stderr and "--cassette" in got.stderr, got.stderr
