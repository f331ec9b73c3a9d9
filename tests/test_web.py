"""`--web`: the same session in mitmproxy's web UI, with the replayed flow visible there."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sessions import read_exports, web_has_login_token, web_ui_url

from vcrproxy.proxy import WEB_NEEDS_TOKEN

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = os.path.join(os.path.dirname(__file__), "..", "cassettes",
                        "gemini-simple-streaming.yaml")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(web_has_login_token(), reason="this mitmproxy's web UI has a login token")
def test_web_refused_without_a_login_token(confdir):
    """mitmproxy 11.0's web UI has no login: --web refuses with one line instead of serving
    every flow, keys included, to any local user."""
    result = subprocess.run(
        [VCRPROXY, "replay", CASSETTE, "--web", "--web-port", str(free_port()),
         "--confdir", confdir],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"Error: {WEB_NEEDS_TOKEN}"]
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not web_has_login_token(), reason="mitmproxy < 11.1: --web is refused")
def test_web_ui_shows_the_replayed_flow(confdir, ca_cert, tmp_path):
    web_port = free_port()
    err = open(tmp_path / "stderr", "w+")
    proc = subprocess.Popen(
        [VCRPROXY, "replay", CASSETTE, "--web", "--web-port", str(web_port), "--confdir", confdir],
        stdout=subprocess.PIPE, stderr=err, text=True,
    )
    try:
        exports = read_exports(proc.stdout)  # standalone: prints the exports, then serves
        proxy = exports["HTTPS_PROXY"]
        body = ('{"contents":[{"parts":[{"text":"Say hi in Portuguese"}],"role":"user"}],'
                '"generationConfig":{"maxOutputTokens":4000},"systemInstruction":{"parts":'
                '[{"text":"You are a helpful assistant"}],"role":"user"}}')
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=proxy, verify=verify, timeout=20) as client:
            r = client.post(
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:"
                "streamGenerateContent?alt=sse", content=body,
                headers={"content-type": "application/json"},
            )
        assert r.status_code == 200 and "Olá!" in r.text
        url = web_ui_url(err, web_port)
        with httpx.Client(timeout=10) as web:
            assert web.get(url).status_code == 200
            token = url.partition("token=")[2]
            flows = web.get(f"http://127.0.0.1:{web_port}/flows",
                            params={"token": token} if token else None).json()
        replayed = [f for f in flows if f["request"]["host"] == "generativelanguage.googleapis.com"]
        assert len(replayed) == 1
        assert replayed[0]["response"]["status_code"] == 200
        assert "replayed interaction 0" in replayed[0].get("comment", "")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        err.close()
    assert proc.returncode == 0
