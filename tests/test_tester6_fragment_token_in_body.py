"""Tester6: round 11's OAuth URL rules do not reach URLs inside bodies. Redaction was made to
reach URL fragments (`#access_token=`) and "an OAuth `code` beside `state`", but only in the
request URL and `Location`-like headers; the README also promises "the query parameters of
URLs inside bodies", and the same URL with `?access_token=` in a body is redacted. A chat
message pasting the redirect an app landed on (implicit flow: `#access_token=...`; a CLI
login: `?code=...&state=...`), or a JSON answer naming it, keeps the token or the code (which
whoever reads the cassette first can redeem), and `vcrproxy check` says ok.
Real proxy, httpx, the fake gateway's /echo.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import record_through

from vcrproxy.cli.main import main

TOKEN = "Zq8hunter2" + "Secret77xx"

URLS = {
    "fragment-token": "https://app.example.com/callback"
                      f"#access_token={TOKEN}&token_type=bearer&state=xyz",
    "code-beside-state": f"http://localhost:8976/callback?code={TOKEN}&state=af0ifjsldkj",
}
BODIES = {
    "chat-message": lambda url: {"messages": [
        {"role": "user", "content": f"My app landed on {url} and shows a blank page"}]},
    "json-field": lambda url: {"redirect_url": url, "status": "pending"},
}


@pytest.mark.parametrize("where", list(BODIES))
@pytest.mark.parametrize("kind", list(URLS))
def test_tester6_oauth_credential_in_a_body_url_is_redacted(kind, where, run_proxy, gateway,
                                                            ca_cert, tmp_path):
    cassette = tmp_path / "oauth.yaml"
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo?plain=1",
        "content": json.dumps(BODIES[where](URLS[kind])),
        "headers": {"content-type": "application/json"}})
    text = cassette.read_text()
    assert "callback" in text  # (the URL was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert TOKEN not in text, (f"the {kind} credential reached the cassette", out.output)
