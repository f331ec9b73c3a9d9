"""Tester3: a credential named inside a percent-encoded value is recorded as sent. A form field
holding JSON (Slack's `payload=`, any `data={"payload": json.dumps(...)}`), a query parameter
holding a URL (`?next=` / `redirect_uri` / `return_to` that carries `access_token=`), and a
GraphQL GET's `variables=` all percent-encode the inner text, so `"password": "..."` becomes
`%22password%22%3A+%22...%22` and no name rule sees it; only key shapes are looked for through
percent-encoding (README: "form values even percent-encoded"). The README redacts JSON fields,
and query parameters of URLs inside bodies, by name; `vcrproxy check` says ok here.
Real proxy, the fake gateway's echo endpoint, httpx encoding as every client does.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import proxied_client

from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77"

REQUESTS = {
    "form-json": {"method": "POST", "data": {"payload": json.dumps(
        {"type": "login", "user": "bob", "password": SECRET})}},
    "query-url": {"method": "GET", "params": {
        "next": f"https://app.example/callback?access_token={SECRET}&state=x"}},
    "graphql-variables": {"method": "GET", "params": {
        "query": "query($t: String!) { me(token: $t) { id } }",
        "variables": json.dumps({"token": SECRET})}},
}


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_credential_inside_a_percent_encoded_value_is_redacted(kind, run_proxy, gateway,
                                                               ca_cert, tmp_path):
    cassette = tmp_path / "encoded.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.request(url=f"{gateway.url}/echo", **REQUESTS[kind])
        assert r.status_code == 200
    proxy.stop()
    text = cassette.read_text()
    assert "/echo" in text  # (the exchange was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert SECRET not in text, (f"the {kind} credential reached the cassette", out.output)
