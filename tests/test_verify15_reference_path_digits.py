"""Verify15: since 613690e a reference is kept only when every word in it has its digits at the
word's end, so that `${K9QW2ZP7xq}` or `{{Zq8hunter2...}}` (a password in those marks) goes; but
a reference that looks a name up by path or by a call names no secret whatever the name's words:
`${{ secrets.K8S_TOKEN }}`, `${{ secrets.E2E_PASSWORD }}` (GitHub Actions), `{{ .Values.k8sToken
}}` (Helm), `process.env.E2E_PASSWORD`, `os.getenv("K8S_TOKEN")` were recorded as `<REDACTED>`.
Real proxy, httpx, a loopback TLS upstream answering with the model's snippet."""

from __future__ import annotations

import json

import pytest
from conftest import proxied_client
from tester10_upstream import tls_upstream

SNIPPETS = {
    "gha-k8s": "env:\n  K8S_TOKEN: ${{ secrets.K8S_TOKEN }}\n",
    "gha-e2e": "env:\n  E2E_PASSWORD: ${{ secrets.E2E_PASSWORD }}\n",
    "helm": "k8sToken: {{ .Values.k8sToken }}\n",
    "node": "E2E_PASSWORD=process.env.E2E_PASSWORD\n",
    "python": 'K8S_TOKEN = os.getenv("K8S_TOKEN")\n',
}


@pytest.mark.parametrize("case", list(SNIPPETS))
def test_verify15_reference_by_path_is_kept(case, run_proxy, gateway, ca_cert, tmp_path):
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
