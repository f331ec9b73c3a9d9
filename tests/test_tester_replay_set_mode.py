"""Tester: `vcrproxy replay C --set vcr_mode=record -- CMD` records: the `--set` (a mitmproxy
option passed through, README: "Any mitmproxy option passes through") overrides the mode the
`replay` command fixed, so the replay session opens upstream connections (the gateway gets the
request) and replaces the cassette with what it recorded (the interaction it held is gone);
`--set vcr_mode=passthrough` goes upstream too. The README: `vcrproxy replay` is "offline; a
request with no match fails", and "A proxy started for replay (`vcrproxy replay`, ...)
connects to nothing but its own loopback servers".

Expected: `vcrproxy replay` never goes upstream and never writes the cassette, whatever `--set
vcr_mode=` says: a one-line error (non-zero exit, the command not run) or replay as asked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = """version: 2
interactions:
- id: 0
  request:
    url: https://api.example.test/v1/models
    method: GET
  response:
    body: '{"data": []}'
    status: 200 OK
    code: 200
"""
CLIENT = ("import httpx, os; r = httpx.get(os.environ['GW'] + '/json?size=40', timeout=20); "
          "print(r.status_code)")


@pytest.mark.parametrize("mode", ["record", "new-episodes", "passthrough"])
def test_replay_never_goes_upstream_whatever_set_says(mode, confdir, gateway, tmp_path):
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(GW=gateway.url, VCRPROXY_CONFDIR=confdir)
    before = len(gateway.requests)
    got = subprocess.run(
        [VCRPROXY, "replay", "--set", f"vcr_mode={mode}", "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", str(cassette), "--",
         sys.executable, "-c", CLIENT],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert len(gateway.requests) == before, (
        f"vcrproxy replay --set vcr_mode={mode} went upstream: {got.stderr}")
    assert cassette.read_text() == CASSETTE, "vcrproxy replay rewrote the cassette"
    assert got.stdout.strip() != "200", got.stderr
    assert got.returncode != 0, got.stderr


def test_a_running_replay_proxy_keeps_its_mode(run_proxy, gateway, ca_cert, tmp_path):
    """The same at run time (mitmweb's options editor, a script): setting vcr_mode on a proxy
    started for replay is refused and rolled back; a request then is still a miss, answered
    offline."""
    import httpx
    from mitmproxy import exceptions

    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE)
    proxy = run_proxy(cassette, "replay")
    opts = proxy.proxy.master.options
    with pytest.raises(exceptions.OptionsError, match="started for replay"):
        proxy.call(lambda: opts.update(vcr_mode="record"))
    assert proxy.call(lambda: opts.vcr_mode) == "replay"
    before = len(gateway.requests)
    with httpx.Client(proxy=proxy.url, verify=ca_cert, timeout=20) as client:
        r = client.get(gateway.url + "/json?size=40")
    assert r.status_code != 200 and len(gateway.requests) == before
    proxy.stop()
    assert cassette.read_text() == CASSETTE
