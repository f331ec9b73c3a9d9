"""Tester3: a Gemini ephemeral token is written to the cassette in the answer that hands it
out, while every request that uses it has it redacted. `POST /v1alpha/auth_tokens` answers
`{"name": "auth_tokens/..."}` and the client then uses that name as its API key
(`x-goog-api-key: auth_tokens/...`, `?key=` / `?access_token=` for Live): those places become
`<REDACTED>`, but the token itself stays in the first interaction's response body (`name` is
no credential name, `auth_tokens/...` no shape, and echoes are searched per interaction). The
README treats OpenAI's ephemeral `ek_` keys and Realtime client secrets as secrets; check says
ok here. Real proxy, a loopback Gemini-shaped upstream, httpx.
"""

from __future__ import annotations

import http.server
import json
import threading

from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

API_KEY = SHAPE_EXAMPLES["google"]
TOKEN = "auth_tokens/" + "7f3a9c2e1b8d4f6a0c5e7b9d1f3a5c7e" * 2


class _Gemini(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/v1alpha/auth_tokens"):
            body = {"name": TOKEN, "uses": 1, "expireTime": "2026-12-01T13:00:00Z",
                    "newSessionExpireTime": "2026-12-01T12:31:00Z"}
        else:
            body = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}}]}
        out = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


def test_ephemeral_token_is_not_recorded_where_it_is_handed_out(run_proxy, ca_cert, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gemini)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    cassette = tmp_path / "ephemeral.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{base}/v1alpha/auth_tokens", headers={"x-goog-api-key": API_KEY},
                            json={"uses": 1})
            token = r.json()["name"]
            assert token == TOKEN
            r = client.post(f"{base}/v1beta/models/gemini-2.0-flash:generateContent",
                            headers={"x-goog-api-key": token},
                            json={"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]})
            assert r.status_code == 200
        proxy.stop()
    finally:
        server.shutdown()
    text = cassette.read_text()
    assert text.count("<REDACTED>") >= 2  # (the key and the token as a header were redacted)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert TOKEN not in text, (
        "the ephemeral token reached the cassette in the answer naming it", out.output)
