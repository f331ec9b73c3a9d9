"""Tester11: `vcrproxy diff` and `show --plain` never look at what a WebSocket server said when
the session is not one the views read as a conversation (a speech-to-text or text-to-speech
socket: Deepgram, AssemblyAI, ElevenLabs... any client through the proxy is recorded, README
"WebSockets"). Two recordings whose server answered "hello world" and then "goodbye moon" are
`no differences` (exit 0), and their plain views (git's textconv) are identical: a changed
answer no reviewer can see. An HTTP exchange that holds no chat answer has its response body
compared and shown instead (README: "for an exchange that holds no answer (an embeddings
vector, a tool's JSON, a file), its response body"); a session's counterpart is its server
messages.

Expected: the server messages of a session that holds no answer are compared (as replay
compares client messages) and shown by `show --plain`. Real parts: a loopback TLS
transcription-shaped server (`websockets`), the real proxy recording twice, a `websockets`
client, the `vcrproxy` CLI."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys

import pytest
from ws_upstream import ws_upstream

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
HEARD: list[str] = []  # what the server transcribes in the next session


async def _transcriber(ws) -> None:
    await ws.recv()  # audio
    await ws.send(json.dumps({"type": "Results", "is_final": True, "channel": {
        "alternatives": [{"transcript": HEARD.pop(0), "confidence": 0.98}]}}))
    await ws.recv()  # CloseStream
    await ws.send(json.dumps({"type": "Metadata", "duration": 1.5}))
    await ws.close(1000)


async def _transcribe(url: str, proxy_url: str, ca: str) -> str:
    async with asyncio.timeout(20):
        async with connect(url, proxy=proxy_url, ssl=ssl.create_default_context(cafile=ca),
                           ping_interval=None) as ws:
            await ws.send(b"\x00\x01" * 800)  # audio
            result = json.loads(await ws.recv())
            await ws.send(json.dumps({"type": "CloseStream"}))
            await ws.recv()
            return result["channel"]["alternatives"][0]["transcript"]


def _vcrproxy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60)


def test_diff_sees_what_the_server_said(run_proxy, gateway, ca_cert, tmp_path):
    heard = ["hello world", "goodbye moon"]
    HEARD[:] = heard
    paths = [tmp_path / "old.yaml", tmp_path / "new.yaml"]
    with ws_upstream(_transcriber) as port:
        for path, text in zip(paths, heard, strict=True):
            proxy = run_proxy(path, "record")
            url = f"wss://localhost:{port}/v1/listen?model=nova-3"
            assert asyncio.run(_transcribe(url, proxy.url, ca_cert)) == text
            proxy.stop()

    plain = [_vcrproxy("show", "--plain", str(p)).stdout for p in paths]
    assert "goodbye moon" in plain[1], plain[1]  # what git diff (textconv) compares
    diff = _vcrproxy("diff", "--ignore-latency", *map(str, paths))
    assert diff.returncode == 1, diff.stdout + diff.stderr
    assert "goodbye moon" in diff.stdout, diff.stdout
    same = _vcrproxy("diff", "--ignore-latency", str(paths[1]), str(paths[1]))
    assert same.returncode == 0, same.stdout  # (a session is no difference to itself)
