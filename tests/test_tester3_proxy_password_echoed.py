"""Tester3: a password in the proxy URL is printed back. vcrproxy reads a client's proxy
credentials as `http://CASSETTE:MODE@host:port`; a client whose proxy URL carries real
credentials (`http://alice:<password>@127.0.0.1:PORT`: a corporate proxy's user and password
composed with vcrproxy's port, an inherited `PROXY_USER`/`PROXY_PASS`) gets the password quoted
in the 400 body, the MISS line and the summary: `unknown mode '<password>'`. The README: live
lines, warnings, the summary and miss texts never show a key, and a URL's password
(`scheme://user:...@`) is one of the shapes redacted everywhere.
Real CLI, a loopback upstream, curl with -x as the wrapped command.
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
PASSWORD = "Zq8hunter2" + "Secret77"


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *a):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_proxy_url_password_is_not_printed(confdir, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir)
    try:
        got = subprocess.run(
            [VCRPROXY, "record", str(tmp_path / "c.yaml"), "--port", str(port),
             "--allow-no-traffic", "--", "curl", "-s", "-m", "10",
             "-x", f"http://alice:{PASSWORD}@127.0.0.1:{port}",
             f"http://127.0.0.1:{server.server_address[1]}/v1/models"],
            env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    finally:
        server.shutdown()
    assert "unknown mode" in got.stdout + got.stderr, got.stdout + got.stderr  # (refused)
    leaked = [line[:160] for line in (got.stdout + got.stderr).splitlines() if PASSWORD in line]
    assert leaked == [], "\n".join(leaked)
