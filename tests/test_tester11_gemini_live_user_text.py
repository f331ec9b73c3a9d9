"""Tester11: `vcrproxy show` names the wrong user message for a Gemini Live session.

websocket.summarize_session takes the user's text from `clientContent.turns[].parts[].text`
of every turn whatever its role, and from nothing else. Two things google-genai sends:

- `session.send_client_content(turns=[user, model], turn_complete=False)` restores a
  conversation's history (the Live API docs' "incremental updates" example): the last part is
  the *model's* earlier answer, shown as `user: Paris`;
- `session.send_realtime_input(text=...)` (`{"realtimeInput": {"text": ...}}`, the Live API's
  realtime text input) is the question the model answers, never shown.

So the session below, whose user asked "And of Germany?", shows `user: Paris`: a reviewer
reads the model's own words as what the user said. Real parts: a loopback TLS Live-shaped
server (`websockets`, binary frames), the real proxy recording, a `websockets` client, the
`vcrproxy` CLI."""

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
PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
QUESTION = "And of Germany?"


async def _live(ws) -> None:
    await ws.recv()  # setup
    await ws.send(json.dumps({"setupComplete": {}}).encode())
    await ws.recv()  # the history (turn_complete false: no answer)
    await ws.recv()  # realtimeInput.text
    for obj in ({"serverContent": {"modelTurn": {"parts": [{"text": "Berlin."}]}}},
                {"serverContent": {"turnComplete": True}}):
        await ws.send(json.dumps(obj).encode())
    await ws.wait_closed()


async def _talk(url: str, proxy_url: str, ca: str) -> str:
    async with asyncio.timeout(20):
        async with connect(url, proxy=proxy_url, ssl=ssl.create_default_context(cafile=ca),
                           ping_interval=None) as ws:
            await ws.send(json.dumps({"setup": {"model": "models/gemini-live-2.5-flash"}}))
            await ws.recv()
            await ws.send(json.dumps({"clientContent": {"turns": [
                {"role": "user", "parts": [{"text": "What is the capital of France?"}]},
                {"role": "model", "parts": [{"text": "Paris"}]},
            ], "turnComplete": False}}))
            await ws.send(json.dumps({"realtimeInput": {"text": QUESTION}}))
            text = ""
            while True:
                content = json.loads(await ws.recv())["serverContent"]
                for part in content.get("modelTurn", {}).get("parts", []):
                    text += part["text"]
                if content.get("turnComplete"):
                    return text


def test_live_user_text_is_what_the_user_said_last(run_proxy, gateway, ca_cert, tmp_path):
    with ws_upstream(_live) as port:
        path = tmp_path / "live.yaml"
        proxy = run_proxy(path, "record")
        url = f"wss://localhost:{port}{PATH}"
        assert asyncio.run(_talk(url, proxy.url, ca_cert)) == "Berlin."
        proxy.stop()

    done = subprocess.run([VCRPROXY, "show", "--json", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)[0]
    assert summary["user_message"] == QUESTION, summary
    assert summary["text"] == "Berlin.", summary
