"""Tester6: an OAuth implicit-flow redirect URL (`https://app/cb#access_token=...&state=...`)
inside a body is recorded with its token. Round 11 made redaction reach URL fragments, but
only in the URL and `Location`-like headers; the README also promises "the query parameters
of URLs inside bodies", and the same URL with `?access_token=` in a body is redacted. A chat
message pasting the redirect an app landed on, or a JSON answer naming it, keeps the token,
and `vcrproxy check` says ok. Real proxy, httpx, the fake gateway's /echo.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import record_through

from vcrproxy.cli.main import main

TOKEN = "Zq8hunter2" + "Secret77xx"


def test_tester6_access_token_in_a_body_urls_fragment_is_redacted(run_proxy, gateway, ca_cert,
                                                                   tmp_path):
    cassette = tmp_path / "oauth.yaml"
    url = f"https://app.example.com/callback#access_token={TOKEN}&token_type=bearer&state=xyz"
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo?plain=1",
        "content": json.dumps({"messages": [
            {"role": "user", "content": f"My app landed on {url} and shows a blank page"}]}),
        "headers": {"content-type": "application/json"}})
    text = cassette.read_text()
    assert "blank page" in text  # (the message was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert TOKEN not in text, ("the fragment's access_token reached the cassette", out.output)
