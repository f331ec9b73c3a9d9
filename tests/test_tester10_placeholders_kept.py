"""Tester10: values named as credentials are redacted wherever code or config is written
(`.env` lines, YAML, keyword arguments, `curl -H`), but a docs or code-generation answer names
credentials without holding any: `${{ secrets.GITHUB_TOKEN }}`, `$OPENAI_API_KEY`,
`<your-api-key>`, `sk-...`, `YOUR_API_KEY`, `os.getenv("OPENAI_API_KEY")`. Each became
`<REDACTED>`, in the answer and in the question quoting it, so the recorded answer no longer
says what the model wrote (a test asserting on the generated code fails on replay, `show`
shows markers where no secret was). A real value beside them must still go. Real proxy, httpx,
a loopback TLS upstream answering an OpenAI chat completion."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

REAL = "Zq8hunter2" + "Secret77xx"
REAL_DOLLAR = "$K9QW" + "2ZP7"  # (a password starting with `$`: no reference)
SNIPPETS = {
    "gha-secrets": "env:\n  OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}\n"
                   "  GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n",
    "shell-var": "export OPENAI_API_KEY=$OPENAI_API_KEY\n",
    "braced-var": "DB_PASSWORD=${DB_PASSWORD}\n",
    "angle": 'export OPENAI_API_KEY="<your-api-key>"\n',
    "ellipsis": 'client = OpenAI(api_key="sk-...")\n',
    "your-key": "OPENAI_API_KEY=YOUR_API_KEY\n",
    "your-key-here": "ANTHROPIC_API_KEY=your-anthropic-api-key-here\n",
    "getenv": "api_key = os.getenv('OPENAI_API_KEY')\n",
    "process-env": "apiKey: process.env.OPENAI_API_KEY,\n",
    "curl-bearer-var": "curl https://api.openai.com/v1/models"
                       " -H 'Authorization: Bearer $OPENAI_API_KEY'\n",
    "bearer-angle": "Authorization: Bearer <token>\n",
    "cmd-var": "set OPENAI_API_KEY=%OPENAI_API_KEY%\n",
    "template": 'api_key: "{{ .Values.apiKey }}"\n',
    "xxx": "API_KEY=xxxxxxxxxxxxxxxxxxxx\n",
}


@pytest.mark.parametrize("case", list(SNIPPETS))
def test_tester10_placeholder_in_a_code_answer_is_kept(case, run_proxy, gateway, ca_cert,
                                                       tmp_path):
    snippet = SNIPPETS[case]
    answer = (f"Set it up like this:\n\n{snippet}\nand for the database:\nDB_PASSWORD={REAL}\n"
              f"ADMIN_PASSWORD={REAL_DOLLAR}\n")
    body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {
                           "role": "assistant", "content": answer}}]}).encode()
    question = f"Is this right?\n{snippet}"
    cassette = tmp_path / "docs.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [body]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions", json={
                "model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]})
        assert r.json()["choices"][0]["message"]["content"] == answer
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    got = json.loads(i.response.body_bytes)["choices"][0]["message"]["content"]
    asked = json.loads(i.request.body_bytes)["messages"][0]["content"]
    assert REAL not in cassette.read_text()  # (a real password still goes)
    assert REAL_DOLLAR not in got
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert snippet in got, (f"the {case} placeholder was redacted in the answer", got,
                            out.output)
    assert asked == question, (f"the {case} placeholder was redacted in the question", asked)
