"""Tester: the logprobs exception is body-wide. A JSON field named `token` is left alone in any
body that contains the text `logprob` anywhere (redaction._json_values: `token` is a token's
text in `top_logprobs[].token`). A chat request that asks for `logprobs: true` (a standard
OpenAI parameter) and carries a credential under `token` elsewhere (an MCP tool's headers)
keeps it: the same request without `logprobs` is redacted. Real proxy, fake gateway, httpx.
"""

from __future__ import annotations

from conftest import proxied_client


def test_token_field_is_redacted_in_a_request_asking_for_logprobs(run_proxy, gateway, ca_cert,
                                                                  tmp_path):
    secret = "opaqueSessionT0ken" + "42"
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "mcp", "server_label": "crm",
                       "server_url": "https://mcp.example", "headers": {"token": secret}}]}
    cassette = tmp_path / "lp.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        for extra in ({}, {"logprobs": True, "top_logprobs": 2}):
            r = client.post(f"{gateway.url}/echo?plain=1", json={**body, **extra})
            assert r.status_code == 200
    proxy.stop()
    text = cassette.read_text(encoding="utf-8")
    first, second = text.split("\n- id: 1\n")
    assert secret not in first  # without logprobs: redacted by name
    assert secret not in second, "the `token` credential was kept because of logprobs: true"
