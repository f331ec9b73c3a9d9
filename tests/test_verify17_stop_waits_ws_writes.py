"""Verifier: WebSocket sessions that end as the wrapped command ends, while another process
holds the cassette folder's lock (`vcrproxy redact`, another recorder's large append), are
written after the summary: it says "vcrproxy: no traffic" and the exit code is 0 although the
sessions went through the proxy; a write that then fails (the lock held past its 30 s
timeout) is lost without a word, exit 0.

Since b40d65e a session's recording is written off the event loop "in a task the proxy's stop
waits for"; Proxy.stop waits for the master (and so Recorder.done) 10 s only, and its
`_end_open_connections` awaits Recorder.done only when some client connection is still open.

Expected: the stop waits for the writes: the summary counts both sessions as recorded."""

from __future__ import annotations

import subprocess
import sys

from test_cli_sessions import VCRPROXY, base_env  # noqa: F401

from vcrproxy import load_cassette

LOCKER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").write("locked")
time.sleep(float(sys.argv[3]))
"""

CLIENT = """
import asyncio, json, os, ssl, subprocess, sys, time
from websockets.asyncio.client import connect

marker = sys.argv[3] + ".locked"
subprocess.Popen([sys.executable, sys.argv[2], os.path.dirname(sys.argv[3]), marker, "12"],
                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def one(url, i):
    ctx = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    async with connect(url, proxy=os.environ["HTTPS_PROXY"], ssl=ctx, open_timeout=20,
                       close_timeout=10) as ws:
        await asyncio.wait_for(ws.recv(), 20)
        await ws.send(json.dumps({"type": "session.update", "session": {"instructions": str(i)}}))
        await asyncio.wait_for(ws.recv(), 20)
        deadline = time.time() + 20
        while not os.path.exists(marker) and time.time() < deadline:
            await asyncio.sleep(0.05)


async def main():
    url = sys.argv[1].replace("https://", "wss://") + "/v1/realtime?model=gpt-realtime"
    await asyncio.gather(one(url, 1), one(url, 2))

asyncio.run(main())
"""


def test_the_stop_waits_for_websocket_writes_held_up_by_the_lock(base_env, gateway, tmp_path):  # noqa: F811
    folder = tmp_path / "cassettes"
    folder.mkdir()
    cassette = folder / "c.yaml"
    (tmp_path / "locker.py").write_text(LOCKER)
    (tmp_path / "client.py").write_text(CLIENT)
    env = {**base_env, "SSL_CERT_FILE": gateway.ca_path}
    run = subprocess.run(
        [VCRPROXY, "record", str(cassette),
         "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--",
         sys.executable, str(tmp_path / "client.py"), gateway.url, str(tmp_path / "locker.py"),
         str(cassette)],
        env=env, capture_output=True, text=True, timeout=90)
    assert (folder / "c.yaml.locked").exists(), run.stderr[-1500:]
    assert run.returncode == 0, (run.returncode, run.stderr[-1500:])
    assert len(load_cassette(str(cassette)).interactions) == 2, run.stderr[-1500:]
    assert "no traffic" not in run.stderr, run.stderr[-1500:]
    assert "recorded 2," in run.stderr, run.stderr[-1500:]
