"""Verify15: since 5ccec3a a template's quoted literal is kept when it reads as an env name
(`[A-Z][A-Z0-9_]*`), so that `{{ env "API_KEY" }}` stays; but a default written in upper case
is no name: `{{ .Values.dbPassword | default "PROD_DB_PASS_2024" }}` or `${{ secrets.X ||
'PROD_DB_PASS_2024' }}` (a weak real password, its words letters with digits at the end) was
recorded as a stand-in. What decides is where the literal sits: after `default`, `||`, `??`
or `or` it is a default. Real proxy, httpx, a loopback TLS upstream."""

from __future__ import annotations

import pytest
from conftest import proxied_client
from tester10_upstream import tls_upstream

REAL = "PROD_DB_PASS" + "_2024"
SNIPPETS = {
    "helm-default": 'DB_PASSWORD={{ .Values.dbPassword | default "' + REAL + '" }}\n',
    "helm-default-first": 'DB_PASSWORD={{ default "' + REAL + '" .Values.dbPassword }}\n',
    "gha-or": "DB_PASSWORD: ${{ secrets.DB_PASSWORD || '" + REAL + "' }}\n",
}


@pytest.mark.parametrize("case", list(SNIPPETS))
def test_verify15_upper_case_default_in_a_template_is_redacted(case, run_proxy, gateway,
                                                               ca_cert, tmp_path):
    snippet = SNIPPETS[case]
    cassette = tmp_path / "docs.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions", json={
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": f"Is this right?\n{snippet}"}]})
            assert r.status_code == 200
        proxy.stop()
    text = cassette.read_text()
    assert REAL not in text, f"the {case} default's password was recorded"
