"""Tester3: a 150 KB body of repeated `sk-` (`sk-sk-sk-...`) takes about 26 s to redact, and
time grows with the square of the length (40,000 repeats: 16.6 s in `vcrproxy check`; 10,000:
1 s), so a 1 MB one would hold the proxy for many minutes. Every `sk-` is a needle hit at a
word boundary (`-` ends a word), and the `openai` shape's lookahead
`(?=[A-Za-z_-]*[0-9])` then scans the whole rest of the run for a digit that never comes.
While it runs the recording client's response is held: its 15 s timeout fires. (Other shapes
with `-` in their run do the same more slowly: `eyJ-`, `xoxb-`, `AIza-`.)
Real proxy, a loopback upstream, httpx.
"""

from __future__ import annotations

import http.server
import ssl
import threading
import time

import httpx

BODY = b"sk-" * 50_000  # 150 KB


class _Hyphens(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *a):
        pass


def test_recording_a_short_run_of_sk_prefixes_does_not_stall(run_proxy, ca_cert,
                                                                       tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hyphens)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "hyphens.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=proxy.url, verify=verify, timeout=15) as client:
            started = time.monotonic()
            r = client.get(f"http://127.0.0.1:{server.server_address[1]}/v1/words")
            took = time.monotonic() - started
        assert r.status_code == 200 and r.content == BODY
        assert took < 10, f"the 150 KB answer took {took:.1f} s to record"
        proxy.stop()
    finally:
        server.shutdown()
