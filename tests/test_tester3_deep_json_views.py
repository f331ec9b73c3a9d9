"""Tester3: `vcrproxy show --plain` (git's textconv) and `vcrproxy diff` end in a Python
traceback (RecursionError from json.loads in cli/plain.py `_stable_text`) on a cassette whose
body is JSON nested 50,000 levels deep (300 KB). Such a body records and replays fine; the
README: a bad file is data, never a crash, and `show --plain` never breaks `git diff`.
Real proxy and a loopback upstream record the exchange; the real CLI views it.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading

from conftest import proxied_client

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
DEEP = '{"a":' * 50_000 + "1" + "}" * 50_000


class _Deep(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(DEEP)))
        self.end_headers()
        self.wfile.write(DEEP.encode())

    def log_message(self, *a):
        pass


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60)


def test_plain_view_and_diff_of_a_deeply_nested_json_body(run_proxy, ca_cert, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Deep)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "deep.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"http://127.0.0.1:{server.server_address[1]}/v1/tree",
                            json={"depth": 50_000})
            assert r.status_code == 200 and r.text == DEEP
        proxy.stop()
    finally:
        server.shutdown()
    assert DEEP in cassette.read_text()
    for args, ok in ((("show", "--plain", str(cassette)), 0),
                     (("diff", str(cassette), str(cassette)), 0)):
        got = _run(*args)
        assert "Traceback" not in got.stderr, f"{args[0]}: {got.stderr[-600:]}"
        assert got.returncode == ok, (args[0], got.returncode, got.stderr[-300:])
