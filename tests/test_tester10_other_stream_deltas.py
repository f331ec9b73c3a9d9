"""Tester10: the joined-delta search knows OpenAI's, Anthropic's and Gemini's SSE events (and,
since the NDJSON fix, Ollama's and Cohere v1's text lines), but not the other streaming APIs an
SDK talks to: Cohere v2's SSE (`content-delta`'s `delta.message.content.text`, `tool-call-delta`'s
`function.arguments`), Hugging Face TGI's `generate_stream` (`token.text`), Cohere v1's
`tool-calls-chunk` (`tool_call_delta.parameters`). A key a model streams over two events there
is recorded as sent and `vcrproxy check` says ok. Real proxy, httpx streaming, a loopback TLS
upstream writing one event per chunk."""

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

KEY = SHAPE_EXAMPLES["anthropic"]
TEXTS = ["Your key is ", KEY[:15], KEY[15:45], KEY[45:], ", keep it safe."]


def _sse(obj: dict, event: str | None = None) -> bytes:
    return (f"event: {event}\n" if event else "").encode() + b"data: " \
        + json.dumps(obj).encode() + b"\n\n"


def _cohere2(kind: str, message: dict) -> bytes:
    return _sse({"type": kind, "index": 0, "delta": {"message": message}}, kind)


START = _sse({"id": "c-1", "type": "message-start",
              "delta": {"message": {"role": "assistant"}}}, "message-start")
END = _sse({"type": "message-end", "delta": {"finish_reason": "COMPLETE"}}, "message-end")
STREAMS = {
    "cohere-v2-text": ("text/event-stream", "/v2/chat", [
        START, *(_cohere2("content-delta", {"content": {"text": t}}) for t in TEXTS), END]),
    "cohere-v2-tool-args": ("text/event-stream", "/v2/chat", [
        START, *(_cohere2("tool-call-delta", {"tool_calls": {"function": {"arguments": t}}})
                 for t in TEXTS), END]),
    "tgi": ("text/event-stream", "/generate_stream", [
        _sse({"index": k, "token": {"id": k, "text": t, "logprob": -0.25, "special": False},
              "generated_text": None, "details": None}) for k, t in enumerate(TEXTS)]),
    # Anthropic's legacy Text Completions API (claude-2, /v1/complete with stream: true).
    "anthropic-complete": ("text/event-stream", "/v1/complete", [
        _sse({"type": "completion", "completion": t, "stop_reason": None,
              "model": "claude-2.1"}, "completion") for t in TEXTS]),
    "cohere-v1-tool-params": ("application/stream+json", "/v1/chat", [
        json.dumps({"is_finished": False, "event_type": "tool-calls-chunk",
                    "tool_call_delta": {"index": 0, "parameters": t}}).encode() + b"\n"
        for t in TEXTS]),
}


@pytest.mark.parametrize("api", list(STREAMS))
def test_tester10_key_split_over_other_apis_events_is_redacted(api, run_proxy, gateway, ca_cert,
                                                               tmp_path):
    ctype, path, pieces = STREAMS[api]
    cassette = tmp_path / "stream.yaml"
    with tls_upstream(gateway, [("Content-Type", ctype)], pieces) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client, client.stream(
                "POST", upstream + path, json={"model": "m", "stream": True,
                                               "messages": [{"role": "user", "content": "key?"}]}
        ) as r:
            got = b"".join(r.iter_bytes())
        assert got == b"".join(pieces)  # (the client got it as sent)
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    body = i.response.body_bytes
    assert b"keep it safe" in body  # (recorded)
    joined = "".join(json.loads(f'"{m}"') for m in re.findall(
        r'"(?:text|arguments|parameters|completion)": "((?:[^"\\]|\\.)*)"', body.decode()))
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert KEY not in joined, (f"the key split over {api} events was recorded", out.output)
    assert joined == "Your key is <REDACTED>, keep it safe.", joined
