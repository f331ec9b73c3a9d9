"""Verify16: a sibling of tester14's mitmdump flow lines (8e2c37f). In a terminal mitmdump
styles its output: each header's name is wrapped in colour codes (`\\x1b[34mapi-key\\x1b[0m:
...`), so MaskedOutput's header-line rule, which reads `Name: value`, matched none of them: at
flow_detail=2 a credential header without a key's shape (an Azure `api-key`, `Authorization:
Basic ...`, a vcr_redact_headers name's value) was printed as sent, where a file or pipe got
`<REDACTED>`. Real mitmdump on a pseudo-terminal (test_mitmdump_script.mitmdump(tty=True))."""

from __future__ import annotations

import ssl

import httpx
from test_mitmdump_script import mitmdump

AZURE = "0123456789abcdef" + "fedcba9876543210"
BASIC = "dXNlcjpodW50ZXIy" + "aHVudGVyMg=="
HEADER = "hdrSecret" + "Q9w8e7"


def test_styled_header_lines_are_masked(confdir, ca_cert, gateway, tmp_path):
    log = tmp_path / "mitmdump.log"
    with mitmdump(confdir, log, f"vcr_cassette={tmp_path / 'c.yaml'}", "vcr_mode=record",
                  "vcr_redact_headers=X-Tenant", "flow_detail=2",
                  f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", tty=True) as (proc, url):
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=url, verify=verify, timeout=20) as client:
            r = client.get(f"{gateway.url}/json", headers={
                "api-key": AZURE, "Authorization": f"Basic {BASIC}", "X-Tenant": HEADER})
            assert r.status_code == 200
    out = log.read_text(errors="replace")
    assert "\x1b[" in out and "/json" in out, out[-3000:]  # (styled, and the flow printed)
    shown = [line for line in out.splitlines() if any(s in line for s in (AZURE, BASIC, HEADER))]
    assert shown == [], "mitmdump's styled output shows a secret:\n" + "\n".join(map(repr, shown))
