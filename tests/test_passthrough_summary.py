"""A passthrough run's summary counts what went through: it read "no traffic" after a request
had passed (the summary only counted what sessions replayed or recorded)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CLIENT = ("import httpx, os; r = httpx.get(os.environ['GW'] + '/json?size=40', timeout=20); "
          "print(r.status_code)")


def test_a_passthrough_run_says_what_passed(confdir, gateway, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(GW=gateway.url, VCRPROXY_CONFDIR=confdir)
    got = subprocess.run(
        [VCRPROXY, "run", "--mode", "passthrough", "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", str(tmp_path / "c.yaml"), "--",
         sys.executable, "-c", CLIENT],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert got.returncode == 0 and got.stdout.strip() == "200", got.stderr
    assert "no traffic" not in got.stderr, got.stderr
    assert "passed through 1 response (nothing recorded or replayed)" in got.stderr, got.stderr
    assert not (tmp_path / "c.yaml").exists()
