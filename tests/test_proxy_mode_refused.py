"""A proxy mode whose listener serves no HTTP (`--set mode=socks5`, `transparent`,
`wireguard`) is refused at start, in one line: vcrproxy's commands hand their clients HTTP
proxy variables (`HTTPS_PROXY=http://HOST:PORT`), which such a listener does not serve. The
command ran anyway before: curl failed with `Proxy CONNECT aborted`, and the session blamed the
client's CA trust (exit 4). `upstream:URL` (behind a company proxy) and `reverse:URL` (a client
given the proxy as its base URL) keep working."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
ROOT = Path(__file__).resolve().parent.parent
CASSETTE = str(ROOT / "cassettes" / "openai-responses-simple.yaml")


def _run(tmp_path: Path, ca_confdir: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = ca_confdir
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env=env)


@pytest.mark.parametrize("spec", ["socks5", "transparent", "wireguard"])
def test_a_mode_that_serves_no_http_proxy_is_refused(tmp_path, spec):
    marker = tmp_path / "ran"
    r = _run(tmp_path, str(tmp_path / "conf"), "replay", "--set", f"mode={spec}", CASSETTE,
             "--", "sh", "-c", f"touch {marker}")
    assert r.returncode not in (0, 4), (r.returncode, r.stderr)
    assert not marker.exists(), "the command ran behind a proxy it cannot reach"
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"mode={spec}" in lines[0] and "HTTP proxy" in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_regular_upstream_and_reverse_modes_still_start(tmp_path):
    # (reverse: a client given the proxy as its base URL, as the replay benchmark's h2load is)
    for spec in ("regular", "upstream:http://127.0.0.1:9", "reverse:https://api.openai.com"):
        r = _run(tmp_path, str(tmp_path / "conf"), "replay", "--allow-no-traffic", "--set",
                 f"mode={spec}", CASSETTE, "--", "true")
        assert r.returncode == 0, (spec, r.stderr)


def test_a_further_listener_after_the_http_proxy_is_allowed(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = _run(tmp_path, str(tmp_path / "conf"), "replay", "--allow-no-traffic", "--set",
             "mode=regular", "--set", f"mode=socks5@{port}", CASSETTE, "--", "true")
    assert r.returncode == 0, r.stderr
