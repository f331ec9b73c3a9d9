"""Tester10: key shapes are redacted anywhere, also where docs and generated code write a
stand-in of the key's form: AWS's documented example `AKIAIOSFODNN7EXAMPLE`, `ghp_` followed
by x's (GitHub's docs), `AIzaSyXXXX...`, `sk-ant-api03-xxxx...`, `hf_xxxx...`. Each becomes
`<REDACTED>` in a code-generation answer and in the question quoting it, so the recording no
longer says what the model wrote (and `check` reports a secret where none is). A real key
beside them must still go. Real proxy, httpx, a loopback TLS upstream answering an OpenAI chat
completion."""

from __future__ import annotations

import json

import pytest
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

REAL = SHAPE_EXAMPLES["github"]
STAND_INS = {
    "aws-example": "AKIA" + "IOSFODNN7" + "EXAMPLE",
    "github-x": "gh" + "p_" + "x" * 36,
    "google-X": "AI" + "zaSy" + "X" * 33,
    "anthropic-x": "sk-" + "ant-api03-" + "x" * 40,
    "huggingface-x": "h" + "f_" + "x" * 34,
}


@pytest.mark.parametrize("case", list(STAND_INS))
def test_tester10_stand_in_key_in_a_code_answer_is_kept(case, run_proxy, gateway, ca_cert,
                                                        tmp_path):
    stand_in = STAND_INS[case]
    answer = f"Put this in your config:\n\n    {stand_in}\n\n(yours was {REAL}, revoke it)\n"
    body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {
                           "role": "assistant", "content": answer}}]}).encode()
    question = f"What does the placeholder {stand_in} stand for?"
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
    assert REAL not in cassette.read_text()  # (a real key still goes)
    assert f"    {stand_in}\n" in got, (f"the {case} stand-in was redacted", got)
    assert asked == question, asked
