"""Tester8: `vcrproxy replay --background --confdir DIR C` prints "stop it with: eval
"$(vcrproxy stop)"", and that command fails: stop looks for the session's state file in the
default confdir (~/.vcrproxy or $VCRPROXY_CONFDIR), says "no background vcrproxy with pid N"
although $VCRPROXY_PID names it, and leaves the proxy running, orphaned (its exports are
unset by the same eval). The start exports nothing that would tell stop where the session
lives. Expected: following the printed instruction stops the session (exit 0, the process
gone)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from test_background import cassette, shell

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_tester8_printed_stop_instruction_works_with_confdir(confdir, tmp_path):
    path = cassette(tmp_path / "c.yaml")
    other = tmp_path / "other-ca"
    got = shell(f"""
        eval "$("$VCRPROXY" replay --background --confdir {other} {path})" || exit 9
        echo "pid $VCRPROXY_PID"
        eval "$("$VCRPROXY" stop)"
        echo "stop $?"
    """, confdir)
    pid = re.search(r"^pid (\d+)$", got.stdout, re.M)
    assert pid, got.stdout + got.stderr
    pid = int(pid.group(1))
    try:
        assert 'eval "$(vcrproxy stop)"' in got.stderr  # (the instruction the start printed)
        assert "stop 0" in got.stdout.splitlines(), got.stdout + got.stderr
        deadline = time.monotonic() + 15
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            if open(f"/proc/{pid}/stat").read().split()[2] == "Z":
                break
            time.sleep(0.1)
        alive = os.path.exists(f"/proc/{pid}") and (
            open(f"/proc/{pid}/stat").read().split()[2] != "Z")
        assert not alive, "the background proxy is still running"
    finally:
        env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
        subprocess.run([VCRPROXY, "stop", "--pid", str(pid), "--confdir", str(other)],
                       env=env, capture_output=True, text=True, timeout=120)
