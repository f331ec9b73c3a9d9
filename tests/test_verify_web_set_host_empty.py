"""Verify: the web UI's twin of e43f79b (an empty --host is a usage error, not every interface).

`--web --set web_host=` (an unset variable in `--set web_host=$HOST`) starts mitmweb listening on
every interface (0.0.0.0 and [::]: the flows, with their API keys, open to the network) and
prints the address `http://:PORT/?token=...`. README: "An empty path or value ... is a one-line
usage error (exit 2) in every command, not the default cassette, root or every interface."
Expected: the one-line empty-value usage error, exit 2."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sessions import web_has_login_token

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = os.path.join(os.path.dirname(__file__), "..", "cassettes",
                        "gemini-simple-streaming.yaml")


@pytest.mark.skipif(not web_has_login_token(), reason="mitmproxy < 11.1: --web is refused")
def test_an_empty_web_host_is_a_usage_error(confdir, tmp_path):
    err = open(tmp_path / "stderr", "w+")
    proc = subprocess.Popen(
        [VCRPROXY, "replay", CASSETTE, "--web", "--set", "web_host=", "--web-port", "0",
         "--confdir", confdir],
        stdout=subprocess.DEVNULL, stderr=err, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            err.seek(0)
            m = re.search(r"web UI: (http://\S*)", err.read())
            if m or proc.poll() is not None:
                break
            assert time.monotonic() < deadline, "no web UI address printed, no exit"
            time.sleep(0.1)
        assert m is None, f"--set web_host= was accepted; the web UI is at {m.group(1)}"
        err.seek(0)
        lines = err.read().strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and "empty" in lines[0], lines
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)
        err.close()
