"""Tester3: a 37 KB request body of URLs nested in one another's query
(`https://x/?sig=https://x/?sig=...`, 2,500 deep: a redirect chain written unencoded) holds
its recording for about 48 s (800 deep: 2.5 s; 5,000 deep: over 2 minutes). Each URL's `sig`
is a credential name whose value runs to the end of the body, so the echo search (`_Echoes`)
gets 2,500 long values and looks for each one everywhere with `bytes.find`: time grows far
faster than the body. The client's 15 s timeout fires first; `vcrproxy check` of such a
cassette takes as long. The README: bad input never hangs; 50 MB bodies redact in 0.2 s.
Real proxy, a loopback upstream, httpx.
"""

from __future__ import annotations

import http.server
import ssl
import threading
import time

import httpx

BODY = b"https://x/?sig=" * 2_500  # 37 KB


class _Ok(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *a):
        pass


def test_recording_a_body_of_nested_urls_does_not_stall(run_proxy, ca_cert, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "urls.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=proxy.url, verify=verify, timeout=15) as client:
            started = time.monotonic()
            r = client.post(f"http://127.0.0.1:{server.server_address[1]}/v1/links",
                            content=BODY, headers={"Content-Type": "text/plain"})
            took = time.monotonic() - started
        assert r.status_code == 200
        assert took < 10, f"the 37 KB request took {took:.1f} s to record"
        proxy.stop()
    finally:
        server.shutdown()
