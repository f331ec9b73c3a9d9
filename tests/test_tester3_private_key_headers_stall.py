"""Tester3: a 5.6 MB answer made of `-----BEGIN PRIVATE KEY-----` lines with no END line stalls
its recording for about 35 s (the client's 15 s timeout fires; the README puts redaction of a
50 MB body at 0.02-0.18 s). Each BEGIN line is a needle hit for the `private-key` shape, whose
regex then scans up to 16 KB lazily for an END line that never comes: 200,000 hits x 16 KB.
A hostile or broken upstream (or a test fixture of truncated PEM files) makes the proxy hold
the client's response that long, and `check` of the cassette takes as long.
Real proxy, a loopback upstream, httpx.
"""

from __future__ import annotations

import http.server
import ssl
import threading
import time

import httpx

BODY = b"-----BEGIN PRIVATE KEY-----\n" * 200_000  # 5.6 MB


class _Pem(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *a):
        pass


def test_recording_many_unterminated_private_key_headers_does_not_stall(run_proxy, ca_cert,
                                                                       tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pem)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "pem.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=proxy.url, verify=verify, timeout=15) as client:
            started = time.monotonic()
            r = client.get(f"http://127.0.0.1:{server.server_address[1]}/keys.pem")
            took = time.monotonic() - started
        assert r.status_code == 200 and r.content == BODY
        assert took < 10, f"the 5.6 MB answer took {took:.1f} s to record"
        proxy.stop()
    finally:
        server.shutdown()
