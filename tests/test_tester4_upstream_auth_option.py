"""Tester: `vcrproxy record C --set mode=upstream:http://PROXY:PORT --set
upstream_auth=user:pass` refuses to start: "Unknown option(s): upstream_auth". The CLI's lean
master (proxy.py: core, proxyserver, next_layer, tlsconfig) leaves out the mitmproxy addon that
declares that option, so a team behind an authenticating corporate proxy cannot record at all
(mitmdump, and `--web`, accept it). The same goes for other stock options (anticache,
anticomp, block_private...), all of which mitmdump takes.

README (Options): "Any mitmproxy option passes through with mitmproxy's own syntax: `--set
ssl_insecure=true`, `--set ssl_verify_upstream_trusted_ca=FILE`."

Expected: the option is accepted and the session starts (exit 0 for a command that makes no
request, with --allow-no-traffic)."""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_upstream_auth_is_accepted_for_an_upstream_proxy(confdir, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if "PROXY" not in k.upper() and not k.startswith("VCRPROXY_")}
    env["VCRPROXY_CONFDIR"] = confdir
    got = subprocess.run(
        [VCRPROXY, "record", str(tmp_path / "c.yaml"), "--allow-no-traffic",
         "--set", "mode=upstream:http://127.0.0.1:3128", "--set", "upstream_auth=user:pass",
         "--", sys.executable, "-c", "pass"],
        env=env, capture_output=True, text=True, timeout=60)
    assert got.returncode == 0, got.stderr[-800:]
