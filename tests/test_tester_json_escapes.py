"""Tester: JSON escapes that encoders write by default cut a key's run of characters. PHP's
`json_encode` writes `/` as `\\/`; .NET's System.Text.Json writes `+` as `\\u002B`. Keys in the
base64 alphabet (Amazon Bedrock API keys `ABSKQmVkcm9ja0FQSUtleS...`, AWS session tokens,
Azure storage keys) hold both, so the shape, matched on the raw bytes, stops at the first
escape and the key is recorded (the whole of it when the first `/` or `+` comes early).
Real proxy, the fake gateway's echo, httpx sending the bytes such a client sends.
"""

from __future__ import annotations

import json

import pytest
from conftest import proxied_client

from vcrproxy import load_cassette

# A Bedrock API key: base64 of "BedrockAPIKey-<id>:<secret>", so + and / come anywhere.
BEDROCK = "ABSK" + "QmVkcm9ja0FQSUtleS" + "1hYmNk+ZWZnaGlq/a2xtbm9wcXJz+dHV2d3h5/YWJjZGVm"


@pytest.mark.parametrize("encoder", ["php", "dotnet"])
def test_escaped_base64_key_in_json_is_redacted(run_proxy, gateway, ca_cert, tmp_path, encoder):
    raw = json.dumps({"provider": "bedrock", "note": BEDROCK})
    raw = raw.replace("/", "\\/") if encoder == "php" else raw.replace("+", "\\u002B")
    assert json.loads(raw)["note"] == BEDROCK  # (the same JSON value)
    cassette = tmp_path / "esc.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(f"{gateway.url}/echo?plain=1", content=raw.encode(),
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 200
    proxy.stop()
    (i,) = load_cassette(cassette).interactions
    note = json.loads(i.request.body_bytes)["note"]
    assert BEDROCK[20:40] not in note, f"recorded: {note[:24]}..."
