"""Tester: a recording still in flight when the wrapped command exits (a process it left
behind, still reading a stream through the proxy) is dropped without a word that counts: the
session prints "vcrproxy: no traffic" as its summary, then (after the summary) "the client hung
up before the response ended ... (nothing recorded)", and exits 0. The exchange was never
recorded, so the next replay misses it.

README: exit 3 "if it succeeded but ... while recording an exchange failed upstream or the
client hung up on a response before its end"; the summary lists what was recorded and what
failed. Brief: shared use never loses data (or not silently).

Expected: the exchange cut by the session's end counts before the summary: a non-zero exit
(3), and the summary does not say "no traffic"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from test_cli_sessions import VCRPROXY, base_env  # noqa: F401

LEFT_BEHIND = """
import sys, time, httpx
with httpx.Client(timeout=30) as client:  # proxy and CA from the environment
    with client.stream("GET", sys.argv[1] + "/ndjson?n=100000") as r:
        for line in r.iter_lines():
            open(sys.argv[2], "w").write("reading")
"""

COMMAND = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, sys.argv[1], sys.argv[2], sys.argv[3]],
                         start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
open(sys.argv[4], "w").write(str(child.pid))
deadline = time.time() + 20
while not os.path.exists(sys.argv[3]) and time.time() < deadline:
    time.sleep(0.05)
"""


def test_a_recording_in_flight_when_the_command_ends_is_not_silently_dropped(
        base_env, gateway, tmp_path):  # noqa: F811
    cassette = tmp_path / "c.yaml"
    left = tmp_path / "left.py"
    left.write_text(LEFT_BEHIND)
    command = tmp_path / "command.py"
    command.write_text(COMMAND)
    reading, pid_file = tmp_path / "reading", tmp_path / "child.pid"
    env = {**base_env, "SSL_CERT_FILE": gateway.ca_path}
    try:
        run = subprocess.run(
            [VCRPROXY, "record", str(cassette),
             "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}",
             "--", sys.executable, str(command), str(left), gateway.url, str(reading),
             str(pid_file)],
            env=env, capture_output=True, text=True, timeout=90)
    finally:
        if pid_file.exists():
            try:
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)
            except OSError:
                pass
    assert reading.exists(), run.stderr[-1500:]
    time.sleep(0.1)
    assert "no traffic" not in run.stderr, run.stderr[-1500:]
    assert run.returncode == 3, (run.returncode, run.stderr[-1500:])
    # Said as what happened: the session's end cut it, no client hung up or stopped reading.
    assert "still streaming when the session ended" in run.stderr, run.stderr[-1500:]
    assert "client hung up" not in run.stderr and "client stopped reading" not in run.stderr, \
        run.stderr[-1500:]
