"""Verify: 82df220 refuses a --set vcr_cassette that contradicts the CASSETTE argument, but it
compares the spellings, not the files: `replay c.yaml --set vcr_cassette=./c.yaml` (or the
absolute path of the same file, as a script that exports it writes) is refused with "conflicts
with the command's own cassette (c.yaml)", exit 1, though both name one file. Expected: no
conflict for the same file (the run goes on)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = Path(__file__).resolve().parent.parent / "cassettes" / "openai-responses-simple.yaml"


@pytest.mark.parametrize("spelling", ["./c.yaml", "absolute"])
def test_the_same_cassette_twice_is_no_conflict(spelling, confdir, tmp_path):
    (tmp_path / "c.yaml").write_text(CASSETTE.read_text())
    same = str(tmp_path / "c.yaml") if spelling == "absolute" else spelling
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    got = subprocess.run([VCRPROXY, "replay", "c.yaml", "--set", f"vcr_cassette={same}",
                          "--allow-no-traffic", "--", "true"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert "conflicts" not in got.stderr, got.stderr
    assert got.returncode == 0, got.stderr
