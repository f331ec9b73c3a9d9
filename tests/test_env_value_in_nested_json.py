"""A `.env`-style assignment (`AccountKey=...`, `DB_PASSWORD=...`) that fills a string of JSON
text inside a JSON string (a tool call's `arguments`) ends at that inner string's closing
`\\"`: the value runs on past a quote only when the quote is deeper than the string holding it
(code's `os.getenv(\\"X\\", \\"...\\")`). Before, it ran to the outer string's end and the
recorded arguments were no longer JSON. Real proxy, httpx, a loopback TLS upstream."""

from __future__ import annotations

import json

import pytest
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

SECRET = "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9wX1yZaB3dE5fG7hJ9kL1mN3pQ5rS7tU9wX1yZ=="


@pytest.mark.parametrize("text", [f"AccountKey={SECRET}", "DB_PASSWORD=Zq8hunter2Secret77xx"])
def test_an_assignment_in_tool_arguments_keeps_them_json(text, run_proxy, gateway, ca_cert,
                                                        tmp_path):
    args = json.dumps({"city": "Paris", "note": text})
    body = {"model": "gpt-4o-mini", "messages": [{"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": args}}]}]}
    cassette = tmp_path / "args.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b'{"ok": true}']) \
            as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            assert client.post(f"{upstream}/v1/chat/completions", json=body).status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    recorded = json.loads(i.request.body_bytes)
    got = json.loads(recorded["messages"][0]["tool_calls"][0]["function"]["arguments"])
    assert got["city"] == "Paris" and got["note"].endswith("=<REDACTED>"), got
    assert text.partition("=")[2] not in i.request.body_bytes.decode()
