"""A client that bypasses the proxy never passes silently: the real `vcrproxy` CLI around real
client processes, and the pytest plugin around a real test suite (Node and Go: test_node.py,
test_go.py). The session's fake gateway plays the real API: a bypassing client reaches it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway
from test_pytest_plugin import run_suite

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def cassette(path, url: str, n: int = 1) -> str:
    body = '{"ok": true}'
    save_cassette(Cassette(interactions=[Interaction(
        id=i,
        request=Request(url=f"{url}/json?i={i}", method="GET", body="", headers={},
                        content_length=0),
        response=Response(code=200, status="200 OK", body=body,
                          headers={"Content-Type": ["application/json"]},
                          content_length=len(body), duration_ns=0),
    ) for i in range(n)]), str(path))
    return str(path)


def run(args, confdir, *, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    return subprocess.run([VCRPROXY, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=timeout)


def python_client(url: str, *, trust_env: bool, verify: str | None = None, n: int = 1) -> list:
    verify_arg = repr(verify) if verify else "True"
    code = textwrap.dedent(f"""
        import httpx
        with httpx.Client(trust_env={trust_env}, verify={verify_arg}, timeout=10) as c:
            for i in range({n}):
                try:
                    print(c.get("{url}/json?i=%d" % i).status_code)
                except httpx.HTTPError as e:
                    print("failed:", type(e).__name__)
    """)
    return [sys.executable, "-c", code]


def test_trust_env_false_replay_is_a_bypass_exit_4(gateway, confdir, tmp_path):
    """The client ignores HTTPS_PROXY and the real API answers: today's silent pass is exit 4."""
    path = cassette(tmp_path / "c.yaml", gateway.url)
    n = len(gateway.requests)
    got = run(["replay", path, "--",
               *python_client(gateway.url, trust_env=False, verify=gateway.ca_path)], confdir)
    assert len(gateway.requests) == n + 1  # it really went around the proxy
    assert got.stdout.strip() == "200"
    assert got.returncode == 4, got.stderr
    assert "made no request through the proxy, though" in got.stderr
    assert "holds 1 interaction to replay" in got.stderr
    assert "trust_env=False" in got.stderr  # the cause for the runtime that ran (python)
    allowed = run(["replay", path, "--allow-no-traffic", "--",
                   *python_client(gateway.url, trust_env=False, verify=gateway.ca_path)], confdir)
    assert allowed.returncode == 0 and "bypassed" not in allowed.stderr


def test_record_without_any_request_exits_4_and_names_every_runtime(confdir, tmp_path):
    got = run(["record", tmp_path / "new.yaml", "--", "true"], confdir)
    assert got.returncode == 4, got.stderr
    assert "nothing was recorded into" in got.stderr
    for cause in ("Node", "Go's net/http", "trust_env=False", "Java"):
        assert cause in got.stderr  # `true` is no known runtime: every likely cause
    assert not (tmp_path / "new.yaml").exists()


def test_a_client_that_does_not_trust_our_ca_is_named(gateway, confdir, tmp_path):
    """It connected (CONNECT) but its TLS to us failed: not a bypass of the proxy, a CA problem."""
    path = cassette(tmp_path / "c.yaml", gateway.url)
    got = run(["replay", path, "--",
               *python_client(gateway.url, trust_env=True, verify=gateway.ca_path)], confdir)
    assert "failed: ConnectError" in got.stdout
    assert got.returncode == 4, got.stderr
    assert "does not trust vcrproxy's CA" in got.stderr


def test_strict_fails_on_unused_interactions(gateway, confdir, tmp_path):
    path = cassette(tmp_path / "c.yaml", gateway.url, n=2)
    client = python_client(gateway.url, trust_env=True, n=1)
    partial = run(["replay", path, "--", *client], confdir)
    assert partial.returncode == 0, partial.stderr  # a partial run stays fine by default
    assert "unused 1" in partial.stderr
    strict = run(["replay", path, "--strict", "--", *client], confdir)
    assert strict.returncode == 3, strict.stderr
    assert "--strict: 1 recorded interaction(s) were not used" in strict.stderr


SUITE = '''
import os

import httpx

GATEWAY = os.environ["SAMPLE_GATEWAY_URL"]
CA = os.environ["SAMPLE_GATEWAY_CA"]


def test_through_the_proxy(vcrproxy):
    assert httpx.get(GATEWAY + "/json?size=3").status_code == 200


def test_bypassing(vcrproxy):
    # trust_env=False: HTTPS_PROXY is ignored and the "real API" answers directly.
    with httpx.Client(trust_env=False, verify=CA) as client:
        assert client.get(GATEWAY + "/json?size=4").status_code == 200
'''


def test_pytest_plugin_reports_a_bypass_per_test(confdir, tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_user.py").write_text(SUITE)
    with FakeGateway() as gw:
        sets = ("--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}")
        first = run_suite(str(suite), confdir, gw.url, "--vcrproxy-mode", "record", *sets,
                          SAMPLE_GATEWAY_CA=gw.ca_path)
        # Reported at the fixture's teardown, like a miss: the test errors.
        assert first.returncode == 1, first.stdout + first.stderr
        assert "ERROR test_user.py::test_bypassing" in first.stdout
        assert "test_through_the_proxy" not in first.stdout.split("short test summary")[-1]
        assert "nothing was recorded into" in first.stdout
        n = len(gw.requests)
        # Replay: the bypassing test has no cassette (nothing was recorded) and is caught again;
        # the other one replays offline.
        second = run_suite(str(suite), confdir, gw.url, "--vcrproxy-mode", "once",
                           SAMPLE_GATEWAY_CA=gw.ca_path)
        assert len(gw.requests) == n + 1  # only the bypassing request reached the gateway
    assert second.returncode == 1, second.stdout + second.stderr
    assert "ERROR test_user.py::test_bypassing" in second.stdout
    assert "trust_env=False" in second.stdout
