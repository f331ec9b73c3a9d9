"""A signed URL's token named `hdnts` (Akamai EdgeAuth: `exp=...~acl=...~hmac=...`) or `hmac`
is a credential, as `sig`, `signature` and `token` are: in the request URL, in a URL a body
holds and as a JSON field it is redacted; settings about it (`hmac_algorithm`) are not.
Real proxy, httpx, a loopback TLS upstream."""

from __future__ import annotations

import json

from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

HDNTS = ("exp=1767225600~acl=%2F*~hmac="
         "9f2b7c4e1a0d3f6b8c5e2a7d4f1b0c9e8d7a6f5b4c3d2e1f0a9b8c7d6e5f4a3b")
HMAC = "3c7e9a1f5b2d8c4e6a0f1b3d5c7e9a2b4d6f8a0c2e4b6d8f"


def test_hdnts_and_hmac_are_credentials(run_proxy, gateway, ca_cert, tmp_path):
    answer = json.dumps({"url": f"https://cdn.example.com/v/a.mp4?hdnts={HDNTS}",
                         "hmac": HMAC, "hmac_algorithm": "sha256"}).encode()
    cassette = tmp_path / "signed.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [answer]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(f"{upstream}/v1/files/a?hdnts={HDNTS}&hmac={HMAC}&page=2")
            assert r.status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    text = i.request.url + i.response.body_bytes.decode()
    assert "9f2b7c4e1a0d" not in text and HMAC not in text, text
    assert "page=2" in i.request.url, i.request.url
    assert json.loads(i.response.body_bytes)["hmac_algorithm"] == "sha256"
