"""Tester3: a credential in a single-quoted mapping or a keyword argument is recorded as sent.
What users paste into a chat (and agents read from files and logs) is full of these: Python's
repr of a dict in a log line (`{'user': 'bob', 'password': '...'}`), a settings object's repr
or a call (`Settings(api_key='...')`, `connect(password='...')`), a PHP/Laravel config array
(`'password' => '...'`). The README redacts JSON fields by name (`"password": "..."`, also in
JSON text inside a string) and `.env`/YAML lines; these forms of the same name are left as they
are and `vcrproxy check` says ok. Real proxy, the openai SDK, the fake gateway's chat endpoint.
"""

from __future__ import annotations

import ssl

import httpx
import openai
import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77"

TEXTS = {
    "python-dict-repr": f"DEBUG settings loaded: {{'host': 'db.internal', 'user': 'app', "
                        f"'password': '{SECRET}'}}",
    "python-kwargs": f"Settings(openai_base_url='https://gw.internal', api_key='{SECRET}')",
    "php-array": f"'mysql' => [\n    'host' => 'db.internal',\n    'password' => '{SECRET}',\n],",
}


@pytest.mark.parametrize("form", list(TEXTS))
def test_credential_in_a_single_quoted_mapping_is_redacted(form, run_proxy, gateway, ca_cert,
                                                           tmp_path):
    cassette = tmp_path / "chat.yaml"
    proxy = run_proxy(cassette, "record")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert)) as hc:
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="sk-test", http_client=hc,
                               max_retries=0)
        r = client.chat.completions.create(model="gpt-4o-mini", messages=[
            {"role": "user", "content": f"My app fails to connect. Log:\n{TEXTS[form]}\n"}])
        assert r.choices
    proxy.stop()
    text = cassette.read_text()
    assert "fails to connect" in text  # (the message was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert SECRET not in text, (f"the {form} credential reached the cassette", out.output)
