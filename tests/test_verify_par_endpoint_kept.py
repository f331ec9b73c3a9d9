"""Verify: a neighbour of 919649e (OAuth discovery metadata is no credential).

RFC 9126 5 adds `pushed_authorization_request_endpoint` (a public URL) to the authorization
server metadata an MCP client fetches from /.well-known/oauth-authorization-server, beside
`authorization_endpoint` and `token_endpoint`, which are kept. It is redacted as a credential:
`check` flags it ("holds an unredacted secret") and `redact` (like recording) writes
"<REDACTED>", so a client replaying its discovery is told to push its authorization request to
the URL '<REDACTED>'. Expected: kept as sent, check ok."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
PAR = "https://auth.example.com/par"
CASSETTE = f"""version: 2
interactions:
- id: 0
  request:
    url: https://auth.example.com/.well-known/oauth-authorization-server
    method: GET
  response:
    headers:
      Content-Type:
      - application/json
    body: '{{"issuer":"https://auth.example.com","authorization_endpoint":"https://auth.example.com/authorize","token_endpoint":"https://auth.example.com/token","pushed_authorization_request_endpoint":"{PAR}","require_pushed_authorization_requests":false}}'
    status: 200 OK
    code: 200
"""  # noqa: E501


def test_the_par_endpoint_is_kept(tmp_path):
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE)
    check = subprocess.run([VCRPROXY, "check", str(cassette)], capture_output=True, text=True,
                           timeout=60)
    subprocess.run([VCRPROXY, "redact", str(cassette)], capture_output=True, text=True,
                   timeout=60)
    assert PAR in cassette.read_text(), cassette.read_text()
    assert check.returncode == 0, check.stdout + check.stderr
