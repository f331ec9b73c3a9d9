"""`vcrproxy show` (cli/show.py) and the AI API parsing under it (addon/aiformats.py)."""

from __future__ import annotations

import base64
import json
import random
import re
import struct
import zlib
from pathlib import Path

import pytest

from vcrproxy import Cassette, CassetteError, Interaction, Request, Response, load_cassette
from vcrproxy.aiformats import (
    decode_eventstream,
    guess_provider,
    parse_sse,
    request_model,
    summarize,
    summarize_exchange,
)
from vcrproxy.cli.show import format_duration, render_cassette, render_json, show

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
VERCEL = "vercel-gateway-claude-simple-streaming.yaml"
ANTHROPIC = "anthropic-messages-simple-streaming.yaml"
GEMINI = "gemini-simple-streaming.yaml"
BEDROCK = "bedrock-claude-eventstream-binary.yaml"
OPENAI_TOOLS = "openai-chat-multi-tool-streaming.yaml"
RESPONSES = "openai-responses-simple.yaml"
ALL = [VERCEL, ANTHROPIC, GEMINI, BEDROCK, OPENAI_TOOLS, RESPONSES]

ANTHROPIC_TEXT = (
    'Olá! (That\'s "hi" in Portuguese)\n\nYou could also say "Oi!" which is a more casual'
    " way to say hi in Portuguese."
)


# ---------------------------------------------------------------------------------------------
# Loading


def _load(name: str) -> Cassette:
    return load_cassette(CASSETTES / name)


def _summary(name: str, index: int = 0):
    return summarize(_load(name).interactions[index])


# ---------------------------------------------------------------------------------------------
# The reference cassettes


def test_vercel_gateway_openai_compatible_stream():
    s = _summary(VERCEL)
    assert s.provider == "openai-chat"
    assert s.streamed is True
    assert s.request_model == s.response_model == "anthropic/claude-sonnet-4"
    assert s.user_message == "Say hi in Portuguese"
    assert s.text == "Olá!"
    assert s.tool_calls == []
    assert s.finish_reason == "stop"
    assert (s.usage.input_tokens, s.usage.output_tokens, s.usage.total_tokens) == (16, 7, 23)
    assert s.usage.cached_tokens == 0
    assert s.error is None
    assert s.duration_ns == 3_566_641_667
    assert (s.id, s.method, s.code, s.status) == (0, "POST", 200, "200 OK")


def test_anthropic_messages_stream():
    s = _summary(ANTHROPIC)
    assert s.provider == "anthropic-messages"
    assert s.streamed is True
    assert s.request_model == s.response_model == "claude-sonnet-4-20250514"
    assert s.user_message == "Say hi in Portuguese"
    assert s.text == ANTHROPIC_TEXT
    assert s.finish_reason == "end_turn"
    # message_start says output 5; message_delta's final count wins
    assert (s.usage.input_tokens, s.usage.output_tokens, s.usage.total_tokens) == (16, 38, 54)
    assert s.events == 18  # the ping included


def test_gemini_sse():
    s = _summary(GEMINI)
    assert s.provider == "gemini"
    assert s.streamed is True
    assert s.request_model == "gemini-2.5-flash"  # from the URL
    assert s.response_model == "gemini-2.5-flash"  # modelVersion
    assert s.user_message == "Say hi in Portuguese"
    assert s.text == "Olá!"
    assert s.finish_reason == "STOP"
    u = s.usage
    assert (u.input_tokens, u.output_tokens, u.reasoning_tokens, u.total_tokens) == (11, 2, 21, 34)


def test_bedrock_eventstream_binary():
    cassette = _load(BEDROCK)
    assert isinstance(cassette.interactions[0].response.body, bytes)
    s = summarize(cassette.interactions[0])
    assert s.provider == "bedrock-eventstream"
    assert s.streamed is True
    assert s.request_model == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"  # %3A decoded
    assert s.response_model == "claude-sonnet-4-5-20250929"
    assert s.user_message == "Say hi in Portuguese"
    assert s.text == "Olá!"
    assert s.finish_reason == "end_turn"
    assert (s.usage.input_tokens, s.usage.output_tokens, s.usage.total_tokens) == (16, 7, 23)
    assert s.events == 6


def test_openai_multi_tool_calls_reassembled():
    first, second = (summarize(i) for i in _load(OPENAI_TOOLS).interactions)
    assert first.provider == second.provider == "openai-chat"
    assert first.request_model == "gpt-4o"
    assert first.response_model == "gpt-4o-2024-08-06"
    assert first.user_message == "Add and multiply the number 2 and 3"
    assert first.text == ""
    calls = [(c.id, c.name, c.arguments) for c in first.tool_calls]
    assert calls == [
        ("call_ehIWdjL1abZk1h8FWGLQ0Hie", "add", '{"a": 2, "b": 3}'),
        ("call_fBSgA47J5VeONggizTIvl7AH", "multiply", '{"a": 2, "b": 3}'),
    ]
    assert json.loads(first.tool_calls[1].arguments) == {"a": 2, "b": 3}
    assert first.finish_reason == "tool_calls"
    assert (first.usage.input_tokens, first.usage.output_tokens) == (106, 50)
    assert first.usage.total_tokens == 156

    assert second.text == "The sum of 2 and 3 is 5, and the product is 6."
    assert second.tool_calls == []
    assert [(r.id, r.name, r.content) for r in second.tool_results] == [
        ("call_ehIWdjL1abZk1h8FWGLQ0Hie", "add", "5"),
        ("call_fBSgA47J5VeONggizTIvl7AH", "multiply", "6"),
    ]
    assert second.finish_reason == "stop"
    assert (second.usage.input_tokens, second.usage.output_tokens) == (172, 20)
    assert second.usage.total_tokens == 192


def test_openai_responses_not_streamed():
    s = _summary(RESPONSES)
    assert s.provider == "openai-responses"
    assert s.streamed is False
    assert s.request_model == "gpt-4o-mini"
    assert s.response_model == "gpt-4o-mini-2024-07-18"
    assert s.user_message == "Say hi in Portuguese"
    assert s.text == "Olá!"
    assert s.finish_reason == "completed"
    assert (s.usage.input_tokens, s.usage.output_tokens, s.usage.total_tokens) == (20, 3, 23)


# ---------------------------------------------------------------------------------------------
# Rendering


def test_render_vercel_block():
    out = render_cassette(_load(VERCEL))
    lines = out.splitlines()
    assert lines[0].endswith(f"{VERCEL}: 1 interaction")
    assert (
        "#0 POST https://ai-gateway.vercel.sh/v1/chat/completions -> 200 OK  3.57s  stream  "
        "model anthropic/claude-sonnet-4"
    ) in lines
    assert "  user: Say hi in Portuguese" in lines
    assert "  assistant: Olá!" in lines
    assert any(line.strip().startswith("tokens: in 16 / out 7") for line in lines)
    assert "\x1b[" not in out
    assert "Content-Type" not in out  # headers only in raw mode


def test_render_tool_calls_and_results():
    out = render_cassette(_load(OPENAI_TOOLS))
    assert out.splitlines()[0].endswith(": 2 interactions")
    assert '  tool call add({"a": 2, "b": 3})' in out
    assert '  tool call multiply({"a": 2, "b": 3})' in out
    assert "model gpt-4o -> gpt-4o-2024-08-06" in out
    assert "  tool result add: 5" in out
    assert "  tool result multiply: 6" in out
    assert "  assistant: The sum of 2 and 3 is 5, and the product is 6." in out
    assert "finish: tool_calls" in out


def test_render_every_reference_cassette():
    expected = {
        VERCEL: "assistant: Olá!",
        ANTHROPIC: 'assistant: Olá! (That\'s "hi" in Portuguese)',
        GEMINI: "tokens: in 11 / out 2 / reasoning 21 / total 34",
        BEDROCK: "model us.anthropic.claude-sonnet-4-5-20250929-v1:0 -> claude-sonnet-4-5-20250929",
        OPENAI_TOOLS: "#1 POST https://api.openai.com/v1/chat/completions -> 200 OK  580ms  stream",
        RESPONSES: "-> 200 OK  1.46s  model gpt-4o-mini -> gpt-4o-mini-2024-07-18",
    }
    for name, fragment in expected.items():
        assert fragment in render_cassette(_load(name)), name


def test_render_multiline_text_is_aligned():
    lines = render_cassette(_load(ANTHROPIC)).splitlines()
    start = lines.index('  assistant: Olá! (That\'s "hi" in Portuguese)')
    assert lines[start + 1] == ""
    assert lines[start + 2] == " " * 13 + ANTHROPIC_TEXT.split("\n")[-1]


def test_render_ids_selects_and_validates():
    cassette = _load(OPENAI_TOOLS)
    out = render_cassette(cassette, ids=[1])
    assert "#1 POST" in out and "#0 POST" not in out
    assert "2 interactions (showing 1)" in out.splitlines()[0]
    with pytest.raises(CassetteError, match="no interaction with id 7"):
        render_cassette(cassette, ids=[7])
    with pytest.raises(CassetteError):
        render_json(cassette, ids=[0, 9])


def test_render_raw_text_bodies_and_headers():
    out = render_cassette(_load(VERCEL), raw=True)
    assert "  > request headers" in out
    assert "    User-Agent: Charm-Fantasy/0.12.2 (https://charm.land/fantasy)" in out
    assert "  > request body (303 bytes)" in out
    assert '    {"messages":[{"content":"You are a helpful assistant"' in out
    assert "    Content-Type: text/event-stream" in out
    assert "    data: [DONE]" in out
    assert not any(line != line.rstrip() for line in out.splitlines())


def test_render_raw_binary_body_as_hex_preview():
    out = render_cassette(_load(BEDROCK), raw=True)
    assert "  < response body (2023 bytes, binary)" in out
    assert (
        "    00000000  00 00 02 89 00 00 00 4b 75 12 34 99 0b 3a 65 76  |.......Ku.4..:ev|" in out
    )
    assert "… 1767 bytes more" in out
    assert "  < decoded event-stream (6 frames)" in out
    assert '    chunk {"type":"content_block_delta","index":0,' in out


def test_render_color():
    out = render_cassette(_load(VERCEL), color=True)
    assert "\x1b[" in out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert plain == render_cassette(_load(VERCEL))


def test_render_json():
    items = json.loads(render_json(_load(OPENAI_TOOLS)))
    assert [i["id"] for i in items] == [0, 1]
    first = items[0]
    assert first["provider"] == "openai-chat"
    assert first["streamed"] is True
    assert first["url"] == "https://api.openai.com/v1/chat/completions"
    assert first["duration"] == "930ms"
    assert first["duration_ns"] == 929_581_000
    assert first["request_model"] == "gpt-4o"
    assert first["tool_calls"][0] == {
        "id": "call_ehIWdjL1abZk1h8FWGLQ0Hie",
        "name": "add",
        "arguments": '{"a": 2, "b": 3}',
    }
    assert first["usage"]["input_tokens"] == 106
    only = json.loads(render_json(_load(OPENAI_TOOLS), ids=[1]))
    assert len(only) == 1 and only[0]["text"].startswith("The sum")
    for name in ALL:
        assert json.loads(render_json(_load(name)))[0]["provider"] != "unknown"


def test_show_loads_a_path():
    out = show(CASSETTES / VERCEL)
    assert out.splitlines()[0] == f"{CASSETTES / VERCEL}: 1 interaction"
    assert "assistant: Olá!" in out
    assert json.loads(show(CASSETTES / VERCEL, as_json=True))[0]["text"] == "Olá!"


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0s"),
        (512, "512ns"),
        (703_389, "703µs"),
        (929_581_000, "930ms"),
        (3_566_641_667, "3.57s"),
        (78_006_992_750, "1m18s"),
        (3_723_000_000_000, "1h02m03s"),
    ],
)
def test_format_duration(ns, text):
    assert format_duration(ns) == text


# ---------------------------------------------------------------------------------------------
# Formats beyond the reference cassettes (synthetic bodies)


def _ix(url, req, body, *, code=200, content_type="text/event-stream", ident=0):
    request = Request(
        method="POST", url=url, body=json.dumps(req) if isinstance(req, dict) else req
    )
    status = {200: "200 OK", 400: "400 Bad Request", 429: "429 Too Many Requests"}.get(code, "")
    response = Response(
        body=body, code=code, status=status, headers={"Content-Type": [content_type]}
    )
    return Interaction(ident, request, response)


def _sse(*events, crlf=False):
    nl = "\r\n" if crlf else "\n"
    parts = []
    for ev in events:
        name, data = ev if isinstance(ev, tuple) else (None, ev)
        data = data if isinstance(data, str) else json.dumps(data)
        parts.append((f"event: {name}{nl}" if name else "") + f"data: {data}{nl}{nl}")
    return "".join(parts)


def _frame(payload: bytes, headers: dict[str, str]) -> bytes:
    raw_headers = b""
    for name, value in headers.items():
        v = value.encode()
        raw_headers += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(v)) + v
    total = 16 + len(raw_headers) + len(payload)
    prelude = struct.pack(">II", total, len(raw_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + raw_headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


def _bedrock_chunk(event: dict) -> bytes:
    inner = base64.b64encode(json.dumps(event).encode()).decode()
    headers = {":event-type": "chunk", ":content-type": "application/json"}
    return _frame(json.dumps({"bytes": inner}).encode(), headers | {":message-type": "event"})


def test_sse_parser_line_endings_and_comments():
    text = ': comment\r\nevent: a\r\ndata: {"x":\r\ndata: 1}\r\n\r\ndata:no-space\rdata: [DONE]'
    events = parse_sse(text)
    assert [(e.event, e.data) for e in events] == [("a", '{"x":\n1}'), ("", "no-space\n[DONE]")]


def test_openai_chat_crlf_stream_with_reasoning_and_cache():
    body = _sse(
        {"model": "deepseek-r1", "choices": [{"index": 0, "delta": {"reasoning_content": "Hmm"}}]},
        {"choices": [{"index": 0, "delta": {"reasoning_content": ", ok."}}]},
        {"choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": "stop"}]},
        {
            "choices": [],
            "usage": {
                "prompt_tokens": 10,
                "completion_tokens": 4,
                "total_tokens": 14,
                "prompt_tokens_details": {"cached_tokens": 8},
            },
        },
        "[DONE]",
        crlf=True,
    )
    req = {
        "model": "x",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "yo"}]}],
    }
    s = summarize(_ix("https://openrouter.ai/api/v1/chat/completions", req, body))
    assert (s.provider, s.text, s.reasoning, s.response_model) == (
        "openai-chat",
        "Hi",
        "Hmm, ok.",
        "deepseek-r1",
    )
    assert s.user_message == "yo"
    assert s.usage.cached_tokens == 8
    assert "cached 8" in render_cassette(
        Cassette([_ix("https://x/v1/chat/completions", req, body)])
    )


def test_openai_chat_non_streamed_and_unknown_path_by_shape():
    body = json.dumps(
        {
            "object": "chat.completion",
            "model": "llama3",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "c1", "function": {"name": "f", "arguments": '{"q": "é"}'}}
                        ],
                    },
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2},
        }
    )
    s = summarize(_ix("http://localhost:4000/custom/route", {"messages": []}, body))
    assert s.provider == "openai-chat"
    assert s.streamed is False
    assert [(c.id, c.name, c.arguments) for c in s.tool_calls] == [("c1", "f", '{"q": "é"}')]
    assert s.usage.total_tokens == 5


def _rev(kind: str, **fields) -> tuple[str, dict]:
    """A Responses API stream event."""
    return kind, {"type": kind, **fields}


RESPONSES_USAGE = {
    "input_tokens": 9,
    "output_tokens": 5,
    "total_tokens": 14,
    "output_tokens_details": {"reasoning_tokens": 2},
}


def test_openai_responses_stream_events():
    fc = {"type": "function_call", "call_id": "fc_1", "name": "get_weather", "arguments": ""}
    body = _sse(
        _rev("response.created", response={"model": "o4-mini"}),
        _rev("response.output_item.added", output_index=0, item={"type": "reasoning"}),
        _rev("response.reasoning_summary_text.delta", output_index=0, delta="Think"),
        _rev("response.output_item.added", output_index=1, item=fc),
        _rev("response.function_call_arguments.delta", output_index=1, delta='{"city":'),
        _rev("response.function_call_arguments.delta", output_index=1, delta=' "Rio"}'),
        _rev("response.output_text.delta", output_index=2, content_index=0, delta="Ol"),
        _rev("response.output_text.delta", output_index=2, content_index=0, delta="á"),
        _rev(
            "response.completed",
            response={
                "model": "o4-mini-2025",
                "status": "completed",
                "output": [],
                "usage": RESPONSES_USAGE,
            },
        ),
    )
    req = {"model": "o4-mini", "input": "Weather in Rio?", "stream": True}
    s = summarize(_ix("https://api.openai.com/v1/responses", req, body))
    assert s.provider == "openai-responses" and s.streamed
    assert (s.text, s.reasoning, s.response_model) == ("Olá", "Think", "o4-mini-2025")
    assert [(c.id, c.name, c.arguments) for c in s.tool_calls] == [
        ("fc_1", "get_weather", '{"city": "Rio"}')
    ]
    assert s.user_message == "Weather in Rio?"
    assert (s.usage.reasoning_tokens, s.usage.total_tokens, s.finish_reason) == (2, 14, "completed")


def test_openai_responses_stream_completed_output_wins():
    output = [
        {"type": "message", "content": [{"type": "output_text", "text": "Final."}]},
        {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
    ]
    body = _sse(
        _rev("response.output_text.delta", output_index=0, delta="Fin"),
        _rev(
            "response.incomplete",
            response={
                "status": "incomplete",
                "incomplete_details": {"reason": "max_output_tokens"},
                "output": output,
            },
        ),
    )
    req = {
        "model": "m",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "go"}]},
            {"type": "function_call", "call_id": "c0", "name": "lookup", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c0", "output": "42"},
        ],
    }
    s = summarize(_ix("https://api.openai.com/v1/responses", req, body))
    assert (s.text, [c.name for c in s.tool_calls]) == ("Final.", ["f"])
    assert s.finish_reason == "max_output_tokens"
    assert s.user_message == "go"
    assert [(r.id, r.name, r.content) for r in s.tool_results] == [("c0", "lookup", "42")]


def test_anthropic_stream_tool_use_and_thinking():
    events = [
        {
            "type": "message_start",
            "message": {
                "model": "claude-x",
                "usage": {"input_tokens": 5, "output_tokens": 1, "cache_read_input_tokens": 100},
            },
        },
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "Let me "},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "add."},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "sig"},
        },
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "add", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"a": 2, '},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '"b": 3}'},
        },
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "toolu_2", "name": "now", "input": {}},
        },
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 40},
        },
    ]
    body = _sse(*[(e["type"], e) for e in events])
    req = {
        "model": "claude-x",
        "messages": [
            {"role": "user", "content": "Add 2 and 3"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t0", "name": "prev"}]},
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t0",
                        "content": [{"type": "text", "text": "boom"}],
                        "is_error": True,
                    }
                ],
            },
        ],
    }
    s = summarize(_ix("https://api.anthropic.com/v1/messages", req, body))
    assert s.reasoning == "Let me add."
    assert [(c.id, c.name, c.arguments) for c in s.tool_calls] == [
        ("toolu_1", "add", '{"a": 2, "b": 3}'),
        ("toolu_2", "now", "{}"),
    ]
    assert s.finish_reason == "tool_use"
    assert s.user_message == "Add 2 and 3"  # the tool_result-only message is skipped
    assert [(r.name, r.content, r.is_error) for r in s.tool_results] == [("prev", "boom", True)]
    assert (s.usage.input_tokens, s.usage.output_tokens, s.usage.cached_tokens) == (5, 40, 100)
    assert s.usage.total_tokens == 145
    out = render_cassette(Cassette([_ix("https://api.anthropic.com/v1/messages", req, body)]))
    assert "  thinking: Let me add." in out
    assert "  tool result prev (error): boom" in out
    assert '  tool call add({"a": 2, "b": 3})' in out


def test_anthropic_non_streamed_message():
    body = json.dumps(
        {
            "type": "message",
            "model": "claude-y",
            "stop_reason": "tool_use",
            "content": [
                {"type": "text", "text": "Sure."},
                {"type": "tool_use", "id": "tu", "name": "add", "input": {"a": 1}},
            ],
            "usage": {"input_tokens": 3, "output_tokens": 4},
        }
    )
    s = summarize(
        _ix(
            "https://api.anthropic.com/v1/messages",
            {"model": "claude-y"},
            body,
            content_type="application/json",
        )
    )
    assert (s.provider, s.streamed, s.text) == ("anthropic-messages", False, "Sure.")
    assert [(c.name, c.arguments) for c in s.tool_calls] == [("add", '{"a": 1}')]


def test_gemini_json_array_stream_with_function_call_and_thought():
    body = json.dumps(
        [
            {"candidates": [{"content": {"parts": [{"text": "plan", "thought": True}]}}]},
            {
                "candidates": [
                    {
                        "content": {
                            "parts": [
                                {"text": "Calling."},
                                {"functionCall": {"name": "add", "args": {"a": 2, "b": 3}}},
                            ]
                        },
                        "finishReason": "STOP",
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": 7,
                    "candidatesTokenCount": 9,
                    "totalTokenCount": 16,
                },
                "modelVersion": "gemini-2.5-pro",
            },
        ]
    )
    req = {
        "contents": [
            {"role": "user", "parts": [{"text": "add"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "add", "args": {}}}]},
            {
                "role": "user",
                "parts": [{"functionResponse": {"name": "add", "response": {"r": 5}}}],
            },
        ]
    }
    url = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent"
    s = summarize(_ix(url, req, body, content_type="application/json"))
    assert (s.provider, s.streamed, s.events) == ("gemini", True, 2)
    assert (s.text, s.reasoning) == ("Calling.", "plan")
    assert [(c.name, json.loads(c.arguments)) for c in s.tool_calls] == [("add", {"a": 2, "b": 3})]
    assert s.user_message == "add"
    assert [(r.name, r.content) for r in s.tool_results] == [("add", '{"r": 5}')]
    assert s.request_model == "gemini-2.5-pro"


def test_bedrock_eventstream_tool_use_and_exception_frame():
    body = b"".join(
        [
            _bedrock_chunk(
                {
                    "type": "message_start",
                    "message": {
                        "model": "claude-b",
                        "usage": {"input_tokens": 4, "output_tokens": 1},
                    },
                }
            ),
            _bedrock_chunk(
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "tool_use", "id": "tu_b", "name": "add", "input": {}},
                }
            ),
            _bedrock_chunk(
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": '{"a": 2}'},
                }
            ),
            _frame(
                b'{"message":"Too many tokens"}',
                {":message-type": "exception", ":exception-type": "throttlingException"},
            ),
        ]
    )
    assert len(decode_eventstream(body)) == 4
    url = "https://bedrock-runtime.us-west-2.amazonaws.com/model/anthropic.claude-b/invoke-with-response-stream"
    s = summarize(
        _ix(
            url,
            {"anthropic_version": "bedrock-2023-05-31"},
            body,
            content_type="application/vnd.amazon.eventstream",
        )
    )
    assert s.provider == "bedrock-eventstream"
    assert [(c.id, c.name, c.arguments) for c in s.tool_calls] == [("tu_b", "add", '{"a": 2}')]
    assert s.error == "throttlingException: Too many tokens"
    assert s.request_model == "anthropic.claude-b"


def test_bedrock_converse_stream_frames():
    def ev(kind, payload):
        return _frame(json.dumps(payload).encode(), {":event-type": kind, ":message-type": "event"})

    body = b"".join(
        [
            ev("messageStart", {"role": "assistant"}),
            ev("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Oi"}}),
            ev("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "!"}}),
            ev("messageStop", {"stopReason": "end_turn"}),
            ev("metadata", {"usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}}),
        ]
    )
    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse-stream"
    req = {"messages": [{"role": "user", "content": [{"text": "hi"}]}]}
    s = summarize(_ix(url, req, body, content_type="application/vnd.amazon.eventstream"))
    assert (s.provider, s.text, s.finish_reason) == ("bedrock-eventstream", "Oi!", "end_turn")
    assert (s.usage.input_tokens, s.usage.output_tokens, s.usage.total_tokens) == (3, 2, 5)
    assert (s.user_message, s.request_model) == ("hi", "amazon.nova-lite-v1:0")


@pytest.mark.parametrize(
    ("url", "code", "body", "error"),
    [
        (
            "https://api.openai.com/v1/chat/completions",
            429,
            '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit"}}',
            "requests: Rate limit reached",
        ),
        (
            "https://api.anthropic.com/v1/messages",
            200,
            'event: error\ndata: {"type":"error","error":{"type":"overloaded_error",'
            '"message":"Overloaded"}}\n\n',
            "overloaded_error: Overloaded",
        ),
        (
            "https://generativelanguage.googleapis.com/v1beta/models/g:generateContent",
            400,
            '[{"error":{"code":400,"message":"API key not valid","status":"INVALID_ARGUMENT"}}]',
            "INVALID_ARGUMENT: API key not valid",
        ),
        (
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke",
            400,
            '{"message":"The provided model identifier is invalid."}',
            "The provided model identifier is invalid.",
        ),
        (
            "https://ai-gateway.vercel.sh/v1/chat/completions",
            502,
            "<html><body>Bad gateway</body></html>",
            "<html><body>Bad gateway</body></html>",
        ),
    ],
)
def test_api_errors(url, code, body, error):
    req = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    interaction = _ix(url, req, body, code=code)
    s = summarize(interaction)
    assert s.error == error
    assert s.text == ""
    assert f"  error: {error}" in render_cassette(Cassette([interaction]))


def test_request_side_helpers():
    bedrock = "https://bedrock-runtime.x.amazonaws.com/model/us.anthropic.c-v1%3A0/invoke"
    assert request_model(bedrock) == "us.anthropic.c-v1:0"
    assert request_model("https://x/v1/chat/completions", b'{"model":"gpt"}') == "gpt"
    assert request_model("https://x.openai.azure.com/openai/deployments/dep/chat/completions") == (
        "dep"
    )
    assert guess_provider("https://openrouter.ai/api/v1/chat/completions") == "openai-chat"
    assert guess_provider("https://x/anything", '{"contents": []}') == "gemini"
    assert guess_provider("https://x/anything", b"\xff\x00") == "unknown"


def test_summarize_exchange_accepts_single_value_headers():
    s = summarize_exchange(
        "POST",
        "https://api.openai.com/v1/chat/completions",
        b'{"model":"gpt","stream":true}',
        _sse({"choices": [{"index": 0, "delta": {"content": "ok"}}]}).encode(),
        response_headers={"content-type": "text/event-stream"},
    )
    assert (s.text, s.streamed, s.request_model) == ("ok", True, "gpt")


def test_terminal_escapes_in_bodies_are_neutralised():
    body = _sse({"choices": [{"index": 0, "delta": {"content": "red \x1b[31mX\x1b[0m"}}]})
    out = render_cassette(Cassette([_ix("https://x/v1/chat/completions", {"messages": []}, body)]))
    assert "\x1b" not in out
    assert "red \\x1b[31mX\\x1b[0m" in out


# ---------------------------------------------------------------------------------------------
# Garbage never crashes


GARBAGE: list[str | bytes] = [
    "",
    "   \n",
    "null",
    "[1, 2, 3]",
    '"just a string"',
    "{not json",
    "data: {broken\n\ndata: [DONE]\n\n",
    "event: message_start\ndata: 5\n\n",
    'data: {"choices": 5, "usage": [], "model": 7}\n\n',
    'data: {"choices": [{"delta": {"tool_calls": [{"index": "x", "function": {"arguments": 5}}]}}]}'
    "\n\n",
    'data: {"type": "content_block_delta", "index": null, "delta": {"type": "input_json_delta"}}',
    'data: {"type": "response.output_text.delta", "output_index": "a", "delta": 3}',
    '{"candidates": [{"content": {"parts": [{"functionCall": "nope"}, 5]}}], "usageMetadata": 1}',
    '{"output": {"message": {"content": [null, {"toolUse": []}]}}, "stopReason": 3}',
    "[" * 5000 + "]" * 5000,
    b"\x00\x01\x02\xff\xfe garbage",
    b"\x00\x00\x00\x20\x00\x00\x00\x00" + b"\x00" * 24,  # prelude-sized, bad CRC
    bytes(range(256)) * 4,
]

URLS = [
    "https://api.openai.com/v1/chat/completions",
    "https://api.openai.com/v1/responses",
    "https://api.anthropic.com/v1/messages",
    "https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent?alt=sse",
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke-with-response-stream",
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse",
    "not a url at all",
    "",
]


def test_garbage_bodies_do_not_crash():
    interactions = []
    for n, (url, body) in enumerate((u, b) for u in URLS for b in GARBAGE):
        for req in ("", b"\xff\xfe", "{]", '{"messages": 5, "input": [1], "contents": null}'):
            interactions.append(_ix(url, req, body, ident=n, content_type="text/event-stream"))
    cassette = Cassette(interactions)
    for interaction in interactions:
        s = summarize(interaction)
        assert isinstance(s.text, str)
    render_cassette(cassette, raw=True, color=True)
    assert len(json.loads(render_json(cassette))) == len(interactions)


GARBLED = [b for b in GARBAGE if not re.search(r"choices|type|candidates|output", str(b))]


def test_garbage_with_unknown_url_is_unknown_and_textless():
    assert len(GARBLED) >= 10
    for body in GARBLED:
        s = summarize(_ix("https://example.com/x", "\x00garbage", body))
        assert s.provider == "unknown"
        assert s.text == "" and s.tool_calls == []
    out = render_cassette(Cassette([_ix("https://example.com/x", "", b"\xff\x00")]))
    assert "not a recognised AI API exchange: response 2 bytes text/event-stream" in out


def test_mangled_reference_bodies_do_not_crash():
    rng = random.Random(1234)
    for name in ALL:
        for interaction in _load(name).interactions:
            body = interaction.response.body_bytes
            variants = [body[:cut] for cut in range(0, len(body), max(1, len(body) // 60))]
            for _ in range(40):
                mangled = bytearray(body)
                for _ in range(rng.randint(1, 8)):
                    mangled[rng.randrange(len(mangled))] = rng.randrange(256)
                variants.append(bytes(mangled))
            for variant in variants:
                interaction.response.body = variant
                summarize(interaction)
                render_cassette(Cassette([interaction]), raw=True)


def test_bedrock_truncated_keeps_complete_frames():
    cassette = _load(BEDROCK)
    body = cassette.interactions[0].response.body
    assert len(decode_eventstream(body)) == 6
    assert len(decode_eventstream(body[:1200])) == 3  # frames of 649 + 277 + 245 bytes
    cassette.interactions[0].response.body = body[:1200]
    s = summarize(cassette.interactions[0])
    assert (s.provider, s.text, s.finish_reason) == ("bedrock-eventstream", "Olá!", None)
