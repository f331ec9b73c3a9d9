"""Verify: a neighbour of 82df220 (a --set contradicting the command's own option is a one-line
error). `vcrproxy replay C --set confdir=DIR` makes the proxy sign with DIR's CA (created there),
while the wrapped command is handed the bundle of --confdir (~/.vcrproxy, VCRPROXY_CONFDIR):
every HTTPS request of the command fails certificate verification ('unable to get local issuer
certificate'), and the summary blames nothing. Expected: a one-line conflict error (name it with
--confdir), or the command handed DIR's CA so its requests replay."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = Path(__file__).resolve().parent.parent / "cassettes" / "openai-responses-simple.yaml"
CLIENT = ("import httpx, sys\n"
          "try:\n"
          "    r = httpx.post('https://api.openai.com/v1/responses', content=b'{}', timeout=20)\n"
          "    print(r.status_code)\n"
          "except httpx.HTTPError as e:\n"
          "    print('TLS', e); sys.exit(9)\n")


def test_a_set_confdir_does_not_break_the_commands_tls(confdir, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    got = subprocess.run(
        [VCRPROXY, "replay", str(CASSETTE), "--set", f"confdir={tmp_path / 'other'}",
         "--allow-misses", "--", sys.executable, "-c", CLIENT],
        env=env, capture_output=True, text=True, timeout=60,
    )
    if got.returncode != 0 and not got.stdout:  # refused at start: in one line
        assert len(got.stderr.strip().splitlines()) == 1, got.stderr
        return
    assert "TLS" not in got.stdout, got.stdout + got.stderr
    assert got.stdout.strip() == "400", got.stdout  # (a miss answered by the proxy)
