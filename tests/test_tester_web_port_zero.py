"""Tester: `--web --web-port 0` (as `--port 0` means a free port for the proxy) starts the web
UI, but the address vcrproxy prints for it is `http://127.0.0.1:0/?token=...`: port 0, which
nobody can open. Expected: the printed address is the one the web UI really listens on (or,
if port 0 is not supported for the web UI, a one-line usage error and a non-zero exit).
Verify: the same through `--set web_port=0` (mitmproxy's own option, passed through)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sessions import web_has_login_token

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = os.path.join(os.path.dirname(__file__), "..", "cassettes",
                        "gemini-simple-streaming.yaml")


@pytest.mark.skipif(not web_has_login_token(), reason="mitmproxy < 11.1: --web is refused")
@pytest.mark.parametrize("flags", [["--web-port", "0"], ["--set", "web_port=0"]],
                         ids=["web-port", "set"])
def test_web_ui_on_port_0_prints_the_port_it_listens_on(flags, confdir, tmp_path):
    err = open(tmp_path / "stderr", "w+")
    proc = subprocess.Popen(
        [VCRPROXY, "replay", CASSETTE, "--web", *flags, "--confdir", confdir],
        stdout=subprocess.DEVNULL, stderr=err, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            err.seek(0)
            m = re.search(r"web UI: (http://[^\s/]+:(\d+)/\S*)", err.read())
            if m or proc.poll() is not None:
                break
            assert time.monotonic() < deadline, "no web UI address printed"
            time.sleep(0.1)
        if m is None:  # refused: then in one line, with a non-zero exit
            err.seek(0)
            lines = err.read().strip().splitlines()
            assert proc.returncode not in (0, None) and len(lines) == 1, lines
            return
        url, port = m.group(1), int(m.group(2))
        assert port != 0, f"the web UI address printed is unusable: {url}"
        with httpx.Client(timeout=10) as web:
            assert web.get(url).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        err.close()
