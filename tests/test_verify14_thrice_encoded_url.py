"""Verify14: a37ad1c made a URL nested twice percent-encoded (`%253Fsig%253D`) in a body URL
lose the credential it names, by allowing one `%25` before each encoded `?`, `&`, `#` and `=`.
One more level of redirects (`return_to` -> login `next` -> SSO `continue` -> a signed
download: `%25253Fsig%25253D...`) is the same kind and kept its signature in the body and in
the request URL, and `vcrproxy check` said ok. Real proxy, httpx, a loopback TLS upstream
answering JSON that holds the link."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77xxAbCd"
QUERY = ("return_to=https%3A%2F%2Flogin.example.com%2F%3Fnext%3Dhttps%253A%252F%252Fsso.example"
         f".com%252F%253Fcontinue%253D%25252Fdownload%25253Fsig%25253D{SECRET}")
LINK = f"https://app.example.com/start?{QUERY}"


def test_verify14_credential_in_a_thrice_encoded_url_in_a_body_is_redacted(
        run_proxy, gateway, ca_cert, tmp_path):
    body = json.dumps({"status": "login_required", "login_url": LINK}).encode()
    cassette = tmp_path / "nested.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [body]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(f"{upstream}/v1/session")
        assert r.json()["login_url"] == LINK
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    recorded = json.loads(i.response.body_bytes)["login_url"]
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in recorded, (recorded, out.output)


def test_verify14_credential_in_a_thrice_encoded_url_in_the_request_url_is_redacted(
        run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "thrice.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            assert client.get(f"{upstream}/sso/start?{QUERY}").status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in i.request.url, (i.request.url, out.output)
