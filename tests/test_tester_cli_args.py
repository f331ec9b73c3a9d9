"""Tester: weird CLI arguments, through the real `vcrproxy` executable (as a user types them)."""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_record_with_an_empty_cassette_path_is_a_one_line_error(confdir, tmp_path):
    """`vcrproxy record "$CASSETTE" -- cmd` with the variable unset: the empty path silently
    becomes the default `cassettes/vcrproxy.yaml` under the working directory (where a
    request would be recorded), and the run exits 0 with "no traffic", where the same run
    with a real path exits 4 (no request went through the proxy)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    got = subprocess.run([VCRPROXY, "record", "", "--", "true"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert got.returncode != 0, (got.returncode, got.stderr)
    lines = [line for line in got.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in got.stderr, got.stderr
