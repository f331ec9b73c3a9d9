"""Tester6: a credential passed as a double-quoted keyword argument or attribute
(`psycopg2.connect(host="db", password="...")`, `OpenAI(api_key="...")`: black's and most
formatters' quoting; `const apiKey = "..."`, PHP's `'password' => "..."`) is redacted in a
plain-text body but recorded as sent when the code sits in
a JSON string, i.e. in every chat message and every tool call that writes a file: there the
quotes are written `\\"` and the rule no longer sees them. The single-quoted form in the same
message is redacted (README: "single-quoted mappings and keyword arguments (`api_key='...'`)"),
and `vcrproxy check` says ok. Real proxy, the openai SDK, the fake gateway's chat endpoint.
"""

from __future__ import annotations

import ssl

import httpx
import openai
import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77xx"

CODE = {
    "password-kwarg": f'conn = psycopg2.connect(host="db", user="app", password="{SECRET}")',
    "api-key-kwarg": f'client = Client(base_url="https://x", api_key="{SECRET}")',
    # (the same double quotes after `=` / `=>` in other languages: redacted in a text body,
    # recorded as sent in a chat message)
    "typescript-const": f'const apiKey = "{SECRET}";',
    "php-array": f"$db = ['host' => 'db', 'password' => \"{SECRET}\"];",
}


@pytest.mark.parametrize("kind", list(CODE))
def test_tester6_double_quoted_kwarg_in_a_chat_message_is_redacted(kind, run_proxy, gateway,
                                                                  ca_cert, tmp_path):
    cassette = tmp_path / "chat.yaml"
    proxy = run_proxy(cassette, "record")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert)) as hc:
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="sk-test", http_client=hc,
                               max_retries=0)
        r = client.chat.completions.create(model="gpt-4o-mini", messages=[
            {"role": "user", "content": f"Why does this fail?\n{CODE[kind]}\n"}])
        assert r.choices
    proxy.stop()
    text = cassette.read_text()
    assert "Why does this fail" in text  # (the message was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in text, ("the keyword argument's value reached the cassette", out.output)
