"""Tester5: `vcrproxy record c.yaml -- CMD` whose exchange fails upstream (connection refused:
the API down, a wrong port) records nothing, writes no cassette and counts it in the summary
(`recorded 0, ... failed 1`), yet exits 0 when the command does (curl without -f, a script
that logs and goes on, a test that tolerates errors): a CI recording job goes green with no
cassette. A command that made no request at all exits 4, and a recording that could not be
written exits 3 ("a session that lost recordings failed", recorder._write_failed); an
exchange lost upstream is a lost recording too. Expected: a non-zero exit (3) when the
session failed exchanges it was asked to record."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_a_recording_whose_exchange_failed_upstream_does_not_exit_0(tmp_path, confdir):
    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cassette = tmp_path / "c.yaml"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    got = subprocess.run(
        [VCRPROXY, "record", str(cassette), "--", "curl", "-sS", "-o", os.devnull,
         "--max-time", "20", f"http://127.0.0.1:{port}/v1/chat/completions"],
        env=env, capture_output=True, text=True, timeout=120)
    assert "failed 1" in got.stderr, got.stderr
    assert not cassette.exists()  # nothing was recorded
    assert got.returncode != 0, got.stderr
