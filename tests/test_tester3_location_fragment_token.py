"""Tester3: an access token in the fragment of a `Location` redirect reaches the cassette. An
OAuth 2.0 implicit-grant answer (RFC 6749 4.2.2) and Supabase's auth redirects put the tokens
in the fragment: `Location: https://app.example/callback#access_token=...&refresh_token=...`.
The README: "the query parameters of URLs inside bodies and in `Location`..." are redacted by
name, and `access_token` / `refresh_token` are credential names; the fragment, written the same
`name=value&...` way, is left as it came, and `vcrproxy check` says ok.
Real proxy, a loopback authorization server, httpx (redirects not followed, as an SDK's auth
helper reads the Location itself).
"""

from __future__ import annotations

import http.server
import threading

from click.testing import CliRunner
from conftest import proxied_client

from vcrproxy.cli.main import main

ACCESS = "opaqueAccess" + "Tok3n9f8e7d6"
REFRESH = "opaqueRefresh" + "Tok3nZ1y2x3w"
LOCATION = (f"https://app.example/callback#access_token={ACCESS}&token_type=bearer"
            f"&expires_in=3600&refresh_token={REFRESH}&type=magiclink")


class _Auth(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        self.send_response(303)
        self.send_header("Location", LOCATION)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def test_tokens_in_a_location_fragment_are_redacted(run_proxy, ca_cert, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Auth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "auth.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(f"http://127.0.0.1:{server.server_address[1]}/auth/v1/verify"
                           "?type=magiclink&redirect_to=https://app.example/callback")
            assert r.status_code == 303 and r.headers["location"] == LOCATION
        proxy.stop()
    finally:
        server.shutdown()
    text = cassette.read_text()
    assert "app.example/callback#" in text  # (the redirect was recorded)
    leaked = [name for name, v in (("access_token", ACCESS), ("refresh_token", REFRESH))
              if v in text]
    assert leaked == [], f"{leaked} reached the cassette in the Location fragment"
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert out.exit_code == 0, out.output  # (redacted when recorded)
    # The same redirect as it came (recorded elsewhere, unredacted): check flags its tokens.
    raw = tmp_path / "raw.yaml"
    raw.write_text(text.replace("access_token=%3CREDACTED%3E", f"access_token={ACCESS}")
                   .replace("access_token=<REDACTED>", f"access_token={ACCESS}"))
    assert ACCESS in raw.read_text()
    out = CliRunner().invoke(main, ["check", str(raw)])
    assert out.exit_code == 1, out.output
    assert "fragment parameter access_token" in out.output, out.output
