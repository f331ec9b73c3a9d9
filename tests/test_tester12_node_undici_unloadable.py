"""Tester12: on Node < 24 the README's remedy for fetch is `npm install --save-dev undici`.
Today that installs an undici whose `engines` needs a newer Node (undici 8 needs Node >= 22.19:
on Node 20 it throws while loading), or a project may hold an old undici without
EnvHttpProxyAgent. vcrproxy's preload then silently routes nothing and prints its hint to
`npm install --save-dev undici` (already done), and the bypass paragraph blames the http/https
modules "(through the project's undici)" although the client used fetch. Expected: both say
that the project's undici could not be used, and why, never the install advice the user
already followed nor the http/https cause."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CLIENT = """
fetch(process.argv[2]).then(r => r.text()).then(t => console.log('got', t))
  .catch(e => console.log('error', String(e.cause && e.cause.code || e)));
"""
# undici 8's first line that fails on Node 20 (node:zlib has no zstd there), as a stand-in that
# fails on any Node; and an undici 5 that loads but has no EnvHttpProxyAgent.
UNLOADABLE = ("throw new TypeError(\"Cannot read properties of undefined (reading 'bind')\");\n",
              {"version": "8.13.1", "engines": {"node": ">=99.0.0"}})
TOO_OLD = ("module.exports = { setGlobalDispatcher() {}, ProxyAgent: class {} };\n",
           {"version": "5.28.4", "engines": {"node": ">=14.0"}})
PRELOAD_HINT = "`npm install --save-dev undici` in this project lets vcrproxy route it"


def _run(node22, confdir, tmp_path, undici):
    source, meta = undici
    project = tmp_path / "project"
    pkg = project / "node_modules" / "undici"
    pkg.mkdir(parents=True)
    (pkg / "index.js").write_text(source)
    (pkg / "package.json").write_text(json.dumps({"name": "undici", "main": "index.js", **meta}))
    (project / "client.js").write_text(CLIENT)
    url = "https://api.example.invalid/v1/models"
    cassette = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="GET", url=url, body=""),
        Response(code=200, status="200 OK", body="{}",
                 headers={"Content-Type": ["application/json"]}))]), str(cassette))
    env = {k: v for k, v in node22.env().items() if not k.upper().endswith("_PROXY")}
    for name in ("NODE_OPTIONS", "VCRPROXY_NODE_HINTED"):
        env.pop(name, None)
    env["VCRPROXY_CONFDIR"] = confdir
    return subprocess.run([VCRPROXY, "replay", str(cassette), "--", node22.node, "client.js",
                           url], cwd=project, env=env, capture_output=True, text=True,
                          timeout=120)


def test_an_undici_that_does_not_load_is_named_not_install_advice(node22, confdir, tmp_path):
    got = _run(node22, confdir, tmp_path, UNLOADABLE)
    assert got.returncode == 4, got.stderr  # the bypass is caught
    assert PRELOAD_HINT not in got.stderr, got.stderr
    assert "undici 8.13.1" in got.stderr and "could not be loaded" in got.stderr, got.stderr
    assert "reading 'bind'" in got.stderr, got.stderr  # the preload says why
    assert "http and https modules" not in got.stderr, got.stderr  # the client used fetch


def test_an_undici_without_env_proxy_agent_is_named_too_old(node22, confdir, tmp_path):
    got = _run(node22, confdir, tmp_path, TOO_OLD)
    assert got.returncode == 4, got.stderr
    assert PRELOAD_HINT not in got.stderr, got.stderr
    assert "undici 5.28.4" in got.stderr and "EnvHttpProxyAgent" in got.stderr, got.stderr
    assert "http and https modules" not in got.stderr, got.stderr
