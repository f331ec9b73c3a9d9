"""The signals that end a session from outside stop it in order (cli/main.py STOP_SIGNALS): the
kind of tester defect b3fdb16 (SIGHUP killed `vcrproxy record` at once, the open Realtime
session lost, no summary; tests/test_tester_sighup.py).

INT, TERM, HUP and QUIT each stop the proxy, write what was recorded, print the summary; a
wrapped command gets the same signal when it went to vcrproxy alone (`kill -HUP`, a supervisor)
and its exit code (128+N when the signal killed it) is ours; a terminal that hung up (its
output fails with EIO) does not cost the cassette. Real CLI, the fake gateway, httpx as the
wrapped command.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
import uuid

import pytest
from test_cli_sessions import VCRPROXY, Lines, base_env, spawn, summary  # noqa: F401

from vcrproxy import load_cassette

CHILD = """
import signal, sys, time
import httpx

def stopped(signum, _):
    print("got", signal.Signals(signum).name, flush=True)
    sys.exit(7)

for name in sys.argv[3:]:
    signal.signal(getattr(signal, name), stopped)
with httpx.Client(timeout=20) as client:  # proxy and CA from the environment
    r = client.get(sys.argv[1] + "/json?size=12&tag=" + sys.argv[2])
    print(r.status_code, flush=True)
print("ready", flush=True)
time.sleep(30)
"""


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGQUIT, signal.SIGTERM],
                         ids=["HUP", "QUIT", "TERM"])
def test_a_stop_signal_to_vcrproxy_alone_reaches_the_wrapped_command(spawn, gateway, tmp_path,  # noqa: F811
                                                                     sig):
    child = tmp_path / "child.py"
    child.write_text(CHILD)
    cassette = tmp_path / "c.yaml"
    tag = uuid.uuid4().hex
    proc, out, err = spawn("record", cassette, "--set",
                           f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--",
                           sys.executable, child, gateway.url, tag, sig.name)
    out.wait_for("ready")
    started = time.monotonic()
    proc.send_signal(sig)  # vcrproxy alone (its own session): as `kill -HUP PID` would
    assert proc.wait(15) == 7, err.wait_closed()  # the child's own exit code
    assert time.monotonic() - started < 10  # not the child's 30 s sleep, nor the 10 s grace
    assert out.wait_closed().endswith(f"got {sig.name}")  # forwarded as it came
    stderr = err.wait_closed()
    assert "Traceback" not in stderr and summary(stderr)["recorded"] == "1", stderr
    urls = [i.request.url for i in load_cassette(cassette).interactions]
    assert urls == [f"{gateway.url}/json?size=12&tag={tag}"]


def test_a_standalone_session_stops_in_order_on_a_hangup(spawn, gateway, tmp_path):  # noqa: F811
    cassette = tmp_path / "c.yaml"
    proc, out, err = spawn("replay", os.path.join(os.path.dirname(__file__), "..", "cassettes",
                                                  "vercel-gateway-claude-simple-streaming.yaml"))
    err.wait_for("Ctrl-C to stop")
    proc.send_signal(signal.SIGHUP)
    assert proc.wait(15) == 0
    stderr = err.wait_closed()
    assert "Traceback" not in stderr and "unused 1" in stderr, stderr
    assert not cassette.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty semantics of Linux")
def test_a_terminal_that_hung_up_does_not_cost_the_cassette(base_env, gateway, tmp_path):  # noqa: F811
    """A closed terminal: every later write to it fails (EIO), and its job gets SIGHUP. The
    live lines and the summary have nowhere to go; the recording is written all the same and
    the exit code is the command's (killed by HUP: 129), not a crash's."""
    child = tmp_path / "child.py"
    child.write_text(CHILD)
    cassette = tmp_path / "c.yaml"
    tag = uuid.uuid4().hex
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [VCRPROXY, "record", str(cassette), "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--", sys.executable, str(child),
         gateway.url, tag],
        env=base_env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    try:
        seen, deadline = b"", time.monotonic() + 30
        while b"ready" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        assert b"ready" in seen, seen.decode(errors="replace")
        os.close(master)  # the terminal is gone: writes to it fail with EIO
        master = -1
        os.killpg(proc.pid, signal.SIGHUP)  # and its job is hung up
        assert proc.wait(15) == 128 + signal.SIGHUP
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    urls = [i.request.url for i in load_cassette(cassette).interactions]
    assert urls == [f"{gateway.url}/json?size=12&tag={tag}"]
