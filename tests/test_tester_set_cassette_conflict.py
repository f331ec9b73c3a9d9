"""Tester: `vcrproxy record mine.yaml --set vcr_cassette=other.yaml -- CMD` records into
other.yaml and says nothing about mine.yaml, the CASSETTE argument the user typed (README:
`vcr_cassette` is "the CASSETTE argument": one option, two values given). The bypass check
then looks at mine.yaml, so a run through other.yaml that made no request is not even
reported. (Same mechanism as `replay --set vcr_mode=record`: a passed-through `--set` silently
overrides what the command itself fixed.)

Expected: the two values conflict: a one-line usage error, non-zero exit, the command not run
(or the CASSETTE argument wins); never a recording into a file the user did not name as the
cassette argument."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CLIENT = ("import httpx, os; r = httpx.get(os.environ['GW'] + '/json?size=40', timeout=20); "
          "print(r.status_code)")


def test_record_does_not_silently_switch_cassette(confdir, gateway, tmp_path):
    mine, other = tmp_path / "mine.yaml", tmp_path / "other.yaml"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(GW=gateway.url, VCRPROXY_CONFDIR=confdir)
    got = subprocess.run(
        [VCRPROXY, "record", "--set", f"vcr_cassette={other}", "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", str(mine), "--",
         sys.executable, "-c", CLIENT],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert not other.exists(), f"recorded into {other.name}, not the CASSETTE argument: " \
                               f"{got.stderr}"
    if got.returncode == 0:  # the CASSETTE argument won
        assert mine.exists(), got.stderr
    else:  # refused, in one line
        assert len(got.stderr.strip().splitlines()) == 1, got.stderr
