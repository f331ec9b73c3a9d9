"""Tester14: `vcrproxy ... --web -v` writes the web UI's login token into its log: mitmweb's
server (tornado) logs each request it serves, `200 GET /?token=<token> (127.0.0.1)`, on the
`tornado.access` logger, which the log record factory (redaction.redact_logs) leaves alone
(it masks mitmproxy's, ours and asyncio's). With --background the log is a file on disk. The
token is what lets a browser drive mitmweb: see every recorded exchange, replay and edit them.
(The `web UI:` line itself hands the token to the user on purpose, once.)

Real CLI as a standalone session with its web UI on a free port (--web-port 0), httpx as the
browser; the session is stopped with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

import httpx
import pytest
from sessions import web_has_login_token

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


@pytest.mark.skipif(not web_has_login_token(),
                    reason="mitmproxy < 11.1: vcrproxy refuses --web (its web UI has no login)")
def test_web_ui_requests_are_logged_without_the_token(confdir, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    proc = subprocess.Popen([VCRPROXY, "record", "-v", "--web", "--web-port", "0",
                             str(tmp_path / "w.yaml")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in proc.stderr:
            lines.append(line)
            if "web UI: " in line:
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert found.wait(30), "".join(lines)
        url = re.search(r"web UI: (\S+)", "".join(lines)).group(1)
        token = url.split("token=")[1]
        with httpx.Client(timeout=10) as browser:
            assert browser.get(url).status_code == 200
            assert browser.get(url.split("?")[0] + f"flows?token={token}").status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
            reader.join(10)
    log = "".join(lines)
    assert "GET /flows" in log, log  # (-v: the web server's requests are logged)
    shown = [line for line in log.splitlines() if token in line and "web UI: " not in line]
    assert shown == [], "the log shows the web UI's token:\n" + "\n".join(shown)
