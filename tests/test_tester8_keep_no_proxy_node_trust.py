"""Tester8: with `--keep-no-proxy`, a Node request to a host in the user's NO_PROXY goes direct,
as asked, but no longer verifies: the wrapped command's NODE_EXTRA_CA_CERTS (the user's own: a
company or internal CA, the only way Node adds one) is replaced by vcrproxy's CA alone. The
same `fetch` without vcrproxy gets 200; under it, UNABLE_TO_VERIFY_LEAF_SIGNATURE. The fix of
this for SSL_CERT_FILE / REQUESTS_CA_BUNDLE (tests/test_tester4_keep_no_proxy_trust.py: the
bundle keeps the user's roots) left Node's variable out. Expected: what verified before still
verifies (NODE_EXTRA_CA_CERTS names a file holding the user's certificates and our CA)."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import record_through

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
FETCH = """
try { const r = await fetch(process.argv[2]); console.log(r.status); }
catch (e) { console.log('ERR', e.cause?.code || e.message); }
"""


def test_tester8_kept_no_proxy_host_still_verifies_in_node(node24, run_proxy, gateway, ca_cert,
                                                            confdir, tmp_path):
    cassette = tmp_path / "c.yaml"
    record_through(run_proxy, cassette, ca_cert,
                   {"method": "GET", "url": gateway.url + "/json?size=20"})
    script = tmp_path / "fetch.mjs"
    script.write_text(FETCH)
    env = {k: v for k, v in node24.env().items()
           if "PROXY" not in k.upper() and not k.startswith("VCRPROXY_")}
    env.pop("NODE_OPTIONS", None)
    # The user's own trust for Node (an internal CA: the gateway's) and a host reached directly.
    env.update(VCRPROXY_CONFDIR=confdir, NODE_EXTRA_CA_CERTS=gateway.ca_path, NO_PROXY="localhost")
    url = gateway.url + "/json?size=33"
    assert "localhost" in url
    alone = subprocess.run([node24.node, str(script), url], env=env, capture_output=True,
                           text=True, timeout=60)
    assert alone.stdout.strip() == "200", alone.stdout + alone.stderr
    wrapped = subprocess.run(
        [VCRPROXY, "replay", str(cassette), "--keep-no-proxy", "--allow-no-traffic", "--",
         node24.node, str(script), url],
        env=env, capture_output=True, text=True, timeout=60)
    assert wrapped.stdout.strip() == "200", wrapped.stdout + wrapped.stderr[-500:]
