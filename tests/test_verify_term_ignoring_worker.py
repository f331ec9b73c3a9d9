"""Verify: the SIGKILL after 10 s (57ac8e3: "SIGKILL after 10 s likewise") never reaches a worker
under a launcher when the launcher itself dies on the SIGTERM.

`kill -TERM` of vcrproxy alone (a CI timeout) with `sh -c 'worker & wait'`, where the worker
ignores SIGTERM (a test runner busy in C code, a process with its own handler that keeps going):
sh dies at once, vcrproxy exits 143, and the worker keeps running, orphaned, without its proxy,
for good. README: "A wrapped command and every process under it get the same signal ..., 10 s to
exit, then SIGKILL". Expected: the worker is killed within about 10 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")

WORKER = ("import os, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
          "open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_ignoring_sigterm_is_killed_after_the_grace(confdir, tmp_path):
    (tmp_path / "c.yaml").write_text("---\nversion: 2\ninteractions: []\n")
    pidfile = tmp_path / "worker.pid"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    proc = subprocess.Popen(
        [VCRPROXY, "record", "-q", "--allow-no-traffic", "c.yaml", "--",
         "sh", "-c", f'"{sys.executable}" -c "{WORKER}" "{pidfile}" & wait'],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    worker = None
    try:
        deadline = time.monotonic() + 20
        while worker is None and time.monotonic() < deadline:
            if pidfile.exists() and pidfile.read_text():
                worker = int(pidfile.read_text())
            time.sleep(0.1)
        assert worker is not None, "the wrapped command did not start"
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), (
            f"vcrproxy exited {proc.returncode} on SIGTERM; the worker under sh that ignores "
            "SIGTERM still runs 15 s later (no SIGKILL reached it)")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        if worker is not None and _alive(worker):
            os.kill(worker, signal.SIGKILL)
