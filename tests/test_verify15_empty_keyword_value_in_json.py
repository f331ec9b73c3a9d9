"""Verify15: the empty-assignment fix (0329e11) covered a name at a JSON string's start or after
an escaped line break; a name after a space or `(` in prose or code a user quotes
(`...connect(password=`, `... root password=`, `use Password=` at the end of a message) was
still read as a keyword argument whose quoted value opens at the string's closing quote and
closes at the next string's opening quote, so `", "` or `"},{"` between two messages became
`<REDACTED>` and the recorded body was no JSON. Real proxy, httpx, a loopback TLS upstream."""

from __future__ import annotations

import json

import pytest
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

ENDS = {
    "call": "It fails with connect(password=",
    "prose": "I typed mysql -u root password=",
    "capitalised": "use Password=",
}


@pytest.mark.parametrize("case", list(ENDS))
def test_verify15_empty_keyword_value_at_a_strings_end(case, run_proxy, gateway, ca_cert,
                                                       tmp_path):
    messages = [{"role": "user", "content": ENDS[case]},
                {"role": "assistant", "content": "Quote the value."}]
    cassette = tmp_path / "empty.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions",
                            json={"model": "gpt-4o", "messages": messages})
            assert r.status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    raw = i.request.body_bytes
    assert b"<REDACTED>" not in raw, raw
    assert json.loads(raw)["messages"] == messages
