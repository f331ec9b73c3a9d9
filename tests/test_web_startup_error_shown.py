"""With `--web`, an error mitmproxy logs while it starts (here a DNS listener's port already
taken) ended the session with mitmweb's bare `Error logged during startup, exiting...`: the
error itself was never shown. Real CLI, a UDP port held by this test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sessions import web_has_login_token

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CASSETTE = Path(__file__).resolve().parent.parent / "cassettes" / "openai-responses-simple.yaml"


@pytest.mark.skipif(not web_has_login_token(),
                    reason="mitmproxy < 11.1: vcrproxy refuses --web (its web UI has no login)")
def test_a_startup_error_under_web_is_shown(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = str(tmp_path / "conf")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        r = subprocess.run(
            [VCRPROXY, "replay", "--web", "--web-port", "0", "--allow-no-traffic",
             "--set", "mode=regular", "--set", f"mode=dns@{port}", str(CASSETTE), "--", "true"],
            env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0, r.stderr
    assert "Traceback" not in r.stderr
    assert str(port) in r.stderr, r.stderr  # (the error names what failed, not only that one did)
