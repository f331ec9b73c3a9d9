"""Tester: the response status line is a place redaction never looks at. An HTTP/1.1 upstream
may put anything in its reason phrase (a gateway: `401 Invalid key <the key>`); it is recorded
into `status:` as it came, and `vcrproxy check` of that cassette says ok. Real proxy, a real
loopback HTTP/1.1 server (plain HTTP: the fake gateway always sends the standard reasons),
httpx; the fake key is built at runtime.
"""

from __future__ import annotations

import httpx
from click.testing import CliRunner
from conftest import raw_answers
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]


def test_reason_phrase_with_a_key_is_redacted(run_proxy, tmp_path):
    body = b'{"error": {"message": "invalid key"}}'
    answer = (b"HTTP/1.1 401 Invalid key " + KEY.encode() + b"\r\nContent-Type: application/json"
              b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
              + body)
    cassette = tmp_path / "status.yaml"
    with raw_answers([answer]) as base:
        proxy = run_proxy(cassette, "record")
        with httpx.Client(proxy=proxy.url, timeout=10) as client:
            r = client.get(f"{base}/v1/models")
        assert r.status_code == 401 and KEY in r.reason_phrase
        proxy.stop()
    text = cassette.read_text(encoding="utf-8")
    assert "status: 401" in text
    checked = CliRunner().invoke(main, ["check", str(cassette)], prog_name="vcrproxy")
    assert KEY not in text, f"recorded as it came; check says: {checked.output.strip()}"
