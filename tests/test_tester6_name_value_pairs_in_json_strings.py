"""Tester6: name/value pairs (round 11: `{"name": "DB_PASSWORD", "value": ...}`, Kubernetes
env lists in JSON and YAML) are redacted only when they are the body itself. Where an LLM
exchange carries them, inside a JSON string, they are recorded as sent and `vcrproxy check`
says ok:

- a Kubernetes manifest pasted into a chat message (its `env:` list: `- name: DB_PASSWORD` /
  `value: ...`), while the same YAML as a raw body is redacted;
- an OpenAI tool call's `arguments` (`{"name": "DB_PASSWORD", "value": ...}` for a `set_env`
  tool), sent back in the next request's history, while Anthropic's `tool_use.input`, the same
  pair as JSON, is redacted. The README reads names "also in JSON text inside a JSON string
  (a tool call's `arguments`)".

Real proxy, the openai SDK, the fake gateway's chat endpoint.
"""

from __future__ import annotations

import json
import ssl

import httpx
import openai
import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77xx"

MANIFEST = f"""apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.4
        env:
        - name: DB_PASSWORD
          value: {SECRET}
        - name: LOG_LEVEL
          value: info
"""

MESSAGES = {
    "k8s-manifest-in-a-message": [
        {"role": "user", "content": f"Why does this pod crash?\n{MANIFEST}"}],
    "pair-in-tool-arguments": [
        {"role": "user", "content": "Set the database password for the api service."},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {
                "name": "set_env",
                "arguments": json.dumps({"name": "DB_PASSWORD", "value": SECRET})}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "done"}],
}


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_tester6_name_value_pair_inside_a_json_string_is_redacted(kind, run_proxy, gateway,
                                                                  ca_cert, tmp_path):
    cassette = tmp_path / "chat.yaml"
    proxy = run_proxy(cassette, "record")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert)) as hc:
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="sk-test", http_client=hc,
                               max_retries=0)
        r = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES[kind])
        assert r.choices
    proxy.stop()
    text = cassette.read_text()
    assert "DB_PASSWORD" in text  # (the messages were recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in text, ("the pair's value reached the cassette", out.output)
