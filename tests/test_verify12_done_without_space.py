"""Verify12: round 12 makes `record -- CMD` exit 3 when the client cut a stream short
(8923eab), and keeps a stream the client closed right after its final event "recorded whole".
The final-event test for OpenAI chat is the bytes `\\ndata: [DONE]`: an OpenAI-compatible server
that writes SSE fields without the optional space (`data:{...}`, `data:[DONE]`, as Spring's
SseEmitter / WebFlux do, and the SSE spec allows) is not seen to have finished. The openai SDK
(which reads `data:[DONE]` fine, breaks there and closes the response) then leaves nothing
recorded and the run exits 3, though the client read the whole answer. With `data: [DONE]` the
same run records and exits 0. A real openai client under `vcrproxy record --`, a loopback server
that flushes [DONE] and ends the chunked body a moment later.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CLIENT = """
import sys, openai
c = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key="sk-test-" + "k" * 40, max_retries=0)
s = c.chat.completions.create(model="m", stream=True,
                              messages=[{"role": "user", "content": "hi"}])
print("".join(ch.choices[0].delta.content or "" for ch in s if ch.choices))
"""


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _serve(server: socket.socket, sep: bytes) -> None:
    server.settimeout(30)
    try:
        conn, _ = server.accept()
    except OSError:
        return
    with conn:
        conn.settimeout(10)
        got = b""
        while b"\r\n\r\n" not in got:
            got += conn.recv(65536)
        head, _, body = got.partition(b"\r\n\r\n")
        length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")]
                     [0].split(b":")[1])
        while len(body) < length:
            body += conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        for word in ("Hello", " world"):
            event = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                     "choices": [{"index": 0, "delta": {"content": word},
                                  "finish_reason": None}]}
            conn.sendall(_chunk(b"data:" + sep + json.dumps(event).encode() + b"\n\n"))
            time.sleep(0.05)
        conn.sendall(_chunk(b"data:" + sep + b"[DONE]\n\n"))
        time.sleep(1.5)  # (the server ends its body a moment after [DONE])
        try:
            conn.sendall(b"0\r\n\r\n")
        except OSError:
            pass


@pytest.mark.parametrize("sep", [b" ", b""], ids=["data-space", "data-no-space"])
def test_verify12_a_client_that_read_to_done_exits_0(sep, confdir, tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    thread = threading.Thread(target=_serve, args=(server, sep), daemon=True)
    thread.start()
    cassette = tmp_path / "c.yaml"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir)
    try:
        rec = subprocess.run(
            [VCRPROXY, "record", str(cassette), "--", sys.executable, "-c", CLIENT,
             f"http://127.0.0.1:{server.getsockname()[1]}"],
            env=env, capture_output=True, text=True, timeout=90)
    finally:
        server.close()
        thread.join(5)
    assert "Hello world" in rec.stdout, rec.stdout + rec.stderr  # (the client read it all)
    assert rec.returncode == 0, (f"exit {rec.returncode} for a client that read the stream to "
                                 f"[DONE]:\n{rec.stderr[-1500:]}")
