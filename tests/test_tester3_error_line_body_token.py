"""Tester3: when an upstream's answer breaks HTTP framing, the `upstream failed` warning and the
`error` live line quote the start of its body as mitmproxy read it
(`illegal chunk header: bytearray(b'{"access_token": "...", ...}')`), and a credential named in
that JSON is printed as it came (a key shape in the same text is masked). Here an OAuth token
endpoint announces `Transfer-Encoding: chunked` and sends its JSON unchunked (a buggy server or
middlebox). The README: live lines and warnings never show a key, nor a value the session
redacts by name (it redacts `access_token` / `refresh_token` by name in any JSON body).
Real CLI, a raw loopback upstream, curl as the wrapped command.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
ACCESS = "opaqueAccess" + "Tok3n9f8e7d6c5"
REFRESH = "opaqueRefresh" + "Tok3nZ1y2x3w4v"
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n"
          b'{"access_token": "' + ACCESS.encode() + b'", "token_type": "Bearer", '
          b'"refresh_token": "' + REFRESH.encode() + b'"}\r\n')


def _serve(listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            conn.sendall(ANSWER)
            conn.shutdown(socket.SHUT_WR)
            conn.recv(1)


def test_error_line_quoting_an_upstream_body_hides_its_tokens(confdir, tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=_serve, args=(listener,), daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/oauth/token"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir)
    try:
        got = subprocess.run(
            [VCRPROXY, "record", str(tmp_path / "t.yaml"), "--", "curl", "-s", "-m", "10",
             "-d", "grant_type=client_credentials", url],
            env=env, capture_output=True, text=True, timeout=60)
    finally:
        listener.close()
    assert "illegal chunk header" in got.stderr, got.stderr[-1500:]  # (the body was quoted)
    leaked = [line[:160] for line in got.stderr.splitlines() if ACCESS in line or REFRESH in line]
    assert leaked == [], "\n".join(leaked)
