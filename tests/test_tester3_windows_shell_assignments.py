"""Tester3: a key set in a Windows shell is recorded as sent. The README redacts "`.env` and
shell assignments at a line's start in any body (`DB_PASSWORD=...`,
`export API_TOKEN="..."`)"; the Windows ways to do the same, which Azure OpenAI's quickstarts
print for exactly this key (PowerShell `$env:AZURE_OPENAI_API_KEY = "..."`, cmd
`set AZURE_OPENAI_API_KEY=...` and `setx AZURE_OPENAI_API_KEY "..."`), are left as they are:
an Azure key is 32 hex characters, no shape, so only its name gives it away, and `vcrproxy
check` says ok. A user pasting their terminal into a chat sends exactly that.
Real proxy, the openai SDK, the fake gateway's chat endpoint.
"""

from __future__ import annotations

import ssl

import httpx
import openai
import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main

AZURE_KEY = "3f9a1c7e5b2d4068" + "a9c1e3f5b7d90a2c"

LINES = {
    "powershell": f'$env:AZURE_OPENAI_API_KEY = "{AZURE_KEY}"',
    "cmd-set": f"set AZURE_OPENAI_API_KEY={AZURE_KEY}",
    "cmd-setx": f'setx AZURE_OPENAI_API_KEY "{AZURE_KEY}"',
}


@pytest.mark.parametrize("shell", list(LINES))
def test_windows_shell_assignment_of_a_key_is_redacted(shell, run_proxy, gateway, ca_cert,
                                                       tmp_path):
    cassette = tmp_path / "chat.yaml"
    proxy = run_proxy(cassette, "record")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert)) as hc:
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="sk-test", http_client=hc,
                               max_retries=0)
        text = f"I ran this and still get 401:\n{LINES[shell]}\npython app.py\n"
        r = client.chat.completions.create(model="gpt-4o-mini",
                                           messages=[{"role": "user", "content": text}])
        assert r.choices
    proxy.stop()
    recorded = cassette.read_text()
    assert "still get 401" in recorded  # (the message was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert AZURE_KEY not in recorded, (f"the key set in {shell} reached the cassette", out.output)
