"""Verify16: a regression of 8e2c37f (mitmdump's flow lines masked, MaskedOutput). At the
default flow_detail=1 mitmdump cuts a long URL to the terminal's width with `…`; the masking then
drops the run of key characters the cut ends in, so a key cut short does not show, but `/` and
`.` are key characters too: the whole URL back to `https:` went, every long URL's flow line
read `POST https:…` (an Azure deployment's, a Gemini model's), host and path lost. Expected: the
URL is kept up to its last `/`, only the cut segment dropped, and a key cut short still is."""

from __future__ import annotations

import ssl

import httpx
from secret_shapes import SHAPE_EXAMPLES
from test_mitmdump_script import mitmdump

KEY = SHAPE_EXAMPLES["google"]
PATH = "/openai/deployments/gpt-4o-mini-2024-07-18-eastus/chat/completions-and-a-long-tail"


def test_a_cut_url_keeps_its_host_and_path(confdir, ca_cert, gateway, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # (mitmdump cuts at max(width - 25, 50) characters)
    log = tmp_path / "mitmdump.log"
    with mitmdump(confdir, log, f"vcr_cassette={tmp_path / 'c.yaml'}", "vcr_mode=record",
                  "flow_detail=1",
                  f"ssl_verify_upstream_trusted_ca={gateway.ca_path}") as (proc, url):
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=url, verify=verify, timeout=20) as client:
            client.get(f"{gateway.url}{PATH}")
            client.get(f"{gateway.url}/{KEY}{PATH}")
    out = log.read_text()
    lines = [line for line in out.splitlines() if " GET " in line]
    assert len(lines) == 2, out[-3000:]
    assert f"GET {gateway.url}/openai/deployments/" in lines[0], lines
    assert not [p for p in (KEY[i:i + 12] for i in range(len(KEY) - 11)) if p in out], lines
