"""Tester: with `--keep-no-proxy` (README: "`NO_PROXY` cleared so loopback upstreams are
proxied too, `--keep-no-proxy` keeps yours"), a request to a host in the user's NO_PROXY goes
direct, as asked, but no longer verifies: the wrapped command's SSL_CERT_FILE /
REQUESTS_CA_BUNDLE (the user's own: a company or internal CA bundle) are replaced by vcrproxy's
bundle of the certifi/system roots plus vcrproxy's CA, which leaves out the roots the user's
variables named. The same command without vcrproxy gets 200; under it, CERTIFICATE_VERIFY_FAILED
(and the run exits 0).

Expected: what verified before still verifies under vcrproxy (the bundle also holds the
certificates of the SSL_CERT_FILE / REQUESTS_CA_BUNDLE it replaces), so the direct request to
the kept NO_PROXY host gets its 200."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import record_through

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_a_kept_no_proxy_host_still_verifies_with_the_users_ca(run_proxy, gateway, ca_cert,
                                                               confdir, tmp_path):
    cassette = tmp_path / "c.yaml"
    record_through(run_proxy, cassette, ca_cert,
                   {"method": "GET", "url": gateway.url + "/json?size=20"})
    env = {k: v for k, v in os.environ.items()
           if "PROXY" not in k.upper() and not k.startswith("VCRPROXY_")}
    # The user's own trust (an internal CA: the gateway's here) and a host they reach directly.
    env.update(VCRPROXY_CONFDIR=confdir, SSL_CERT_FILE=gateway.ca_path,
               REQUESTS_CA_BUNDLE=gateway.ca_path, NO_PROXY="localhost")
    client = ("import httpx, sys\n"
              "try:\n"
              "    print(httpx.get(sys.argv[1], timeout=10).status_code)\n"
              "except httpx.HTTPError as e:\n"
              "    print(type(e).__name__, e)\n")
    url = gateway.url + "/json?size=33"
    alone = subprocess.run([sys.executable, "-c", client, url], env=env, capture_output=True,
                           text=True, timeout=60)
    assert alone.stdout.strip() == "200", alone.stdout + alone.stderr
    wrapped = subprocess.run(
        [VCRPROXY, "replay", str(cassette), "--keep-no-proxy", "--allow-no-traffic", "--",
         sys.executable, "-c", client, url],
        env=env, capture_output=True, text=True, timeout=60)
    assert wrapped.stdout.strip() == "200", wrapped.stdout + wrapped.stderr[-500:]
