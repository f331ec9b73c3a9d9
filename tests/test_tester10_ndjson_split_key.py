"""Tester10: a key a model streams back a few characters per event is found in the stream's
deltas joined for SSE (OpenAI, Anthropic, Gemini), Gemini's JSON array and Bedrock's
event-stream frames, but not for the NDJSON streams (one JSON object per line) of Ollama
(`/api/chat`'s `message.content`, `/api/generate`'s `response`) and Cohere's v1 chat
(`text-generation` events' `text`): no line holds the key whole, so it is recorded as sent
(split over two lines, which every client joins) and `vcrproxy check` says ok. The same key
whole in one line is redacted. Real proxy, httpx streaming, a loopback TLS upstream writing
one line per chunk."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]
TEXTS = ["Your key is ", KEY[:18], KEY[18:50], KEY[50:], ", keep it safe."]


def _ollama_chat(text: str, done: bool = False) -> dict:
    return {"model": "llama3.2", "created_at": "2025-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": text}, "done": done}


def _ollama_generate(text: str, done: bool = False) -> dict:
    return {"model": "llama3.2", "created_at": "2025-01-01T00:00:00Z", "response": text,
            "done": done}


def _cohere(text: str) -> dict:
    return {"is_finished": False, "event_type": "text-generation", "text": text}


STREAMS = {
    "ollama-chat": ("/api/chat", [_ollama_chat(t) for t in TEXTS] + [_ollama_chat("", True)],
                    lambda o: o["message"]["content"]),
    "ollama-generate": ("/api/generate", [_ollama_generate(t) for t in TEXTS]
                        + [_ollama_generate("", True)], lambda o: o["response"]),
    "cohere-v1": ("/v1/chat", [{"is_finished": False, "event_type": "stream-start",
                                "generation_id": "g-1"}, *(_cohere(t) for t in TEXTS),
                               {"is_finished": True, "event_type": "stream-end",
                                "finish_reason": "COMPLETE"}],
                  lambda o: o.get("text", "")),
}


@pytest.mark.parametrize("api", list(STREAMS))
def test_tester10_key_split_over_ndjson_lines_is_redacted(api, run_proxy, gateway, ca_cert,
                                                          tmp_path):
    _check(api, [], run_proxy, gateway, ca_cert, tmp_path)


def test_ndjson_stream_with_blank_lines_first_is_a_delta_stream(run_proxy, gateway, ca_cert,
                                                                 tmp_path):
    """(Blank lines before the first object, which NDJSON readers skip, left the stream
    unrecognised.)"""
    _check("ollama-chat", [b"\n", b"\r\n"], run_proxy, gateway, ca_cert, tmp_path)


def _check(api: str, blank: list[bytes], run_proxy, gateway, ca_cert, tmp_path) -> None:
    path, events, text_of = STREAMS[api]
    lines = blank + [json.dumps(e).encode() + b"\n" for e in events]
    cassette = tmp_path / "ndjson.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/x-ndjson")], lines) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client, client.stream(
                "POST", upstream + path, json={"model": "llama3.2", "stream": True,
                                               "messages": [{"role": "user", "content": "key?"}]}
        ) as r:
            got = [json.loads(line) for line in r.iter_lines() if line.strip()]
        assert "".join(map(text_of, got)) == "".join(TEXTS)  # (the client got it whole)
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    recorded = [json.loads(line) for line in i.response.body_bytes.splitlines() if line.strip()]
    assert len(recorded) == len(events)  # (recorded, every line still parses)
    text = "".join(map(text_of, recorded))
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert KEY not in text, (f"the key split over {api} lines was recorded", out.output)
    assert text == "Your key is <REDACTED>, keep it safe.", text
