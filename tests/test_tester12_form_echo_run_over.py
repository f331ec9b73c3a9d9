"""Tester12: a urlencoded form whose first field is a credential (`password=...&x=1`, an OAuth
token request's shape) recorded against a server that echoes the request in a JSON string
(`{"body": "password=...&x=1"}`: /echo here, httpbin and debug endpoints, logged requests). The
JSON string was read as a `.env` line whose value runs to the string's end, `...&x=1`, and that
value, as an echo, was then cut from the request body too: the cassette held `password=<REDACTED>`
without `&x=1` (the form body that README says a `.env` rule never runs over), so the very same
request missed in replay. Expected: the fields after the secret are kept, and replay matches."""

from __future__ import annotations

from conftest import proxied_client, record_through

from vcrproxy import load_cassette

FORM = {"content-type": "application/x-www-form-urlencoded"}
BODY = "password=Zq8hunter2Kx&grant_type=password&username=bob"


def test_fields_after_a_form_secret_survive_an_echo(run_proxy, ca_cert, gateway, tmp_path):
    path = tmp_path / "c.yaml"
    request = {"method": "POST", "url": gateway.url + "/echo?plain=1", "content": BODY,
               "headers": FORM}
    record_through(run_proxy, path, ca_cert, request)
    text = path.read_text()
    assert "Zq8hunter2Kx" not in text
    recorded = load_cassette(str(path)).interactions[0]
    assert recorded.request.body == "password=<REDACTED>&grant_type=password&username=bob", \
        recorded.request.body
    assert "&grant_type=password&username=bob" in recorded.response.body
    proxy = run_proxy(path, "replay")
    with proxied_client(proxy, ca_cert) as client:
        r = client.request(**request)
    assert r.status_code == 200, r.text[:400]  # (not a miss: x-vcrproxy-miss)
