"""Verify12: `record -- CMD` exits 3 when an exchange was not recorded, saying the next replay
would miss it (upstream failures; round 12 adds responses a client cut short, 8923eab). An SDK
that timed out on a slow first attempt and succeeded on its automatic retry (the openai SDK's
default max_retries=2) trips it: the attempt the client gave up before any answer is logged as
"upstream failed ... Client disconnected" and counted an upstream failure, so the command's
successful run exits 3, yet the cassette holds the retried exchange and the same command
replays fine (exit 0). A real openai client under `vcrproxy record --` / `replay --`, a
loopback server slow to answer the first request only.
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
        if n == 0:  # (slow: the client gives up and retries on a new connection)
            threading.Timer(4, conn.close).start()
            continue
        with conn:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER))
            time.sleep(0.2)


def test_verify12_a_retried_request_does_not_fail_the_record_run(confdir, tmp_path):
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


GIVE_UP = """
import sys, httpx
try:
    httpx.post(sys.argv[1] + "/v1/chat/completions", json={"model": "m"}, timeout=1.0)
except httpx.TimeoutException:
    print("gave up")
"""


def test_a_request_given_up_and_never_sent_again_fails_the_record_run(confdir, tmp_path):
    # (The other side of the rule: no retry recorded it, so the next replay would miss it.)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(2)
    thread = threading.Thread(target=_serve, args=(server,), daemon=True)
    thread.start()
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir)
    try:
        rec = subprocess.run(
            [VCRPROXY, "record", str(tmp_path / "c.yaml"), "--", sys.executable, "-c",
             GIVE_UP, f"http://127.0.0.1:{server.getsockname()[1]}"],
            env=env, capture_output=True, text=True, timeout=90)
    finally:
        server.close()
        thread.join(10)
    assert "gave up" in rec.stdout, rec.stdout + rec.stderr
    assert rec.returncode == 3, rec.stderr[-1200:]
    assert "gave up on before any answer, and did not send again" in rec.stderr, rec.stderr
