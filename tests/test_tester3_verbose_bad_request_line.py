"""Tester3: `vcrproxy record -v` writes a client's refused request line to stderr as it came,
key and all. mitmproxy logs `Bad HTTP request line: b'GET http://...?key=AIza... HTTP/1.1'`
at DEBUG when it cannot parse a request line (here an unencoded space in the query, as a naive
client building a Gemini URL from a prompt sends it), and the CLI's handler passes the record
through without `redact_text`. The README: the same function cleans all text that leaves the
proxy, so no log line shows a key (the hpack dumps are kept off even with -v).
Real CLI, a real loopback upstream, a raw-socket client as the wrapped command.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading

from secret_shapes import SHAPE_EXAMPLES

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = SHAPE_EXAMPLES["google"]

CLIENT = """
import os, socket, sys
from urllib.parse import urlsplit
proxy = urlsplit(os.environ["HTTP_PROXY"])
line = ("GET " + sys.argv[1] + "/v1beta/models?key=" + os.environ["T_KEY"]
        + "&q=hello world HTTP/1.1")
s = socket.create_connection((proxy.hostname, proxy.port), timeout=10)
s.sendall(line.encode() + b"\\r\\nHost: x\\r\\n\\r\\n")
print(s.recv(12).decode())
s.close()
"""


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *a):
        pass


def test_verbose_log_of_a_refused_request_line_shows_no_key(confdir, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, T_KEY=KEY)
    try:
        got = subprocess.run(
            [VCRPROXY, "record", "-v", str(tmp_path / "v.yaml"), "--allow-no-traffic", "--",
             sys.executable, "-c", CLIENT, f"http://127.0.0.1:{server.server_address[1]}"],
            env=env, capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()
    assert got.stdout.startswith("HTTP/1.1 400"), got.stdout + got.stderr[-2000:]
    assert "Bad HTTP request line" in got.stderr  # (mitmproxy logged the line: the test is live)
    leaked = [line[:150] for line in got.stderr.splitlines() if KEY in line]
    assert leaked == [], "\n".join(leaked)
