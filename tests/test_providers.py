"""Provider recognition is one rule (providers.py): misses (error shape), recording (end of
stream) and show (how a body is read) agree for every API, including the cases that used to
disagree (Gemini's OpenAI-compatible endpoint)."""

from __future__ import annotations

import json

import pytest
from mitmproxy import http

from vcrproxy import aiformats, misses, providers
from vcrproxy.recording import StreamRecorder

CASES = [
    # url, headers, API, error family
    ("https://api.openai.com/v1/chat/completions", {}, "openai-chat", "openai"),
    ("https://openrouter.ai/api/v1/chat/completions", {}, "openai-chat", "openai"),
    ("https://api.openai.com/v1/responses", {}, "openai-responses", "openai"),
    ("https://api.anthropic.com/v1/messages", {"anthropic-version": "2023-06-01"},
     "anthropic-messages", "anthropic"),
    ("https://gateway.example/v1/messages", {}, "anthropic-messages", "anthropic"),
    ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:"
     "streamGenerateContent?alt=sse", {}, "gemini", "gemini"),
    ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/l/publishers/"
     "google/models/gemini-2.5-pro:generateContent", {}, "gemini", "gemini"),
    # Gemini's OpenAI-compatible endpoint speaks OpenAI chat: OpenAI errors, [DONE], chat view.
    ("https://generativelanguage.googleapis.com/v1beta/openai/chat/completions", {},
     "openai-chat", "openai"),
    ("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse-stream", {},
     "bedrock-eventstream", "bedrock"),
    ("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse", {},
     "bedrock-converse", "bedrock"),
]


def _request(url: str, headers: dict[str, str]) -> http.Request:
    req = http.Request.make("POST", url, b"{}", headers)
    req.timestamp_start = req.timestamp_end = 1.0
    return req


@pytest.mark.parametrize(("url", "headers", "api", "family"), CASES)
def test_misses_recording_and_show_agree(url, headers, api, family):
    req = _request(url, headers)
    # show / diff / the LLM contentview
    assert aiformats.guess_provider(url, b"{}") == api
    # a miss: the error shape of that API's SDK
    assert misses.provider_of(url, req.headers) == family
    body = json.loads(misses.miss_response(req, "no match").content)
    assert body == providers.recognise(url, req.headers).error_body("no match")
    # recording: the end-of-stream marker is that API's
    flow = http.HTTPFlow(None, None)  # type: ignore[arg-type]
    flow.request = req
    flow.response = http.Response.make(200, b"", {"content-type": "text/event-stream"})
    recorder = StreamRecorder(flow)
    expected = next(p for p in providers.PROVIDERS if p.api == api)
    assert recorder.final_events == (expected.stream_end or providers.ANY_STREAM_END)


def test_unknown_requests_get_openai_errors_and_any_stream_end():
    url = "https://llm.internal.example/generate"
    req = _request(url, {})
    assert aiformats.guess_provider(url) == "unknown"
    assert misses.provider_of(url, req.headers) == "openai"
    flow = http.HTTPFlow(None, None)  # type: ignore[arg-type]
    flow.request = req
    flow.response = http.Response.make(200, b"", {"content-type": "text/event-stream"})
    recorder = StreamRecorder(flow)
    assert recorder.final_events == providers.ANY_STREAM_END
    recorder.tap(b'data: {"choices": []}\n\n' + b"data: [DONE]\n\n")
    assert recorder.finished_stream()


def _recorder(url: str, ctype: str = "text/event-stream") -> StreamRecorder:
    """The recorder of a 200 streamed response of this type to a GET of `url`."""
    flow = http.HTTPFlow(None, None)  # type: ignore[arg-type]
    flow.request = _request(url, {})
    flow.response = http.Response.make(200, b"", {"content-type": ctype})
    return StreamRecorder(flow)


def test_a_final_event_that_arrives_in_many_small_pieces_is_seen():
    """`data: [DONE]` read a few bytes at a time (a proxy may hand over any split of a chunk):
    the end is told from the stream's last bytes as they were sent, not from its last four
    pieces (which held `E]` and the breaks, and, once the text had started, were joined to
    bytes from before a gap)."""
    recorder = _recorder("https://api.openai.com/v1/chat/completions")
    recorder.tap(b'data: {"choices": [{"delta": {"content": "hi"}}]}\n\n')
    assert not recorder.finished_stream()
    for byte in b"data: [DONE]\n\n":
        recorder.tap(bytes([byte]))
    assert recorder.finished_stream()


def test_a_stream_ends_only_with_its_own_apis_marker():
    """A Gemini stream cut before its finishReason is not complete, whatever else it holds."""
    recorder = _recorder(CASES[5][0])
    recorder.tap(b'data: {"candidates": [{"content": {"parts": [{"text": "[DONE]"}]}}]}\n\n')
    assert not recorder.finished_stream()
    recorder.tap(b'data: {"candidates": [{"finishReason": "STOP"}]}\n\n')
    assert recorder.finished_stream()


def _bedrock_recorder(url: str) -> StreamRecorder:
    return _recorder(url, "application/vnd.amazon.eventstream")


def _frames(data: bytes) -> list[bytes]:
    """An eventstream body cut into its messages (the prelude's total length)."""
    out = []
    while data:
        total = int.from_bytes(data[:4], "big")
        out.append(data[:total])
        data = data[total:]
    return out


def test_a_bedrock_invoke_stream_ends_with_its_last_chunk_only():
    """invoke-with-response-stream (the reference cassette, recorded from Bedrock): each of
    Claude's events is base64 in a chunk's "bytes", so `message_stop` never shows as text (the
    old plain marker never matched: a client that hung up right after the end lost the
    recording); the end is the chunk whose event starts `{"type":"message_stop"`."""
    from pathlib import Path

    from vcrproxy.store import load_cassette

    path = Path(__file__).resolve().parent.parent / "cassettes" / (
        "bedrock-claude-eventstream-binary.yaml")
    (rec,) = load_cassette(str(path)).interactions
    frames = _frames(rec.response.body_bytes)
    assert len(frames) >= 4 and b"message_stop" not in rec.response.body_bytes
    recorder = _bedrock_recorder(rec.request.url)
    for frame in frames[:-1]:
        recorder.tap(frame)
        assert not recorder.finished_stream()
    recorder.tap(frames[-1])
    assert recorder.finished_stream()


def test_a_bedrock_converse_stream_ends_with_its_message_stop_event_not_a_text_naming_it():
    """converse-stream: the end is the event whose `:event-type` header is messageStop; a text
    delta explaining the API ("...then messageStop") is no end (it was, by substring)."""
    from fakegateway import _es_frame

    def event(kind: str, payload: dict) -> bytes:
        return _es_frame([(":event-type", 7, kind.encode()),
                          (":content-type", 7, b"application/json"),
                          (":message-type", 7, b"event")], json.dumps(payload).encode())

    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse-stream"
    recorder = _bedrock_recorder(url)
    recorder.tap(event("messageStart", {"role": "assistant"}))
    for text in ("A stream ends with messageStop", " (or message_stop) events."):
        recorder.tap(event("contentBlockDelta", {"contentBlockIndex": 0,
                                                 "delta": {"text": text}}))
        assert not recorder.finished_stream()
    recorder.tap(event("contentBlockStop", {"contentBlockIndex": 0}))
    recorder.tap(event("messageStop", {"stopReason": "end_turn"}))
    assert recorder.finished_stream()
