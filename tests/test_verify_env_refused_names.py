"""Verify: the `env` neighbour of 05fa344 (a marker's cassette name leaving the root or absolute is
a one-line setup error). `vcrproxy env --port N --cassette /abs/c.yaml` (or `../c.yaml`) prints
exports, exit 0, for a name every vcrproxy refuses on every request ("cassette name ... must be a
relative path under ROOT" / "must stay under ROOT", a 400 miss per request): the shell's whole
session then fails request by request. Expected: the one-line usage error at `env`, exit 2, no
exports printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")


@pytest.mark.parametrize("name", ["/tmp/abs/c.yaml", "../c.yaml"])
def test_env_refuses_a_name_every_proxy_refuses(name, confdir):
    got = subprocess.run([VCRPROXY, "env", "--port", "8080", "--cassette", name,
                          "--confdir", confdir], capture_output=True, text=True, timeout=60)
    assert "HTTPS_PROXY" not in got.stdout, f"exports printed for {name!r}: {got.stdout[:200]}"
    assert got.returncode == 2, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1, got.stderr
