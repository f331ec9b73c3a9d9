"""Verify15: a `.env` line whose value is a template (`OPENAI_API_KEY={{ secrets.OPENAI_API_KEY }}`)
at the end of a JSON string ran on to the last `}}` before the next line break anywhere after it:
in a chat request, across the string's closing quote into the next message, so the kept
reference and the whole next message became one `<REDACTED>` (the assistant's turn gone from
the recording). The template ends at its own `}}`. Real proxy, httpx posting JSON to a loopback
TLS upstream."""

from __future__ import annotations

import json

from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

MESSAGES = [
    {"role": "user",
     "content": "Set this in the workflow:\nOPENAI_API_KEY={{ secrets.OPENAI_API_KEY }}"},
    {"role": "assistant", "content": "Done. The step reads {{ secrets.OPENAI_API_KEY }} now."},
    {"role": "user", "content": "Thanks"},
]


def test_verify15_template_value_ends_at_its_own_braces(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "template.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions",
                            json={"model": "gpt-4o", "messages": MESSAGES})
            assert r.status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    body = json.loads(i.request.body_bytes)
    assert body["messages"] == MESSAGES, body
