"""Tester11: `vcrproxy show` leaves out a Realtime session's MCP tool calls. gpt-realtime calls
remote MCP servers itself (a session's `tools` with `type: "mcp"`): the server streams
`response.mcp_call_arguments.delta/.done` and `response.done` holds the call as an output item
of type `mcp_call` (`name`, `arguments`, `output`). websocket.summarize_session reads only
`response.function_call_arguments.done` and `function_call` items, so the view shows the
answer without the tool call that produced it, and `vcrproxy diff` of a re-recording that
called another tool (or with other arguments) says nothing about it. The Responses API's view
over HTTP shows `mcp_call` items as tool calls (aiformats._responses_items).

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
ARGS = json.dumps({"repoName": "openai/openai-python", "question": "What is Realtime?"})
CALL = {"type": "mcp_call", "id": "mcp_0001", "server_label": "deepwiki",
        "name": "ask_question", "arguments": ARGS, "output": "Realtime is a WebSocket API."}


async def _realtime(ws) -> None:
    await ws.send(json.dumps({"type": "session.created", "session": {"model": "gpt-realtime"}}))
    await ws.recv()  # response.create
    await ws.send(json.dumps({"type": "response.mcp_call_arguments.done", "item_id": "mcp_0001",
                              "output_index": 0, "arguments": ARGS}))
    await ws.send(json.dumps({"type": "response.output_text.delta", "delta": "It is a WS API."}))
    await ws.send(json.dumps({"type": "response.done", "response": {
        "status": "completed", "output": [CALL, {"type": "message", "role": "assistant",
                                                 "content": [{"type": "output_text",
                                                              "text": "It is a WS API."}]}],
        "usage": {"input_tokens": 50, "output_tokens": 6, "total_tokens": 56}}}))
    await ws.wait_closed()


async def _talk(url: str, proxy_url: str, ca: str) -> str:
    async with asyncio.timeout(20):
        async with connect(url, proxy=proxy_url, ssl=ssl.create_default_context(cafile=ca),
                           ping_interval=None) as ws:
            await ws.recv()
            await ws.send(json.dumps({"type": "response.create"}))
            while True:
                event = json.loads(await ws.recv())
                if event["type"] == "response.done":
                    return event["response"]["output"][0]["name"]


def test_mcp_tool_calls_are_shown(run_proxy, gateway, ca_cert, tmp_path):
    path = tmp_path / "rt.yaml"
    with ws_upstream(_realtime) as port:
        proxy = run_proxy(path, "record")
        url = f"wss://localhost:{port}/v1/realtime?model=gpt-realtime"
        assert asyncio.run(_talk(url, proxy.url, ca_cert)) == "ask_question"
        proxy.stop()

    done = subprocess.run([VCRPROXY, "show", "--json", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)[0]
    assert summary["text"] == "It is a WS API.", summary
    assert [(c["name"], json.loads(c["arguments"])) for c in summary["tool_calls"]] == [
        ("ask_question", json.loads(ARGS))], summary
