"""Verify15: a `$NAME` reference is kept only when its digits end the whole name, though 613690e
says digits end a word (as in `${S3_SECRET_KEY}`, `%S3_SECRET_KEY%`,
`process.env.R2_SECRET_ACCESS_KEY`, all kept): `$S3_SECRET_KEY`, `$R2_SECRET_ACCESS_KEY` or
PowerShell's `$env:S3_SECRET_KEY` (env names of S3-compatible stores, Cloudflare R2) were
recorded as `<REDACTED>`, a reference that holds no secret; `$K9QW2ZP7` (digits inside a word)
still goes. Real proxy, httpx, a loopback TLS upstream answering with the model's snippet."""

from __future__ import annotations

import json

import pytest
from conftest import proxied_client
from tester10_upstream import tls_upstream

SNIPPETS = {
    "s3": "AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY\n",
    "r2": "environment:\n  - AWS_SECRET_ACCESS_KEY=$R2_SECRET_ACCESS_KEY\n",
    "powershell": "$env:AWS_SECRET_ACCESS_KEY = $env:S3_SECRET_KEY\n",
}


@pytest.mark.parametrize("case", list(SNIPPETS))
def test_verify15_dollar_reference_with_digit_word_is_kept(case, run_proxy, gateway, ca_cert,
                                                          tmp_path):
    answer = f"Set it like this:\n\n{SNIPPETS[case]}"
    body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {
                           "role": "assistant", "content": answer}}]}).encode()
    cassette = tmp_path / "ref.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [body]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions", json={
                "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "how?"}]})
            assert r.json()["choices"][0]["message"]["content"] == answer
        proxy.stop()
    text = cassette.read_text()
    assert "REDACTED" not in text, f"the {case} reference was redacted"


def test_verify15_dollar_password_with_digits_inside_still_goes(run_proxy, gateway, ca_cert,
                                                               tmp_path):
    secret = "$K9QW2" + "ZP7"
    cassette = tmp_path / "pw.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/x", json={"password": secret})
            assert r.status_code == 200
        proxy.stop()
    assert secret not in cassette.read_text()
