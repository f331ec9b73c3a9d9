"""Verify16: with mitmdump on a terminal, flow_detail=3 prints a JSON body through mitmproxy's
contentview with each token in colour codes (`\\x1b[33m"password"\\x1b[0m:
\\x1b[32m"..."\\x1b[0m`), so masking the written text by field names (a credential field, a
vcr_redact_fields name) matched none: the values were printed as sent, where a file or pipe got
`<REDACTED>`. Real mitmdump on a pseudo-terminal (test_mitmdump_script.mitmdump(tty=True))."""

from __future__ import annotations

import ssl

import httpx
from test_mitmdump_script import mitmdump

PASSWORD = "Zq8hunter2" + "Kx9876"
FIELD = "tenantSecret" + "77aa"


def test_styled_json_bodies_are_masked(confdir, ca_cert, gateway, tmp_path):
    log = tmp_path / "mitmdump.log"
    with mitmdump(confdir, log, f"vcr_cassette={tmp_path / 'c.yaml'}", "vcr_mode=record",
                  "vcr_redact_fields=tenant_ref", "flow_detail=3",
                  f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", tty=True) as (proc, url):
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=url, verify=verify, timeout=20) as client:
            r = client.post(f"{gateway.url}/echo?plain=1",
                            json={"password": PASSWORD, "tenant_ref": FIELD, "q": "hi"})
            assert r.status_code == 200
    out = log.read_text(errors="replace")
    assert "\x1b[" in out and '"q"' in out, out[-3000:]  # (styled, and the body printed)
    shown = [line for line in out.splitlines() if PASSWORD in line or FIELD in line]
    assert shown == [], "mitmdump's styled body shows a secret:\n" + "\n".join(map(repr, shown))
