"""Tester12: with `--keep-no-proxy` (README: the user's NO_PROXY is kept for the command), a
client whose API host is listed in NO_PROXY goes there directly, as NO_PROXY says. vcrproxy
catches the bypass (exit 4), but the paragraph naming the likely cause blamed the client
(`trust_env=False`, an explicit proxy...) and never named the NO_PROXY it had kept itself.
Expected: the paragraph names the kept NO_PROXY as the likely cause."""

from __future__ import annotations

import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CLIENT = """
import sys, httpx
try:
    httpx.get(sys.argv[1], timeout=10, trust_env=sys.argv[2] == "env")
except httpx.HTTPError as e:
    print("direct:", type(e).__name__)
"""


def replay_kept_no_proxy(gateway, confdir: str, tmp_path, no_proxy: str, trust_env: bool
                         ) -> subprocess.CompletedProcess:
    """`vcrproxy replay --keep-no-proxy` of one gateway request under NO_PROXY=`no_proxy`, its
    command an httpx client that reads the environment's proxy (`trust_env`) or not."""
    url = gateway.url + "/json?size=20"  # (https://localhost:PORT)
    cassette = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="GET", url=url, body=""),
        Response(code=200, status="200 OK", body="{}",
                 headers={"Content-Type": ["application/json"]}))]), str(cassette))
    env = {k: v for k, v in os.environ.items() if k.upper() not in ("NO_PROXY", "HTTPS_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, NO_PROXY=no_proxy)
    return subprocess.run([VCRPROXY, "replay", "--keep-no-proxy", str(cassette), "--",
                           sys.executable, "-c", CLIENT, url, "env" if trust_env else "no"],
                          capture_output=True, text=True, timeout=120, env=env)


def test_a_bypass_through_the_kept_no_proxy_is_named(gateway, confdir, tmp_path):
    got = replay_kept_no_proxy(gateway, confdir, tmp_path, "localhost,127.0.0.1", True)
    assert got.returncode == 4, got.stdout + got.stderr
    assert "made no request through the proxy" in got.stderr
    assert "--keep-no-proxy" in got.stderr and "localhost,127.0.0.1" in got.stderr, got.stderr
