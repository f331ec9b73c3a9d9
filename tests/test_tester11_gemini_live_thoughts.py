"""Tester11: a Gemini Live session of a thinking model (gemini-2.5-flash-native-audio and the
other Live models with thinking on, `includeThoughts`) sends its thoughts as
`serverContent.modelTurn.parts[]` with `"thought": true`, beside the answer's transcript
(`outputTranscription`) or text. `vcrproxy show` / `show --plain` print those thoughts as the
assistant's answer (websocket.summarize_session joins every part's text), while the same parts
over HTTP (`generateContent`) are shown as `thinking:` and kept out of the answer
(aiformats._gemini). A reviewer reads the model's private planning as what it said, and a
re-recording whose thoughts changed reads as a changed answer.

Real parts: a loopback TLS Live-shaped server (`websockets`, binary frames as Gemini Live sends
them), the real proxy recording, a `websockets` client, the `vcrproxy` CLI."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import threading

import pytest
from fakegateway import _ca

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
THOUGHT = "**Planning a greeting** The user said hi; I will greet them back briefly."
ANSWER = "Hello there!"


async def _live(ws) -> None:
    await ws.recv()  # setup
    await ws.send(json.dumps({"setupComplete": {}}).encode())
    await ws.recv()  # clientContent
    for obj in (
        {"serverContent": {"modelTurn": {"parts": [{"text": THOUGHT, "thought": True}]}}},
        {"serverContent": {"modelTurn": {"parts": [{"text": "Hello "}]}}},
        {"serverContent": {"modelTurn": {"parts": [{"text": "there!"}]}}},
        {"serverContent": {"turnComplete": True},
         "usageMetadata": {"promptTokenCount": 4, "responseTokenCount": 3,
                           "totalTokenCount": 30, "thoughtsTokenCount": 23}},
    ):
        await ws.send(json.dumps(obj).encode())
    await ws.wait_closed()


class _Server:
    def __init__(self) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        _ca().issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
        self.loop = asyncio.new_event_loop()
        self.ready, self.port = threading.Event(), 0
        self.stopping: asyncio.Event | None = None

        async def main() -> None:
            self.stopping = asyncio.Event()
            async with serve(_live, "127.0.0.1", 0, ssl=ctx) as server:
                self.port = server.sockets[0].getsockname()[1]
                self.ready.set()
                await self.stopping.wait()

        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(main(),),
                                       daemon=True)
        self.thread.start()
        assert self.ready.wait(10)

    def stop(self) -> None:
        assert self.stopping is not None
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(10)


async def _talk(url: str, proxy_url: str, ca: str) -> str:
    text = ""
    async with asyncio.timeout(20):
        async with connect(url, proxy=proxy_url, ssl=ssl.create_default_context(cafile=ca),
                           ping_interval=None) as ws:
            await ws.send(json.dumps({"setup": {"model": "models/gemini-live-2.5-flash",
                                                "generationConfig": {"thinkingConfig": {
                                                    "includeThoughts": True}}}}))
            await ws.recv()
            await ws.send(json.dumps({"clientContent": {"turns": [{"role": "user", "parts": [
                {"text": "Hi"}]}], "turnComplete": True}}))
            while True:
                obj = json.loads(await ws.recv())
                for part in obj.get("serverContent", {}).get("modelTurn", {}).get("parts", []):
                    if not part.get("thought"):
                        text += part["text"]
                if obj.get("serverContent", {}).get("turnComplete"):
                    return text


def test_live_thoughts_are_not_shown_as_the_answer(run_proxy, gateway, ca_cert, tmp_path):
    server = _Server()
    try:
        path = tmp_path / "live.yaml"
        proxy = run_proxy(path, "record")
        url = f"wss://localhost:{server.port}{PATH}"
        assert asyncio.run(_talk(url, proxy.url, ca_cert)) == ANSWER  # what the app shows
        proxy.stop()
    finally:
        server.stop()

    def run(*args: str) -> str:
        done = subprocess.run([VCRPROXY, "show", *args, str(path)], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    out = run()
    assert f"assistant: {ANSWER}\n" in out, out
    assert "thinking: " + THOUGHT in out, out  # shown, as for HTTP Gemini, apart
    plain = run("--plain")
    assert f"< assistant: {ANSWER}\n" in plain, plain
    assert "Planning a greeting" not in plain.split("< assistant:")[1], plain
    data = json.loads(run("--json"))[0]
    assert data["text"] == ANSWER and data["reasoning"] == THOUGHT, data
