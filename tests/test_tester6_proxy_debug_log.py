"""Tester6: `vcrproxy record -v --set proxy_debug=true` (mitmproxy's own switch for "debug logs
in the proxy core", which the README passes through like any mitmproxy option) writes every
request's bytes to stderr: `>> DataReceived(client, b'POST ... x-api-key: ...')` and HTTP/2's
`RequestData(... b'{"password": "..."}')`. mitmproxy's records are redacted as they are made,
but only by `redact_text` (key shapes and URL parameters), so an API key without a shape in
its header (Azure's 32 hex digits, a gateway's key) and a body's `password` field go to the
terminal and CI logs, about 40 lines of them for two requests. The README: "logs are never
the place for a key". Real CLI, the fake gateway over TLS (HTTP/1.1 and HTTP/2), httpx.
"""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = "3f9a1c7e5b2d4068" + "a9c1e3f5b7d90a2c"  # (an Azure key: no shape)
PASSWORD = "Zq8hunter2" + "Secret77xx"

CLIENT = """
import os, sys, httpx
for http2 in (False, True):
    with httpx.Client(timeout=20, http2=http2) as c:
        r = c.post(sys.argv[1] + "/echo?plain=1", headers={"api-key": os.environ["T_KEY"]},
                   json={"password": os.environ["T_PASSWORD"], "q": "hi"})
        print(r.status_code)
"""


def test_tester6_proxy_debug_log_shows_no_key(confdir, gateway, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, T_KEY=KEY, T_PASSWORD=PASSWORD)
    got = subprocess.run(
        [VCRPROXY, "record", "-v", "--set", "proxy_debug=true",
         "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}",
         str(tmp_path / "d.yaml"), "--", sys.executable, "-c", CLIENT, gateway.url],
        env=env, capture_output=True, text=True, timeout=120)
    assert got.stdout.split() == ["200", "200"], got.stdout + got.stderr[-2000:]
    assert "DataReceived" in got.stderr  # (the proxy core's debug log is on: the test is live)
    leaked = [line[:160] for line in got.stderr.splitlines() if KEY in line or PASSWORD in line]
    assert leaked == [], f"{len(leaked)} log lines hold the key or password:\n" + "\n".join(
        leaked[:5])
