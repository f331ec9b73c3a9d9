"""Tester10: key shapes must start after a non-word character (`\\bsk-...`), but in a JSON
string the character before a key at a line's start is the `n` of its `\\n` escape (`\\t`,
`\\r` alike; `\\u00e9` ends in a hex digit): a model's answer "Here is the key:\\nsk-proj-..."
or a user message pasting a key on its own line keeps the key in the cassette, raw, in both
bodies, and `vcrproxy check` says ok. The same key after a space is redacted. Real proxy,
httpx, a loopback TLS upstream answering an OpenAI chat completion."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

SHAPES = ["openai", "anthropic", "google", "github", "aws-access-key", "jwt", "google-refresh"]
BEFORE = {"newline": "Here it is:\n", "tab": "key\t", "crlf": "key:\r\n",
          "accented": "cl\u00e9 "[:-1]}


@pytest.mark.parametrize("before", list(BEFORE))
@pytest.mark.parametrize("shape", SHAPES)
def test_tester10_key_after_a_json_escape_is_redacted(shape, before, run_proxy, gateway, ca_cert,
                                                      tmp_path):
    key = SHAPE_EXAMPLES[shape]
    text = BEFORE[before] + key + "\nKeep it safe."
    body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {
                           "role": "assistant", "content": text}}]}).encode()
    cassette = tmp_path / "escaped.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [body]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions", json={
                "model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]})
        assert r.json()["choices"][0]["message"]["content"] == text
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    got = json.loads(i.response.body_bytes)["choices"][0]["message"]["content"]
    asked = json.loads(i.request.body_bytes)["messages"][0]["content"]
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert key not in got, (f"a {shape} key after {before} reached the answer", out.output)
    assert key not in asked, (f"a {shape} key after {before} reached the question", out.output)
    assert got == BEFORE[before] + "<REDACTED>\nKeep it safe.", got
