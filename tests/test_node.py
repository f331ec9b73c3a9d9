"""Real Node clients through `vcrproxy`: Node 22 (fetch routed by our preload through the project's
undici) and Node 24 (NODE_USE_ENV_PROXY), each with built-in fetch, the `openai` npm package and
the Vercel AI SDK's streamText. Recorded against the fake gateway, then replayed with the gateway
stopped: the output must be identical. Node 22 without undici bypasses the proxy: the run fails
with the hint. Runtimes and npm packages come from tests/runtimes.py (cached installs).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from fakegateway import FakeGateway

from vcrproxy import load_cassette

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = os.path.join(HERE, "node", "clients.mjs")
VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = "sk-" + "proj-" + "N0de" * 8


def project_dir(parent, npm_project: str | None) -> str:
    """A project folder holding clients.mjs, with the cached node_modules linked in (or none)."""
    folder = parent / "project"
    folder.mkdir()
    shutil.copy(CLIENTS, folder / "clients.mjs")
    if npm_project:
        os.symlink(os.path.join(npm_project, "node_modules"), folder / "node_modules")
    return str(folder)


def trust(gw: FakeGateway) -> str:
    return f"ssl_verify_upstream_trusted_ca={gw.ca_path}"


def vcrproxy(args, *, node, cwd, confdir, gateway_url, extra_env=None, which="fetch,openai,ai"):
    env = {k: v for k, v in node.env().items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, GATEWAY_URL=gateway_url, TEST_API_KEY=KEY,
               **(extra_env or {}))
    env.pop("NODE_OPTIONS", None)
    return subprocess.run([VCRPROXY, *args, "--", node.node, "clients.mjs", which], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("major", [22, 24])
def test_node_clients_record_then_replay_offline(major, request, npm_project, confdir, tmp_path):
    node = request.getfixturevalue(f"node{major}")
    cwd = project_dir(tmp_path, npm_project)
    cassette = str(tmp_path / "node.yaml")
    with FakeGateway(gap_ms=1) as gw:
        rec = vcrproxy(["record", cassette, "--set", trust(gw)],
                       node=node, cwd=cwd, confdir=confdir, gateway_url=gw.url)
        assert rec.returncode == 0, rec.stderr
        assert len(gw.requests) == 3  # each client once, through the proxy
        url = gw.url
    recorded = json.loads(rec.stdout)
    assert recorded["fetch"]["status"] == 200
    assert "hello from openai" in recorded["openai"] and "hello from the ai sdk" in recorded["ai"]
    interactions = load_cassette(cassette).interactions
    assert [i.request.url for i in interactions] == [f"{url}/v1/chat/completions"] * 3
    assert KEY not in open(cassette).read()

    # The gateway is gone: whatever the clients print now came from the cassette.
    rep = vcrproxy(["replay", cassette], node=node, cwd=cwd, confdir=confdir, gateway_url=url)
    assert rep.returncode == 0, rep.stderr
    assert rep.stdout == rec.stdout
    assert "replayed 3, recorded 0, missed 0" in rep.stderr
    if major == 22:
        assert "ignores HTTPS_PROXY" not in rec.stderr + rep.stderr  # undici was found


def test_node22_without_undici_bypasses_and_fails_with_the_hint(
    node22, npm_project, confdir, tmp_path
):
    """The reported bug: Node 22's fetch ignores HTTPS_PROXY, so replay made no request and the run
    exited 0. Now the preload says what to install and vcrproxy exits 4 with the cause."""
    (tmp_path / "with").mkdir()
    (tmp_path / "without").mkdir()
    recording_project = project_dir(tmp_path / "with", npm_project)
    cwd = project_dir(tmp_path / "without", None)  # no node_modules: undici does not resolve
    cassette = str(tmp_path / "fetch.yaml")
    with FakeGateway(gap_ms=1) as gw:
        rec = vcrproxy(["record", cassette, "--set", trust(gw)],
                       node=node22, cwd=recording_project, confdir=confdir, gateway_url=gw.url,
                       which="fetch")
        assert rec.returncode == 0, rec.stderr
        before = gw.connections
        # The gateway still answers (as the real API would): the bypassing fetch reaches it.
        rep = vcrproxy(["replay", cassette], node=node22, cwd=cwd, confdir=confdir,
                       gateway_url=gw.url, which="fetch", extra_env={"CLIENTS_EXIT_ZERO": "1"})
        direct = gw.connections - before
    assert direct == 1  # it went around the proxy (and failed TLS: our CA is all it trusts)
    assert rep.returncode == 4, rep.stderr
    assert "npm install --save-dev undici" in rep.stderr  # the preload's line
    assert "made no request through the proxy" in rep.stderr
    assert "Node 22.20.0's built-in fetch" in rep.stderr
