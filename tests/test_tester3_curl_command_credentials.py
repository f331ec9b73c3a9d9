"""Tester3: credentials in a curl command an agent ran are recorded as sent. Coding agents run
shell commands through a tool and send every earlier `tool_use` input back with each turn, so a
`curl -H 'Authorization: Token <key>'` (Deepgram's and Replicate's scheme) or a
`curl -u user:password` reaches the API on every later request (a `-H "api-key: <key>"` is
redacted). The README redacts these by name as headers, and as `Header: value` text lines
(`Authorization: Token ...` at a line's start is redacted); inside the command they stay
(only a `Bearer` token, found by shape, is masked), and `vcrproxy check` says ok.
Real proxy, the anthropic SDK, the fake gateway's Messages endpoint.
"""

from __future__ import annotations

import ssl

import anthropic
import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main

SECRET = "7c1e9a4f2b8d6035e1a7c9f3b5d2e8a4c6f0b1d3"  # a Deepgram-style 40-hex key: no shape

COMMANDS = {
    "authorization-token": f"curl -s -H 'Authorization: Token {SECRET}' "
                           "https://api.deepgram.com/v1/projects",
    "user-password": f"curl -s -u deploy:{SECRET} https://registry.example.com/v2/_catalog",
}


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_credentials_in_a_curl_tool_call_are_redacted(kind, run_proxy, gateway, ca_cert,
                                                      tmp_path):
    cassette = tmp_path / "agent.yaml"
    proxy = run_proxy(cassette, "record")
    verify = ssl.create_default_context(cafile=ca_cert)
    with anthropic.DefaultHttpxClient(proxy=proxy.url, verify=verify, timeout=20) as hc:
        client = anthropic.Anthropic(base_url=gateway.url, api_key="sk-ant-test", http_client=hc,
                                     max_retries=0)
        msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=[
            {"role": "user", "content": "List my projects"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01", "name": "bash",
                                               "input": {"command": COMMANDS[kind]}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01",
                                          "content": "401 Unauthorized"}]}])
        assert msg.content
    proxy.stop()
    text = cassette.read_text()
    assert "tool_use" in text  # (the conversation was recorded)
    if SECRET in text:
        out = CliRunner().invoke(main, ["check", str(cassette)])
        assert SECRET not in text, f"the {kind} credential reached the cassette; {out.output}"
