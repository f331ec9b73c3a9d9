"""Verify14: a value named as a credential that is a template reference is kept (the docs
stand-in fix, ee7540e), but the fix's own rule says a default beside a reference may be real
(`${KEY:-value}`, `os.getenv("KEY", "value")` are redacted). The template forms were left out:
Helm's `{{ .Values.pw | default "..." }}`, Jinja's `{{ pw | default('...') }}` and GitHub
Actions' `${{ secrets.X || '...' }}` hold a literal password as their default, and it was
recorded in the clear in the answer and in the question quoting it. Real proxy, httpx, a
loopback TLS upstream answering an OpenAI chat completion."""

from __future__ import annotations

import pytest
from tester10_upstream import record_chat_answer

REAL = "Zq8hunter2" + "Secret77xx"
SNIPPETS = {
    "helm-default": 'DB_PASSWORD={{ .Values.dbPassword | default "' + REAL + '" }}\n',
    "helm-default-first": 'DB_PASSWORD={{ default "' + REAL + '" .Values.dbPassword }}\n',
    "jinja-default": "api_key: \"{{ api_key | default('" + REAL + "') }}\"\n",
    "gha-or": "OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY || '" + REAL + "' }}\n",
}


@pytest.mark.parametrize("case", list(SNIPPETS))
def test_verify14_literal_default_in_a_template_is_redacted(case, run_proxy, gateway, ca_cert,
                                                          tmp_path):
    snippet = SNIPPETS[case]
    answer = f"Set it up like this:\n\n{snippet}\n"
    cassette = tmp_path / "docs.yaml"
    record_chat_answer(run_proxy, gateway, ca_cert, cassette, answer,
                       question=f"Is this right?\n{snippet}")
    text = cassette.read_text()
    assert REAL not in text, f"the {case} default's password was recorded"


# A quoted env name in a template is no default: the reference stays as the model wrote it.
KEPT = {
    "ansible-lookup": "api_key: \"{{ lookup('env', 'OPENAI_API_KEY') }}\"\n",
    "gha-index": "OPENAI_API_KEY: ${{ secrets['OPENAI_API_KEY'] }}\n",
}


@pytest.mark.parametrize("case", list(KEPT))
def test_verify14_quoted_env_name_in_a_template_is_kept(case, run_proxy, gateway, ca_cert,
                                                       tmp_path):
    snippet = KEPT[case]
    answer = f"Set it up like this:\n\n{snippet}\n"
    cassette = tmp_path / "docs.yaml"
    record_chat_answer(run_proxy, gateway, ca_cert, cassette, answer)
    text = cassette.read_text()
    assert "REDACTED" not in text, f"the {case} reference was redacted"
