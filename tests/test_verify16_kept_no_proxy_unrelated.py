"""Verify16: the other side of tester12's kept NO_PROXY (55701d7). With `--keep-no-proxy` the
kept NO_PROXY was named first as the likely cause of any bypass, even one that lists none of
the cassette's hosts (`NO_PROXY=.corp.example`, the usual reason to keep it): the paragraph then
told the user to take the API's host out of a NO_PROXY that never held it, before the real
cause (here a Python client built with `trust_env=False`). Expected: in replay, where the
cassette names the hosts, the kept NO_PROXY is blamed only when it lists one of them."""

from __future__ import annotations

import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CLIENT = """
import sys, httpx
try:
    httpx.get(sys.argv[1], timeout=10, trust_env=False)
except httpx.HTTPError as e:
    print("direct:", type(e).__name__)
"""


def test_a_kept_no_proxy_without_the_cassettes_hosts_is_not_blamed(gateway, confdir, tmp_path):
    url = gateway.url + "/json?size=20"  # (https://localhost:PORT)
    cassette = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="GET", url=url, body=""),
        Response(code=200, status="200 OK", body="{}",
                 headers={"Content-Type": ["application/json"]}))]), str(cassette))
    env = {k: v for k, v in os.environ.items() if k.upper() not in ("NO_PROXY", "HTTPS_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, NO_PROXY=".corp.example,build-cache.internal")
    got = subprocess.run([VCRPROXY, "replay", "--keep-no-proxy", str(cassette), "--",
                          sys.executable, "-c", CLIENT, url], capture_output=True, text=True,
                         timeout=120, env=env)
    assert got.returncode == 4, got.stdout + got.stderr
    assert "made no request through the proxy" in got.stderr
    assert "Likely cause: --keep-no-proxy" not in got.stderr, got.stderr
    assert "trust_env=False" in got.stderr, got.stderr
