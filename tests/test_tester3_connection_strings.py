"""Tester3: the password or key in a connection string is recorded as sent. .NET, ODBC and
Azure services write credentials as `;`-separated pairs: Azure SQL's
`Server=tcp:...;User ID=sa;Password=...;`, ODBC's `Uid=sa;Pwd=...;`, Azure Service Bus /
Event Hubs / IoT Hub's `...;SharedAccessKeyName=Root;SharedAccessKey=<base64>`. The README
covers Azure Storage's `AccountKey=` (a shape) and URL passwords (`postgres://app:pw@db`), but
these pairs, pasted into a chat or read by an agent from `appsettings.json`, stay as they are
and `vcrproxy check` says ok. Real proxy, the openai SDK, the fake gateway's chat endpoint.
"""

from __future__ import annotations

import ssl

import httpx
import openai
import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77"
SAS_KEY = "q3Zx9" + "LmN2pQ7rS5tU1vW8yA4bC6dE0fG3hJ5kL="

STRINGS = {
    "azure-sql": (f"Server=tcp:acme.database.windows.net,1433;Initial Catalog=shop;"
                  f"User ID=sa;Password={SECRET};Encrypt=True;", SECRET),
    "odbc": (f"Driver={{ODBC Driver 18 for SQL Server}};Server=db;Uid=sa;Pwd={SECRET};",
             SECRET),
    "service-bus": ("Endpoint=sb://acme.servicebus.windows.net/;"
                    f"SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={SAS_KEY}",
                    SAS_KEY),
}


@pytest.mark.parametrize("kind", list(STRINGS))
def test_credential_in_a_connection_string_is_redacted(kind, run_proxy, gateway, ca_cert,
                                                       tmp_path):
    conn, secret = STRINGS[kind]
    cassette = tmp_path / "chat.yaml"
    proxy = run_proxy(cassette, "record")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert)) as hc:
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="sk-test", http_client=hc,
                               max_retries=0)
        r = client.chat.completions.create(model="gpt-4o-mini", messages=[
            {"role": "user", "content": f"Why does this connection string fail?\n{conn}"}])
        assert r.choices
    proxy.stop()
    text = cassette.read_text()
    assert "connection string fail" in text  # (the message was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert secret not in text, (f"the {kind} credential reached the cassette", out.output)
