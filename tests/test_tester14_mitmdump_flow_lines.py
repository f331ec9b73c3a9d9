"""Tester14: `mitmdump -s addon/vcr.py` (README "With mitmproxy directly") prints each flow with
mitmproxy's dumper, which writes to stdout itself, past the log record factory: its default
`flow_detail=1` line is `127.0.0.1:PORT: GET https://.../json?key=AIzaSy1aB2cD3eF4gH5iJ6…`
(the URL cut to the terminal's width: 20 characters of a Google key), so a key in the URL
reaches the terminal and the CI log while the cassette holds `<REDACTED>`; `flow_detail=2`
prints the whole URL (a --set vcr_redact_query name's value too) and every header
(`Authorization: Bearer sk-...`, a vcr_redact_headers name's value).

Real mitmdump with the addon script (test_mitmdump_script.mitmdump), the fake TLS gateway,
httpx through it.
"""

from __future__ import annotations

import ssl

import httpx
import pytest
from secret_shapes import SHAPE_EXAMPLES
from test_mitmdump_script import mitmdump

KEY = SHAPE_EXAMPLES["google"]
BEARER = SHAPE_EXAMPLES["openai"]
TOKEN = "opaqueTok" + "V4lue7731"
HEADER = "hdrSecret" + "Q9w8e7"


def _pieces(key: str, n: int = 12) -> list[str]:
    return [key[i:i + n] for i in range(len(key) - n + 1)]


@pytest.mark.parametrize("detail", ["1", "2"])
def test_mitmdump_flow_lines_show_no_secret(confdir, ca_cert, gateway, tmp_path, detail):
    log = tmp_path / "mitmdump.log"
    cassette = tmp_path / "c.yaml"
    with mitmdump(confdir, log, f"vcr_cassette={cassette}", "vcr_mode=record",
                  "vcr_redact_query=tenant_ref", "vcr_redact_headers=X-Tenant",
                  f"flow_detail={detail}",
                  f"ssl_verify_upstream_trusted_ca={gateway.ca_path}") as (proc, url):
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=url, verify=verify, timeout=20) as client:
            r = client.get(f"{gateway.url}/json?key={KEY}&tenant_ref={TOKEN}",
                           headers={"Authorization": f"Bearer {BEARER}", "X-Tenant": HEADER})
            assert r.status_code == 200
    out = log.read_text()
    assert "/json?" in out, out[-3000:]  # (the flow line is printed: the test is live)
    assert "key=<REDACTED>" in cassette.read_text()
    pieces = [*_pieces(KEY), *_pieces(BEARER), TOKEN, HEADER]
    shown = [line for line in out.splitlines() if any(p in line for p in pieces)]
    assert shown == [], "mitmdump's output shows a secret:\n" + "\n".join(shown)
