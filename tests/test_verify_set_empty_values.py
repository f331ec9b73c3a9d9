"""Verify: the --set twins of `--confdir ""` and `--cassette-dir ""` (one-line usage errors, exit
2, README: "An empty path or value ... is a one-line usage error (exit 2) in every command, not
the default cassette, root or every interface").

- `--set confdir=` (an unset variable in `--set confdir=$DIR`): the proxy makes a new CA, its
  private key included (mitmproxy-ca.pem), in the current directory (the project, to be
  committed), while the command is handed ~/.vcrproxy's bundle.
- `--set vcr_cassette_dir=`: silently the default root, as `--cassette-dir ""` was.

Expected: the one-line empty-value usage error, exit 2, the command not run, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")


@pytest.mark.parametrize("option", ["confdir", "vcr_cassette_dir"])
def test_an_empty_set_path_is_a_usage_error(option, confdir, tmp_path):
    work = tmp_path / "project"
    work.mkdir()
    marker = tmp_path / "ran"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    got = subprocess.run(
        [VCRPROXY, "run", "--set", f"{option}=", "--allow-no-traffic", "c.yaml", "--",
         sys.executable, "-c", f"open({str(marker)!r}, 'w').write('ran')"],
        cwd=work, env=env, capture_output=True, text=True, timeout=60,
    )
    written = sorted(p.name for p in work.iterdir())
    assert not marker.exists(), f"--set {option}= was accepted, the command ran; {written}"
    assert not any(n.startswith("mitmproxy-ca") for n in written), written
    assert got.returncode == 2, got.stderr
    assert "empty" in got.stderr and len(got.stderr.strip().splitlines()) == 1, got.stderr
