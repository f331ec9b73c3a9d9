"""Tester8: `vcrproxy replay --background --web C` is accepted, but the web UI's address (with
the login token mitmproxy >= 11.1 requires) is written only to the detached session's log, which
the user sees when `vcrproxy stop` prints it: while the session runs, which is when `--web` is
for ("to watch SDK traffic"), nothing the start printed says where the UI is or what its token
is. Expected: the start prints the `web UI: http://...?token=...` line (as the foreground
session does), or refuses the combination in one line."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest
from sessions import web_has_login_token
from test_background import cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not web_has_login_token(), reason="mitmproxy < 11.1: --web is refused")
def test_tester8_background_web_prints_the_ui_address(confdir, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    env.pop("VCRPROXY_PID", None)
    port = _free_port()
    start = subprocess.run(
        [VCRPROXY, "replay", "--background", "--web", "--web-port", str(port),
         cassette(tmp_path / "c.yaml")],
        env=env, capture_output=True, text=True, timeout=120)
    pid = re.search(r"VCRPROXY_PID=(\d+)", start.stdout)
    try:
        if start.returncode != 0:  # refused: one line
            assert len(start.stderr.strip().splitlines()) == 1, start.stderr
            return
        assert pid, start.stdout
        assert re.search(rf"http://127\.0\.0\.1:{port}/\?token=\w+", start.stdout + start.stderr), (
            start.stdout + start.stderr)
    finally:
        if pid:
            subprocess.run([VCRPROXY, "stop", "--pid", pid.group(1)], env=env,
                           capture_output=True, text=True, timeout=120)
