"""Tester6: a credential-named `NAME=value` is redacted at a line's start (`.env`, `export`,
PowerShell `$env:`, cmd `set`) but recorded as sent when a command or keyword comes first on
the line, in the commonest places users paste secrets into a chat: a Dockerfile's
`ENV API_TOKEN=...` / `ARG DB_PASSWORD=...`, `docker run -e DB_PASSWORD=...`,
`env DB_PASSWORD=... ./app`, `heroku config:set API_KEY=...`. (`docker run -e "NAME=..."`,
quoted, is redacted.) An upper-case credential-named variable followed by `=` is no prose
word; `vcrproxy check` says ok. Real proxy, the openai SDK, the fake gateway's chat endpoint.
"""

from __future__ import annotations

import ssl

import httpx
import openai
import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77xx"

LINES = {
    "dockerfile-env": f"FROM python:3.12\nENV API_TOKEN={SECRET}\nRUN pip install -r req.txt",
    "dockerfile-arg": f"FROM node:22\nARG DB_PASSWORD={SECRET}\nRUN npm ci",
    "docker-run-e": f"docker run -e DB_PASSWORD={SECRET} -p 5432:5432 postgres:16",
    "env-command": f"env DB_PASSWORD={SECRET} ./server --port 8080",
    "heroku-config": f"heroku config:set OPENAI_API_KEY={SECRET} -a my-app",
}


@pytest.mark.parametrize("kind", list(LINES))
def test_tester6_credential_assignment_after_a_command_is_redacted(kind, run_proxy, gateway,
                                                                   ca_cert, tmp_path):
    cassette = tmp_path / "chat.yaml"
    proxy = run_proxy(cassette, "record")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert)) as hc:
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="sk-test", http_client=hc,
                               max_retries=0)
        r = client.chat.completions.create(model="gpt-4o-mini", messages=[
            {"role": "user", "content": f"Why does this fail?\n{LINES[kind]}\n"}])
        assert r.choices
    proxy.stop()
    text = cassette.read_text()
    assert "Why does this fail" in text  # (the message was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in text, ("the assigned credential reached the cassette", out.output)
