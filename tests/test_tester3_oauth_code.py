"""Tester3: an OAuth authorization code is recorded as sent in the token request that redeems
it and in the redirect that delivers it. RFC 6749 1.3 calls an authorization grant (the code,
1.3.1) "a credential representing the resource owner's authorization"; the README redacts Google's
(`4/0A...`, by shape), RFC 8628's `device_code` and RFC 7636's `code_verifier`, but the `code`
of any other provider (GitHub, an MCP server's auth, a CLI's login against its console) stays
in `grant_type=authorization_code&code=...` and in `Location: ...?code=...&state=...`, and
`vcrproxy check` says ok. Real proxy, a loopback authorization server, httpx.
"""

from __future__ import annotations

import http.server
import json
import threading

from click.testing import CliRunner
from conftest import proxied_client

from vcrproxy.cli.main import main

CODE = "SplxlOBeZQQYbYS6" + "WxSbIA8f3k2"


class _Auth(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802  the authorization endpoint redirects with the code
        self.send_response(302)
        self.send_header("Location", f"http://127.0.0.1:8976/callback?code={CODE}&state=af0ifj")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):  # noqa: N802  the token endpoint redeems it
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = json.dumps({"access_token": "opaqueAccessTok3n", "token_type": "Bearer",
                          "expires_in": 3600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


def test_authorization_code_is_redacted(run_proxy, ca_cert, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Auth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    cassette = tmp_path / "oauth.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(f"{base}/authorize?response_type=code&client_id=cli&state=af0ifj")
            assert r.status_code == 302 and CODE in r.headers["location"]
            r = client.post(f"{base}/oauth/token", data={
                "grant_type": "authorization_code", "code": CODE, "client_id": "cli",
                "redirect_uri": "http://127.0.0.1:8976/callback",
                "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"})
            assert r.status_code == 200
        proxy.stop()
    finally:
        server.shutdown()
    text = cassette.read_text()
    assert "grant_type=authorization_code" in text  # (the exchange was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert CODE not in text, ("the authorization code reached the cassette", out.output)
