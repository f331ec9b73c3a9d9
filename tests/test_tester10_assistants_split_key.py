"""Tester10: OpenAI's Assistants API streams a run (`client.beta.threads.runs.stream`) as SSE
`thread.message.delta` events (`delta.content[].text.value`) and `thread.run.step.delta`
events (a tool call's `function.arguments`, code interpreter's `input`); the joined-delta search
does not know them, so a key the model writes back over two events is recorded as sent and
`vcrproxy check` says ok. Real proxy, httpx streaming, a loopback TLS upstream answering as
the API does."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]
TEXTS = ["Your key is ", KEY[:18], KEY[18:50], KEY[50:], ", keep it safe."]


def _event(name: str, obj: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps(obj)}\n\n".encode()


def _message(t: str) -> bytes:
    return _event("thread.message.delta", {"id": "msg_1", "object": "thread.message.delta",
                                           "delta": {"content": [{"index": 0, "type": "text",
                                                                  "text": {"value": t}}]}})


def _step(t: str) -> bytes:
    return _event("thread.run.step.delta", {
        "id": "step_1", "object": "thread.run.step.delta", "delta": {"step_details": {
            "type": "tool_calls", "tool_calls": [{"index": 0, "type": "function",
                                                  "function": {"arguments": t}}]}}})


START = _event("thread.run.created", {"id": "run_1", "object": "thread.run",
                                      "status": "queued"})
END = b"event: done\ndata: [DONE]\n\n"
FIELDS = {"message": ("value", _message), "tool-call": ("arguments", _step)}


@pytest.mark.parametrize("kind", list(FIELDS))
def test_tester10_key_split_over_assistants_deltas_is_redacted(kind, run_proxy, gateway, ca_cert,
                                                               tmp_path):
    field, make = FIELDS[kind]
    events = [START, *map(make, TEXTS), END]
    cassette = tmp_path / "run.yaml"
    with tls_upstream(gateway, [("Content-Type", "text/event-stream")], events) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client, client.stream(
                "POST", f"{upstream}/v1/threads/thread_1/runs",
                json={"assistant_id": "asst_1", "stream": True}) as r:
            got = b"".join(r.iter_bytes())
        assert got == b"".join(events)
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    body = i.response.body_bytes.decode()
    text = "".join(json.loads(f'"{m}"') for m in re.findall(
        rf'"{field}": "((?:[^"\\]|\\.)*)"', body))
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert KEY not in text, (f"the key split over {kind} deltas was recorded", out.output)
    assert text == "Your key is <REDACTED>, keep it safe.", text
