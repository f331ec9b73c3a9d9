"""Tester: `vcrproxy stop` signals whatever process has the recorded pid. A background session
that died without cleaning up (SIGKILL, the OOM killer) leaves `background/<pid>.json`; once
the kernel reuses that pid for another process of the user, `vcrproxy stop` (which takes
"the only one running" from the state files) sends it SIGTERM: nothing checks that the pid
is still a vcrproxy (its start time or command line). Pid reuse is simulated by moving a real
stale state file (from a background session killed with SIGKILL) to a `sleep` child's pid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from test_background import cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_stop_does_not_kill_an_unrelated_process_with_a_reused_pid(confdir, tmp_path):
    home = tmp_path / "confdir"  # (its own state folder: no other test's sessions)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.pop("VCRPROXY_PID", None)
    env["VCRPROXY_CONFDIR"] = str(home)
    home.mkdir(mode=0o700)
    for name in os.listdir(confdir):  # the session's CA, so no key is generated here
        if name.startswith("mitmproxy-ca"):
            os.link(os.path.join(confdir, name), home / name)
    started = subprocess.run([VCRPROXY, "replay", "--background", cassette(tmp_path / "c.yaml")],
                             env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    pid = int(next(line.split("=", 1)[1] for line in started.stdout.splitlines()
                   if "VCRPROXY_PID=" in line).strip("'\""))
    os.kill(pid, signal.SIGKILL)  # dies without cleaning up its state
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    state = home / "background"
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        os.replace(state / f"{pid}.json", state / f"{sleeper.pid}.json")  # the pid, reused
        subprocess.run([VCRPROXY, "stop"], env=env, capture_output=True, text=True, timeout=30)
        time.sleep(0.2)
        assert sleeper.poll() is None, "vcrproxy stop killed an unrelated process"
    finally:
        sleeper.kill()
        sleeper.wait(5)
