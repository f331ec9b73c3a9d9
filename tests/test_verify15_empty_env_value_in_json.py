"""Verify15: a JSON string that ends with an assignment left empty (a user quoting their `.env`:
`...\\nOPENAI_API_KEY=`) was read as a quoted `.env` value opening at the string's closing quote
and closing at the next string's opening quote, so `", "` or `"},{"` between two messages became
`<REDACTED>`: the recorded request body is no longer JSON (and `show`, `diff` and replay's
matching read it as text). Real proxy, httpx posting a chat request to a loopback TLS upstream."""

from __future__ import annotations

import json

from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

MESSAGES = [
    {"role": "user",
     "content": "My .env is below, what is missing?\nMODEL=gpt-4o\nOPENAI_API_KEY="},
    {"role": "assistant", "content": "The key is empty: set OPENAI_API_KEY."},
]


def test_verify15_empty_value_at_a_strings_end_keeps_the_json(run_proxy, gateway, ca_cert,
                                                              tmp_path):
    cassette = tmp_path / "empty.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions",
                            json={"model": "gpt-4o", "messages": MESSAGES})
            assert r.status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    raw = i.request.body_bytes
    assert "<REDACTED>" not in raw.decode(), raw
    assert json.loads(raw)["messages"] == MESSAGES
