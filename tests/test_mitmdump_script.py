"""The addon loaded straight into real `mitmdump -s addon/vcr.py`: record, then replay offline.

mitmdump runs as a subprocess (the venv's own binary), stopped with SIGINT like Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fakegateway import FakeGateway

from vcrproxy import load_cassette
from vcrproxy.cassette import REDACTED

MITMDUMP = Path(sys.executable).parent / "mitmdump"
ADDON = Path(__file__).resolve().parent.parent / "addon" / "vcr.py"
FAKE_KEY = "sk-test-" + "M1tmDump00" * 4
PROMPT = "recorded by mitmdump"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def mitmdump(confdir: str, log: Path, *sets: str, tty: bool = False):
    """A running mitmdump with the VCR script; yields (process, proxy URL); SIGINT on exit.
    `tty`: its output goes to a terminal (a pseudo-terminal copied to `log`), as a user's does:
    mitmdump styles it then."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    args = [str(MITMDUMP), "-s", str(ADDON), "--listen-host", "127.0.0.1",
            "--listen-port", str(port), "--set", f"confdir={confdir}"]
    for s in sets:
        args += ["--set", s]
    copier = None
    if tty:
        import pty
        import threading

        log.write_bytes(b"")
        master, terminal = pty.openpty()
        proc = subprocess.Popen(args, stdout=terminal, stderr=terminal,
                                stdin=subprocess.DEVNULL, env=env)
        os.close(terminal)

        def copy() -> None:
            with open(log, "ab") as out:
                while True:
                    try:
                        data = os.read(master, 65536)
                    except OSError:  # (EIO: the terminal's last writer is gone)
                        break
                    if not data:
                        break
                    out.write(data)
                    out.flush()
            os.close(master)

        copier = threading.Thread(target=copy, daemon=True)
        copier.start()
    else:
        with open(log, "wb") as out:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"mitmdump exited early:\n{log.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"mitmdump did not listen:\n{log.read_text()}") from None
                time.sleep(0.05)
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if copier is not None:
            copier.join(10)


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=20)


def exchanges(client: httpx.Client, base: str) -> list[tuple[int, str, bytes]]:
    """The traffic of both runs: a JSON GET, a non-stream and a stream chat completion."""
    out = []
    r = client.get(base + "/json?size=40")
    out.append((r.status_code, r.http_version, r.content))
    headers = {"Authorization": f"Bearer {FAKE_KEY}"}
    for stream in (False, True):
        body = {"model": "gpt-fake", "stream": stream,
                "messages": [{"role": "user", "content": PROMPT}]}
        r = client.post(base + "/v1/chat/completions", json=body, headers=headers)
        out.append((r.status_code, r.http_version, r.content))
    return out


@pytest.fixture(scope="module")
def recording(confdir, ca_cert, tmp_path_factory):
    """Record through mitmdump against a private gateway, which is then stopped for good."""
    tmp = tmp_path_factory.mktemp("mitmdump")
    cassette = tmp / "cassettes" / "mitmdump.yaml"
    gw = FakeGateway(gap_ms=30).start()
    try:
        with mitmdump(confdir, tmp / "record.log", f"vcr_cassette={cassette}",
                      "vcr_mode=record", f"ssl_verify_upstream_trusted_ca={gw.ca_path}") as (
                proc, url):
            verify = ssl.create_default_context(cafile=ca_cert)
            with httpx.Client(proxy=url, verify=verify, http2=True, timeout=20) as client:
                got = exchanges(client, gw.url)
            with httpx.Client(verify=ssl.create_default_context(cafile=gw.ca_path),
                              timeout=20) as direct:
                want = exchanges(direct, gw.url)
            code = stop(proc)
        base = gw.url
        upstream_connections = gw.connections
    finally:
        gw.stop()
    return {"cassette": cassette, "base": base, "got": got, "want": want, "code": code,
            "log": (tmp / "record.log").read_text(errors="replace"), "tmp": tmp,
            "upstream_connections": upstream_connections}


def test_record_with_mitmdump(recording):
    assert recording["code"] == 0, recording["log"]
    got, want = recording["got"], recording["want"]
    assert [(s, b) for s, _, b in got] == [(s, b) for s, _, b in want]  # proxied == direct
    assert {v for _, v, _ in got} == {"HTTP/2"}
    assert all(s == 200 for s, _, _ in got)
    cassette = recording["cassette"]
    text = cassette.read_text()
    assert FAKE_KEY not in text
    recs = load_cassette(cassette).interactions
    base = recording["base"]
    assert [(r.id, r.request.method, r.request.url) for r in recs] == [
        (0, "GET", base + "/json?size=40"),
        (1, "POST", base + "/v1/chat/completions"),
        (2, "POST", base + "/v1/chat/completions"),
    ]
    for rec, (_, _, body) in zip(recs, want, strict=True):
        assert rec.response.body_bytes == body
        assert (rec.request.proto, rec.response.proto) == ("HTTP/1.1", "HTTP/2.0")
        assert rec.response.status == "200 OK"
    assert recs[0].request.form == {"size": ["40"]}
    assert recs[1].request.headers["Authorization"] == [f"Bearer {REDACTED}"]
    assert recs[2].response.content_length == -1 and recs[2].response.chunks
    assert recs[2].response.body.endswith("data: [DONE]\n\n")
    # the addon's summary reaches mitmdump's log at shutdown
    assert "mode record, replayed 0, recorded 3" in recording["log"]


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_replay_with_mitmdump_offline(http2, recording, confdir, ca_cert):
    assert recording["code"] == 0
    cassette, base = recording["cassette"], recording["base"]
    before = cassette.read_bytes()
    port = int(base.rsplit(":", 1)[1])
    with pytest.raises(OSError):  # the gateway is gone: nothing upstream to reach
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    log = recording["tmp"] / f"replay-{http2}.log"
    with mitmdump(confdir, log, f"vcr_cassette={cassette}", "vcr_mode=replay") as (proc, url):
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=url, verify=verify, http2=http2, timeout=20) as client:
            replayed = exchanges(client, base)
            # each interaction answers once: the same request again is a miss
            miss = client.get(base + "/json?size=40")
        code = stop(proc)
    assert code == 0
    assert [(s, b) for s, _, b in replayed] == [(s, b) for s, _, b in recording["want"]]
    assert {v for _, v, _ in replayed} == {"HTTP/2" if http2 else "HTTP/1.1"}
    assert miss.status_code == 400 and miss.headers["x-vcrproxy-miss"] == "1"
    assert "vcrproxy" in miss.json()["error"]["message"]
    assert cassette.read_bytes() == before  # replay never writes
    text = log.read_text(errors="replace")
    assert "mode replay, replayed 3, recorded 0, missed 1" in text, text
