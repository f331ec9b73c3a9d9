"""Verify13: 736c941 lets go of an attempt the client gave up on once its retry is recorded,
but only an attempt given up "before any answer" (no response yet). An upstream that sends its
status and headers at once and the JSON body later (a gateway flushing headers early, keeping
the connection alive while the model works) has the openai SDK time out reading the body and
retry, as before: that attempt is counted as a response the client hung up on, so
`record -- CMD` still exits 3 though the retry is recorded and the same command replays fine.
A real openai client under `vcrproxy record --` / `replay --`, a loopback server slow to send
the first answer's body only.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CLIENT = """
import sys, openai
c = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key="sk-test-" + "k" * 40, max_retries=2,
                  timeout=1.5)
r = c.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
print("answer:", r.choices[0].message.content)
"""
ANSWER = json.dumps({"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
                     "choices": [{"index": 0, "finish_reason": "stop", "message": {
                         "role": "assistant", "content": "Hello"}}]}).encode()
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"


def _read_request(conn: socket.socket) -> None:
    got = b""
    while b"\r\n\r\n" not in got:
        got += conn.recv(65536)
    head, _, body = got.partition(b"\r\n\r\n")
    length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")]
                 [0].split(b":")[1])
    while len(body) < length:
        body += conn.recv(65536)


def _serve(server: socket.socket) -> None:
    server.settimeout(30)
    for n in range(2):
        try:
            conn, _ = server.accept()
        except OSError:
            return
        conn.settimeout(10)
        _read_request(conn)
        if n == 0:  # (headers now, the body never in time: the client retries)
            conn.sendall(HEAD % len(ANSWER))
            threading.Timer(4, conn.close).start()
            continue
        with conn:
            conn.sendall(HEAD % len(ANSWER) + ANSWER)
            time.sleep(0.2)


def test_verify13_a_retry_after_a_slow_body_does_not_fail_the_record_run(confdir, tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(2)
    thread = threading.Thread(target=_serve, args=(server,), daemon=True)
    thread.start()
    cassette = tmp_path / "c.yaml"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir)
    client = [sys.executable, "-c", CLIENT, f"http://127.0.0.1:{server.getsockname()[1]}"]
    try:
        rec = subprocess.run([VCRPROXY, "record", str(cassette), "--", *client], env=env,
                             capture_output=True, text=True, timeout=90)
    finally:
        server.close()
        thread.join(10)
    assert "answer: Hello" in rec.stdout, rec.stdout + rec.stderr  # (the retry succeeded)
    rep = subprocess.run([VCRPROXY, "replay", str(cassette), "--", *client], env=env,
                         capture_output=True, text=True, timeout=90)
    assert rep.returncode == 0 and "answer: Hello" in rep.stdout, rep.stderr  # (replays)
    assert rec.returncode == 0, (f"record exit {rec.returncode} though the command succeeded "
                                 f"and its cassette replays:\n{rec.stderr[-1200:]}")
