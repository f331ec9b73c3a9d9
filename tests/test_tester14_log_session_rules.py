"""Tester14: log lines are masked with the default redaction rules only, not the session's. A
user who names a secret (`--redact-query tenant_ref`, `--redact-headers X-Tenant`,
`--redact-patterns 'corp_[0-9a-f]{32}'`: names and shapes the built-in rule does not know) gets
it as <REDACTED> in the cassette, the live line and the summary, but in clear on stderr wherever
the text reaches the log without the session's rules:

- a WARNING (no -v needed): `GET https://.../ndjson?...&tenant_ref=<value>: the gzip stream
  stopped decoding after 23 bytes ...` (recording.py's `where`, masked with the defaults);
- with -v, vcrproxy's own `POST https://...?tenant_ref=<value>: request body kept as sent: ...`
  (flows.py, a request whose Content-Encoding does not decode);
- with -v, mitmproxy's `Client closed connection before completing request headers:
  b'GET http://...?tenant_ref=<value> HTTP/1.1\\r\\n...X-Tenant: <value>\\r\\nX-Note: corp_...'`
  (the process-wide log record factory, redaction.redact_logs, uses DEFAULT_REDACTION).

Real CLI, the fake TLS gateway, httpx or a raw socket as the wrapped command.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
TOKEN = "opaqueTok" + "V4lue7731"  # under a query name only the user knows
HEADER = "hdrSecret" + "Q9w8e7"  # under a header name only the user knows
CORP = "corp_" + "0123456789abcdef" * 2  # a shape only the user's pattern knows
RULES = ["--redact-query", "tenant_ref", "--redact-headers", "X-Tenant",
         "--redact-patterns", "corp_[0-9a-f]{32}"]

CLIENT = r"""
import httpx, os, socket, sys
from urllib.parse import urlsplit
url, case = sys.argv[1], sys.argv[2]
headers = {"X-Tenant": os.environ["T_HEADER"], "X-Note": os.environ["T_CORP"]}
if case == "partial-request":  # headers never finished: the proxy logs what it read
    proxy = urlsplit(os.environ["HTTP_PROXY"])
    with socket.create_connection((proxy.hostname, proxy.port), timeout=5) as s:
        s.sendall((f"GET {url} HTTP/1.1\r\nHost: x\r\n"
                   + "".join(f"{k}: {v}\r\n" for k, v in headers.items())).encode())
    print("sent")
else:
    with httpx.Client(timeout=10) as c:
        if case == "undecodable-request":
            r = c.post(url, content=b"not gzip", headers={**headers, "Content-Encoding": "gzip"})
            print(r.status_code)
        else:  # a stream labelled gzip that is not: read as it comes
            with c.stream("GET", url, headers=headers) as r:
                print(r.status_code, sum(len(b) for b in r.iter_raw()))
"""

CASES = {
    # (path on the gateway, -v?, whether the proxy records it)
    "undecodable-stream": ("/ndjson?n=3&fake_encoding=gzip", False, True),
    "undecodable-request": ("/echo?plain=1", True, True),
    "partial-request": ("/echo?plain=1", True, False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_log_lines_use_the_sessions_redaction_rules(confdir, gateway, tmp_path, case):
    path, verbose, records = CASES[case]
    url = f"{gateway.url}{path}&tenant_ref={TOKEN}"
    if case == "partial-request":
        url = url.replace("https:", "http:")
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, T_HEADER=HEADER, T_CORP=CORP)
    cassette = tmp_path / "c.yaml"
    done = subprocess.run(
        [VCRPROXY, "record", *(["-v"] if verbose else []), *RULES, str(cassette),
         "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--",
         sys.executable, "-c", CLIENT, url, case],
        env=env, capture_output=True, text=True, timeout=90)
    assert done.stdout.split()[:1] in (["200"], ["sent"]), done.stdout + done.stderr[-3000:]
    if records:  # (the session's rules are live: the cassette has none of the three)
        text = cassette.read_text()
        assert "tenant_ref=<REDACTED>" in text
        assert not [s for s in (TOKEN, HEADER, CORP) if s in text]
    leaked = [line for line in done.stderr.splitlines()
              if any(s in line for s in (TOKEN, HEADER, CORP))]
    assert leaked == [], "stderr shows what the session redacts:\n" + "\n".join(leaked)
