"""Tester11: a Gemini Live voice answer (native audio, the default `responseModalities: AUDIO`,
no output transcription asked for) is invisible to the views: `vcrproxy show` says
`assistant: (no text)`, and `vcrproxy diff` of two recordings whose spoken answers differ says
`no differences` and exits 0. websocket.summarize_session reads only a `modelTurn` part's
`text`; its `inlineData` (the audio, base64 PCM) is skipped. Over HTTP the same part is a line
of the answer (aiformats._Out.media), and the README says so for every view: "an image or
audio the answer generated (Gemini `inlineData` ...) is a line of it in every view,
`[image image/png, 1234 bytes, sha256 <16 hex>]`: a new image is a changed answer".

Expected: one `[audio audio/pcm;rate=24000, N bytes, sha256 ...]` line per spoken turn (its
chunks joined, as a streamed audio answer is over HTTP), so a changed voice answer is a
changed answer. Real parts: a loopback TLS Live-shaped server (binary frames), the real proxy
recording twice, a `websockets` client, the `vcrproxy` CLI."""

from __future__ import annotations

import asyncio
import base64
import hashlib
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
PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
MIME = "audio/pcm;rate=24000"
ANSWERS: list[list[bytes]] = []  # the audio chunks of the next session's answer


async def _live(ws) -> None:
    await ws.recv()  # setup
    await ws.send(json.dumps({"setupComplete": {}}).encode())
    await ws.recv()  # clientContent
    for chunk in ANSWERS.pop(0):
        await ws.send(json.dumps({"serverContent": {"modelTurn": {"parts": [{"inlineData": {
            "mimeType": MIME, "data": base64.b64encode(chunk).decode()}}]}}}).encode())
    await ws.send(json.dumps({"serverContent": {"turnComplete": True}}).encode())
    await ws.wait_closed()


async def _talk(url: str, proxy_url: str, ca: str) -> bytes:
    audio = b""
    async with asyncio.timeout(20):
        async with connect(url, proxy=proxy_url, ssl=ssl.create_default_context(cafile=ca),
                           ping_interval=None) as ws:
            await ws.send(json.dumps({"setup": {
                "model": "models/gemini-2.5-flash-native-audio-preview-09-2025",
                "generationConfig": {"responseModalities": ["AUDIO"]}}}))
            await ws.recv()
            await ws.send(json.dumps({"clientContent": {"turns": [{"role": "user", "parts": [
                {"text": "Say hello"}]}], "turnComplete": True}}))
            while True:
                content = json.loads(await ws.recv())["serverContent"]
                for part in content.get("modelTurn", {}).get("parts", []):
                    audio += base64.b64decode(part["inlineData"]["data"])
                if content.get("turnComplete"):
                    return audio


def _vcrproxy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60)


def test_live_audio_answer_is_a_line_of_the_answer(run_proxy, gateway, ca_cert, tmp_path):
    answers = [[b"\x01\x02" * 400, b"\x03\x04" * 300], [b"\x05\x06" * 400, b"\x07\x08" * 300]]
    ANSWERS[:] = [list(a) for a in answers]
    paths = [tmp_path / "old.yaml", tmp_path / "new.yaml"]
    with ws_upstream(_live) as port:
        for path, chunks in zip(paths, answers, strict=True):
            proxy = run_proxy(path, "record")
            url = f"wss://localhost:{port}{PATH}"
            assert asyncio.run(_talk(url, proxy.url, ca_cert)) == b"".join(chunks)
            proxy.stop()

    audio = b"".join(answers[1])
    line = f"[audio {MIME}, {len(audio)} bytes, sha256 {hashlib.sha256(audio).hexdigest()[:16]}]"
    shown = _vcrproxy("show", str(paths[1])).stdout
    assert f"assistant: {line}" in shown, shown
    diff = _vcrproxy("diff", "--ignore-latency", *map(str, paths))
    assert diff.returncode == 1, diff.stdout + diff.stderr  # another voice answer
    assert line in diff.stdout, diff.stdout
