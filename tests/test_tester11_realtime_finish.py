"""Tester11: `vcrproxy show` of an OpenAI Realtime session says `finish: cancelled` when an
early response was cancelled (the user barged in: `response.cancel`, or server VAD) although
the session's last response completed. websocket.summarize_session sets the finish reason
from any `response.done` whose status is not `completed` and never resets it, so the view
reports the session as ending in a cancelled answer, and `vcrproxy diff` of two recordings that
both ended in a completed answer reports `finish: cancelled -> -` when only the first had a
barge-in somewhere. Over HTTP the finish reason is the (last) answer's; here the last
response's status is what the session ended with.

Real parts: a loopback TLS Realtime-shaped server (`websockets`), the real proxy recording, a
`websockets` client, the `vcrproxy` CLI."""

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


def _done(status: str) -> str:
    return json.dumps({"type": "response.done", "response": {"status": status, "output": [],
                       "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}}})


async def _realtime(ws) -> None:
    await ws.send(json.dumps({"type": "session.created", "session": {"model": "gpt-realtime"}}))
    await ws.recv()  # response.create
    await ws.send(json.dumps({"type": "response.output_text.delta", "delta": "Once upon"}))
    await ws.recv()  # response.cancel: the user interrupted
    await ws.send(_done("cancelled"))
    await ws.recv()  # response.create
    await ws.send(json.dumps({"type": "response.output_text.delta", "delta": "Sure."}))
    await ws.send(_done("completed"))
    await ws.wait_closed()


async def _talk(url: str, proxy_url: str, ca: str) -> list[str]:
    statuses = []
    async with asyncio.timeout(20):
        async with connect(url, proxy=proxy_url, ssl=ssl.create_default_context(cafile=ca),
                           ping_interval=None) as ws:
            await ws.recv()
            await ws.send(json.dumps({"type": "response.create"}))
            await ws.recv()  # the first delta
            await ws.send(json.dumps({"type": "response.cancel"}))
            statuses.append(json.loads(await ws.recv())["response"]["status"])
            await ws.send(json.dumps({"type": "response.create"}))
            await ws.recv()
            statuses.append(json.loads(await ws.recv())["response"]["status"])
    return statuses


def test_finish_is_the_last_responses(run_proxy, gateway, ca_cert, tmp_path):
    path = tmp_path / "rt.yaml"
    with ws_upstream(_realtime) as port:
        proxy = run_proxy(path, "record")
        url = f"wss://localhost:{port}/v1/realtime?model=gpt-realtime"
        assert asyncio.run(_talk(url, proxy.url, ca_cert)) == ["cancelled", "completed"]
        proxy.stop()

    done = subprocess.run([VCRPROXY, "show", "--json", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)[0]
    assert summary["text"] == "Once upon\n\nSure.", summary
    assert summary["finish_reason"] in (None, "completed"), summary
