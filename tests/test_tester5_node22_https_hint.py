"""Tester5: under Node 22 in a project that has undici (the README's remedy, which vcrproxy's
preload then uses for fetch), a client on Node's `https` module (`https.get`, as got, node-fetch
2 and many SDKs' own agents use) still ignores HTTPS_PROXY and bypasses the proxy. The run
exits 4 as it should, but the paragraph naming the cause tells the user to `npm install
--save-dev undici` for "Node 22's built-in fetch": the package is there already and the client
uses no fetch, so following the advice changes nothing. Expected: with undici resolvable in
the project, the cause named is not "install undici" (it is the http/https module: a proxy
agent such as global-agent, or Node >= 24)."""

from __future__ import annotations

import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CLIENT = """
import https from 'node:https';
https.get(process.argv[2], r => { r.resume(); r.on('end', () => console.log(r.statusCode)); })
  .on('error', e => { console.log('error', e.code); });
"""


def test_node22_https_module_bypass_is_not_blamed_on_a_missing_undici(node22, npm_project,
                                                                      confdir, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    os.symlink(os.path.join(npm_project, "node_modules"), project / "node_modules")
    (project / "client.mjs").write_text(CLIENT)
    url = "https://api.example.invalid/v1/models"
    cassette = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="GET", url=url, body=""),
        Response(code=200, status="200 OK", body="{}",
                 headers={"Content-Type": ["application/json"]}))]), str(cassette))
    env = {k: v for k, v in node22.env().items() if not k.upper().endswith("_PROXY")}
    env.pop("NODE_OPTIONS", None)
    env["VCRPROXY_CONFDIR"] = confdir
    got = subprocess.run([VCRPROXY, "replay", str(cassette), "--", node22.node, "client.mjs",
                          url], cwd=project, env=env, capture_output=True, text=True,
                         timeout=120)
    assert got.returncode == 4, got.stderr  # the bypass is caught
    assert "made no request through the proxy" in got.stderr
    assert "npm install --save-dev undici" not in got.stderr, got.stderr
