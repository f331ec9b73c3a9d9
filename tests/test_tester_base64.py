"""Tester: a key inside base64 text the request carries. A coding agent attaches a text file
(a `.env`, a config) to an Anthropic message as a base64 `document` block (OpenAI's `file_data`
data URL is the same): the key is in the cassette, base64-encoded, where no shape can see it,
and `vcrproxy check` says ok. Real proxy, fake gateway, httpx; the fake key is built at runtime.
"""

from __future__ import annotations

import base64
import json

from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["anthropic"]


def test_key_in_a_base64_text_document_is_redacted(run_proxy, gateway, ca_cert, tmp_path):
    env_file = f"# local settings\nANTHROPIC_API_KEY={KEY}\nDEBUG=1\n".encode()
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user",
            "content": [
                {"type": "document", "source": {"type": "base64", "media_type": "text/plain",
                                                "data": base64.b64encode(env_file).decode()}},
                {"type": "text", "text": "Why does my app not start?"}]}]}
    cassette = tmp_path / "doc.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(f"{gateway.url}/v1/messages", json=body,
                        headers={"anthropic-version": "2023-06-01"})
        assert r.status_code == 200, r.text[:300]
    proxy.stop()
    (i,) = load_cassette(cassette).interactions
    sent = json.loads(i.request.body_bytes)
    data = sent["messages"][0]["content"][0]["source"]["data"]
    try:
        decoded = base64.b64decode(data, validate=True)
    except ValueError:
        decoded = b""  # (no longer base64: redacted some other way)
    checked = CliRunner().invoke(main, ["check", str(cassette)], prog_name="vcrproxy")
    assert KEY.encode() not in decoded, (
        f"the base64 document still decodes to the key; check says: {checked.output.strip()}")
