"""`kill -TERM` of vcrproxy alone leaves the wrapped command's own children running.

README: SIGTERM (and SIGINT, SIGHUP, SIGQUIT) stop a session in order; "a wrapped command gets
the same signal (as a terminal sends it to the whole job; for `kill -HUP` of vcrproxy alone, it
is forwarded), 10 s to exit, then SIGKILL". A CI timeout, `docker stop` or a supervisor signals
vcrproxy alone. The signal is forwarded to the direct child only: with the usual wrapped
commands (`sh -c '...'`, `npm test`, `make test`, `uv run pytest`: a launcher whose children do
the work) the launcher dies, vcrproxy exits 143, and the process doing the requests keeps
running, orphaned, after its proxy is gone (here `sleep` still alive after vcrproxy returned).
Expected: the command's whole process tree gets the signal (and the SIGKILL after 10 s), as
the job would from a terminal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")

CASSETTE = """\
---
version: 2
interactions: []
"""


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        out += [child, *_descendants(child)]
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_to_vcrproxy_reaches_the_commands_children(confdir, tmp_path):
    (tmp_path / "c.yaml").write_text(CASSETTE)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    proc = subprocess.Popen(
        [VCRPROXY, "record", "-q", "--allow-no-traffic", "c.yaml", "--",
         "sh", "-c", "sleep 30; echo done"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # (a supervisor's child: no terminal job around it)
    )
    sleeper = None
    try:
        deadline = time.monotonic() + 20
        while sleeper is None and time.monotonic() < deadline:
            for pid in _descendants(proc.pid):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if f.read().startswith(b"sleep\0"):
                            sleeper = pid
                except OSError:
                    pass
            time.sleep(0.1)
        assert sleeper is not None, "the wrapped command did not start"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert proc.returncode == 143, proc.returncode
        time.sleep(1)
        assert not _alive(sleeper), (
            "vcrproxy exited on SIGTERM, but the wrapped command's child (sleep) still runs"
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        if sleeper is not None and _alive(sleeper):
            os.kill(sleeper, signal.SIGKILL)
