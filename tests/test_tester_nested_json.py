"""Tester: JSON two levels down. The README: names are found "also in JSON text inside a JSON
string (a tool call's arguments)". One level is; two are not: an LLM-as-judge eval (or a
summariser) sends the agent's transcript, tool calls included, as JSON text inside its prompt,
so a tool call's `arguments` is JSON inside a JSON string inside a JSON string
(`\\\\\\"db_password\\\\\\": ...`) and its credential field reaches the cassette.
Real proxy, the fake gateway's echo, httpx.
"""

from __future__ import annotations

import json

from conftest import proxied_client


def test_credential_field_in_a_transcript_inside_a_prompt_is_redacted(run_proxy, gateway,
                                                                      ca_cert, tmp_path):
    secret = "opaquePassw0rd" + "Value99"  # no key shape: only its field name gives it away
    call = {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {
        "name": "connect_db", "arguments": json.dumps({"host": "db", "db_password": secret})}}]}
    judge = {"model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": "Grade the agent's transcript from 1 to 5."},
        {"role": "user", "content": "Transcript:\n" + json.dumps([call])}]}
    cassette = tmp_path / "judge.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.post(f"{gateway.url}/echo?plain=1", json=judge).status_code == 200
        # One level down, the same call is redacted (the README's case): the rule is there.
        assert client.post(f"{gateway.url}/echo?plain=1",
                           json={"messages": [call]}).status_code == 200
    proxy.stop()
    text = cassette.read_text(encoding="utf-8")
    assert text.count("db_password") >= 4 and "<REDACTED>" in text
    assert secret not in text, "the transcript's tool call password reached the cassette"
