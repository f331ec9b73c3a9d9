"""SIGHUP (the terminal or ssh session closing) loses the open WebSocket session being recorded.

`vcrproxy record c.yaml -- CMD` writes an HTTP exchange as it completes, and a WebSocket session
when it ends; on SIGINT or SIGTERM it stops cleanly and writes the sessions still open (the
README: "a crash or Ctrl-C leaves a valid cassette holding every completed exchange"; a session
open when the proxy stops is kept). SIGHUP, what a closing terminal sends its foreground process
group, is not handled: vcrproxy dies at once, the Realtime session the client had been talking in
for seconds is not in the cassette, and no summary is printed. Real CLI, the fake gateway's
Realtime endpoint, a real `websockets` client as the wrapped command.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from test_cli_sessions import VCRPROXY, base_env  # noqa: F401  (fixture)

pytest.importorskip("websockets")

CLIENT = """
import asyncio, os, sys
from websockets.asyncio.client import connect
async def main():
    async with connect(sys.argv[1], proxy=os.environ["HTTPS_PROXY"], ping_interval=None) as ws:
        await ws.recv()  # session.created
        await ws.send('{"type":"session.update","session":{"instructions":"be brief"}}')
        await ws.recv()  # session.updated
        print("talking", flush=True)
        await asyncio.sleep(60)
asyncio.run(main())
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_hangup_keeps_the_open_realtime_session(base_env, gateway, tmp_path, sig):  # noqa: F811
    client = tmp_path / "client.py"
    client.write_text(CLIENT)
    path = tmp_path / "realtime.yaml"
    url = f"wss://localhost:{gateway.port}/v1/realtime?model=gpt-realtime"
    proc = subprocess.Popen(
        [VCRPROXY, "record", str(path), "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--", sys.executable,
         str(client), url],
        env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 30
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "talking": the session is open and has messages
        assert line.strip() == "talking" and time.monotonic() < deadline, proc.stderr.read()
        os.killpg(proc.pid, sig)  # the whole job, as the terminal does
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    assert path.exists() and "session.updated" in path.read_text(), (
        f"after SIG{sig.name[3:]} the open session is not in the cassette "
        f"(exit {proc.returncode}):\n{err[-2000:]}"
    )
