"""Verify12: a UTF-16 request body whose key round 12 now redacts (the marker written in
UTF-16, ddd0726) no longer replays: the recorded body holds `<REDACTED>` as UTF-16 bytes, which
the body matcher does not read as its wildcard, so the very request that was recorded misses in
replay. (A UTF-8 body with the same key replays: its `<REDACTED>` is the matcher's wildcard.)
Real proxy, httpx, the fake gateway's /echo.
"""

from __future__ import annotations

from conftest import proxied_client, record_through
from secret_shapes import SHAPE_EXAMPLES

KEY = SHAPE_EXAMPLES["openai"]
ENV = f"APP_NAME=shop\r\nOPENAI_API_KEY={KEY}\r\n"


def test_verify12_a_redacted_utf16_body_replays(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "upload.yaml"
    req = {"method": "POST", "url": f"{gateway.url}/echo?plain=1",
           "content": ENV.encode("utf-16"),
           "headers": {"content-type": "text/plain; charset=utf-16"}}
    record_through(run_proxy, cassette, ca_cert, req)
    assert KEY.encode("utf-16-le") not in cassette.read_bytes()  # (redacted: the new rule)
    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert) as client:
        r = client.request(**req)
    assert r.status_code == 200, ("the recorded UTF-16 request misses in replay", r.status_code,
                                  r.text[:400])
