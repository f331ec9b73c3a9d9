"""Tester10: a URL nested percent-encoded in another URL's parameter (a login link's
`?next=https%3A%2F%2F...%3Ftoken%3D...`, an OAuth `redirect_uri`, a signed download behind a
redirector) loses the credential it names in the request URL and in `Location` (README:
"credentials named inside a percent-encoded value (... a URL in `?next=`)"), but the same URL
inside a body keeps it, and `vcrproxy check` says ok (one encoded twice too, which even the
request URL kept). Real proxy, httpx, a loopback TLS upstream answering JSON that holds the
link."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77xxAbCd"
LINKS = {
    "next-token": "https://login.example.com/?next=https%3A%2F%2Fapp.example.com%2Fcb%3F"
                  f"token%3D{SECRET}%26lang%3Den&prompt=none",
    "relative-next": f"https://login.example.com/?next=%2Fdownload%3Fsig%3D{SECRET}",
    # (encoded twice: a redirector's `return_to` holding a login link's `next`)
    "twice-encoded": "https://sso.example.com/?return_to=https%3A%2F%2Flogin.example.com%2F"
                     f"%3Fnext%3D%252Fdownload%253Fsig%253D{SECRET}",
}


@pytest.mark.parametrize("case", list(LINKS))
def test_tester10_credential_in_a_nested_url_in_a_body_is_redacted(case, run_proxy, gateway,
                                                                   ca_cert, tmp_path):
    link = LINKS[case]
    body = json.dumps({"status": "login_required", "login_url": link}).encode()
    cassette = tmp_path / "nested.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [body]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(f"{upstream}/v1/session")
        assert r.json()["login_url"] == link
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    recorded = json.loads(i.response.body_bytes)["login_url"]
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in recorded, (recorded, out.output)
    assert recorded.startswith(link.partition("=")[0] + "="), recorded


def test_tester10_credential_in_a_twice_encoded_url_in_the_request_url_is_redacted(
        run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "twice.yaml"
    query = ("return_to=https%3A%2F%2Flogin.example.com%2F"
             f"%3Fnext%3D%252Fdownload%253Fsig%253D{SECRET}")
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            assert client.get(f"{upstream}/sso/start?{query}").status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in i.request.url, (i.request.url, out.output)
