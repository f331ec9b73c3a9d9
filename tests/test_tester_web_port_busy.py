"""Tester: `--web --web-port N` with N already taken fails with a two-line error, the second
mitmweb's own advice in mitmproxy's spelling (`Try specifying a different port by using
`--set web_port=N+2`.`), where every other start error (the proxy's own port taken included)
is one line. Expected: one line (naming the port and the cause), exit 1, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sessions import web_has_login_token

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = os.path.join(os.path.dirname(__file__), "..", "cassettes",
                        "gemini-simple-streaming.yaml")


@pytest.mark.skipif(not web_has_login_token(), reason="mitmproxy < 11.1: --web is refused")
def test_a_busy_web_port_is_a_one_line_error(confdir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [VCRPROXY, "replay", CASSETTE, "--web", "--web-port", str(port), "--confdir", confdir,
             "--", sys.executable, "-c", "pass"],
            capture_output=True, text=True, timeout=60,
        )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert str(port) in result.stderr
    assert len(lines) == 1, lines
