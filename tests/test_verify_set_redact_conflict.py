"""Verify: a neighbour of 82df220 (a --set contradicting the command's own CASSETTE or mode is a
one-line error). `vcrproxy record c.yaml --redact --set vcr_redact=false` (the explicit flag
typed, a stale --set left in a script or alias) writes the request's API key into the cassette
without a word: the passed-through --set silently overrides the option the user typed, the same
mechanism 82df220 refused for vcr_cassette and vcr_mode.

Expected: a one-line conflict error (the command not run), or --redact to win; never the key in
the cassette."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
KEY = "sk-proj-" + "Q7xK2mV9pL4nR8sT1wY6zB3cF5hJ0dGaE2uI"
CLIENT = ("import httpx, os; r = httpx.get(os.environ['GW'] + '/json?size=40', timeout=20, "
          f"headers={{'Authorization': 'Bearer {KEY}'}}); print(r.status_code)")


def test_an_explicit_redact_is_not_overridden_by_a_set(confdir, gateway, tmp_path):
    cassette = tmp_path / "c.yaml"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(GW=gateway.url, VCRPROXY_CONFDIR=confdir)
    got = subprocess.run(
        [VCRPROXY, "record", "--redact", "--set", "vcr_redact=false", "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", str(cassette), "--",
         sys.executable, "-c", CLIENT],
        env=env, capture_output=True, text=True, timeout=60,
    )
    text = cassette.read_text() if cassette.exists() else ""
    assert KEY not in text, f"--redact was typed, yet the key is in the cassette: {got.stderr}"
    if got.returncode != 0:  # refused, in one line
        assert len(got.stderr.strip().splitlines()) == 1, got.stderr
    else:
        assert "recorded 1" in got.stderr, got.stderr
