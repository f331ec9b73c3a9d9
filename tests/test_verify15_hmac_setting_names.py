"""Verify15: `hmac`/`hdnts` became credential names (a signed URL's MAC, Akamai's EdgeAuth
token), but so did every name that is about one: a webhook's settings, `hmac_header` (which
header carries the signature), `hmac_key_id` (which key, as `private_key_id` is no key),
`hdnts_ttl` (a lifetime) and `hmac_secret_name` (a secret manager's reference, as `secret_name`
is none) were recorded as `<REDACTED>`; the MAC itself (`hmac`, `hmac_key`) still goes. Real
proxy, httpx posting JSON to a loopback TLS upstream."""

from __future__ import annotations

import json

from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

SECRET = "Zq8hunter2" + "Secret77xx"
SETTINGS = {
    "hmac_header": "X-Hub-Signature-256",
    "hmac_key_id": "whk-rotation-2024",
    "hdnts_ttl": "3600",
    "hmac_secret_name": "webhook-signing-key",
}


def test_verify15_names_about_an_hmac_are_kept(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "hmac.yaml"
    sent = {"webhook": {**SETTINGS, "hmac_key": SECRET}}
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            assert client.post(f"{upstream}/v1/webhooks", json=sent).status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    got = json.loads(i.request.body_bytes)["webhook"]
    assert got.pop("hmac_key") == "<REDACTED>"
    assert got == SETTINGS, got
