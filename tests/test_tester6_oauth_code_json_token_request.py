"""Tester6: an OAuth token request sent as JSON (`{"grant_type": "authorization_code",
"code": ...}`: Auth0's documented `/oauth/token` form, GitHub's and Atlassian's endpoints
accept it too) is recorded with its authorization code, while the same request
form-encoded is redacted. Round 11 promised the `code` "in a token request"; a code is a
one-time credential that an attacker who reads the cassette first can redeem. `vcrproxy
check` says ok. Real proxy, httpx, the fake gateway's /echo standing in for the token endpoint.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import record_through

from vcrproxy.cli.main import main

CODE = "Zq8hunter2" + "Code77xxyy"


def test_tester6_code_in_a_json_token_request_is_redacted(run_proxy, gateway, ca_cert,
                                                           tmp_path):
    cassette = tmp_path / "token.yaml"
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo?plain=1",
        "content": json.dumps({"grant_type": "authorization_code", "client_id": "abc123",
                               "code": CODE, "redirect_uri": "https://app.example.com/cb"}),
        "headers": {"content-type": "application/json"}})
    text = cassette.read_text()
    assert "authorization_code" in text  # (the request was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert CODE not in text, ("the authorization code reached the cassette", out.output)
