"""A secret streamed back in pieces (SSE deltas, Realtime WebSocket deltas): no piece shows a
key shape, every client joins them. Redaction joins each stream's delta pieces, finds shapes and
echoes there and redacts the pieces they cover (redaction._joined_spans, aiformats.DeltaPieces).

The function tests sweep the formats and cut points over `redact_interaction`; the proxy tests
record through a real mitmproxy from the fake TLS gateway (h1 and h2), a raw loopback server
and the Realtime WebSocket; the CLI tests run `check` and `redact` on a cassette recorded
with --no-redact. Fake keys are built at runtime.
"""

from __future__ import annotations

import asyncio
import json
import ssl

import pytest
from click.testing import CliRunner
from conftest import proxied_client, raw_answers, record_through
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.aiformats import summarize
from vcrproxy.cassette import CHUNKS_KEY, WEBSOCKET_KEY, Interaction, Request, Response
from vcrproxy.cli.main import main
from vcrproxy.redaction import (
    RedactionConfig,
    StreamScan,
    echo_variants,
    find_secrets,
    redact_interaction,
)

KEY = SHAPE_EXAMPLES["openai"]  # sk-proj-...
MARK = "<REDACTED>"
BEFORE, AFTER = "Your key is ", " - keep it safe."
CONFIG = RedactionConfig.default()


def _sse(obj, event: str | None = None, compact: bool = True) -> str:
    data = json.dumps(obj, separators=(",", ":")) if compact else json.dumps(obj)
    return (f"event: {event}\n" if event else "") + f"data: {data}\n\n"


# Each format: (pieces -> SSE body, event object -> its delta piece or None).
def _chat_text(pieces):
    head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-4o-mini"}
    out = [_sse({**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})]
    out += [_sse({**head, "choices": [{"index": 0, "delta": {"content": p}}]}) for p in pieces]
    return "".join(out) + "data: [DONE]\n\n"


def _chat_delta(make):
    def body(pieces):
        head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "deepseek-r1"}
        return "".join(_sse({**head, "choices": [{"index": 0, "delta": make(p)}]})
                       for p in pieces) + "data: [DONE]\n\n"
    return body


def _chat_args(pieces):
    head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-4o-mini"}
    first = {"index": 0, "id": "call_1", "type": "function",
             "function": {"name": "write_env", "arguments": ""}}
    out = [_sse({**head, "choices": [{"index": 0, "delta": {"tool_calls": [first]}}]})]
    out += [_sse({**head, "choices": [{"index": 0, "delta": {"tool_calls": [
        {"index": 0, "function": {"arguments": p}}]}}]}) for p in pieces]
    return "".join(out) + "data: [DONE]\n\n"


def _responses(kind):
    def body(pieces):
        out = [_sse({"type": "response.created", "response": {"id": "resp_1", "object": "response",
                                                              "status": "in_progress"}},
                    "response.created")]
        out += [_sse({"type": kind, "item_id": "msg_1", "output_index": 0, "content_index": 0,
                      "delta": p}, kind) for p in pieces]
        return "".join(out)
    return body


def _anthropic(kind, field):
    def body(pieces):
        out = [_sse({"type": "message_start", "message": {"id": "msg_1", "type": "message",
                                                          "content": []}}, "message_start")]
        out += [_sse({"type": "content_block_delta", "index": 0,
                      "delta": {"type": kind, field: p}}, "content_block_delta")
                for p in pieces]
        out.append(_sse({"type": "message_stop"}, "message_stop"))
        return "".join(out)
    return body


def _gemini(pieces):  # (Gemini writes `": "`, as json.dumps does)
    return "".join(_sse({"candidates": [{"content": {"parts": [{"text": p}], "role": "model"},
                                         "index": 0}], "modelVersion": "gemini-2.5-flash"},
                        compact=False) for p in pieces)


def _gemini_array(pieces):  # (streamGenerateContent without alt=sse: a JSON array, as sent)
    parts = [json.dumps({"candidates": [{"content": {"parts": [{"text": p}], "role": "model"},
                                         "index": 0}]}, indent=2) for p in pieces]
    return "[" + "\n,\r\n".join(parts) + "]"


def _piece(obj) -> str | None:
    """The delta piece an event of any of the formats above carries."""
    for choice in obj.get("choices") or []:
        delta = choice.get("delta") or {}
        for text in (delta.get("content"), delta.get("reasoning_content"),
                     (delta.get("audio") or {}).get("transcript")):
            if isinstance(text, str):
                return text
        for tc in delta.get("tool_calls") or []:
            return tc["function"].get("arguments")
    if isinstance(obj.get("delta"), str):
        return obj["delta"]
    if obj.get("type") == "content_block_delta":
        d = obj["delta"]
        return d.get("text", d.get("partial_json", d.get("thinking")))
    for cand in obj.get("candidates") or []:
        return cand["content"]["parts"][0]["text"]
    return None


def _pieces_of(body: str) -> list[str]:
    if body.startswith("["):
        return [p for p in map(_piece, json.loads(body)) if p]
    out = []
    for line in body.splitlines():
        if line.startswith("data: {"):
            piece = _piece(json.loads(line[6:]))  # (every event still parses)
            if piece is not None:
                out.append(piece)
    return [p for p in out if p]


FORMATS = {
    "chat-content": (_chat_text, False),
    "chat-tool-arguments": (_chat_args, True),
    "chat-reasoning-content": (_chat_delta(lambda p: {"reasoning_content": p}), False),
    "chat-audio-transcript": (_chat_delta(lambda p: {"audio": {"id": "a1", "transcript": p}}),
                              False),
    "responses-reasoning-summary": (_responses("response.reasoning_summary_text.delta"), False),
    "anthropic-thinking": (_anthropic("thinking_delta", "thinking"), False),
    "responses-output-text": (_responses("response.output_text.delta"), False),
    "responses-function-arguments": (_responses("response.function_call_arguments.delta"), True),
    "anthropic-text": (_anthropic("text_delta", "text"), False),
    "anthropic-input-json": (_anthropic("input_json_delta", "partial_json"), True),
    "gemini-text": (_gemini, False),
    "gemini-json-array": (_gemini_array, False),
}
# Cuts, as offsets into the key: inside its prefix (`s|k-`, `sk-|proj`), inside its body, one
# character before its end, and a piece of 2 characters each (a model's tokens).
CUTS = {
    "s|k-": [1], "sk|-": [2], "sk-|proj": [3], "sk-p|roj": [4], "middle": [20],
    "last-char": [len(KEY) - 1], "three": [3, 9, 30], "every-2": list(range(2, len(KEY), 2)),
    "every-1": list(range(1, len(KEY))),
}


def _text(arguments: bool, secret: str) -> str:
    inner = BEFORE + secret + AFTER
    return json.dumps({"text": inner}, separators=(",", ":")) if arguments else inner


def _cut(text: str, secret: str, cuts: list[int]) -> list[str]:
    base = text.index(secret)
    at = [0, *(base + c for c in cuts), len(text)]
    return [text[a:b] for a, b in zip(at, at[1:], strict=False)]


def _response(body: str, request_body: str = "") -> Interaction:
    req = Request(method="POST", url="https://api.example.com/v1/x", body=request_body,
                  headers={"Content-Type": ["application/json"]})
    chunks = [[i * 0.01, len(line.encode()) + 2] for i, line in enumerate(body.split("\n\n")[:-1])]
    chunks = chunks or [[0, len(body.encode())]]  # (a JSON array)
    return Interaction(0, req, Response(body=body, headers={"Content-Type": ["text/event-stream"]},
                                        extra={CHUNKS_KEY: chunks}))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("cut", CUTS)
def test_key_split_across_deltas_is_redacted_in_every_format_and_cut(fmt, cut):
    """Whatever the format and wherever the model's tokens cut the key (inside `sk-` too), the
    recorded pieces join to the text with the marker where the key was; no piece keeps a part
    of the key; every event still parses; chunk sizes still add up; check names the place."""
    build, arguments = FORMATS[fmt]
    text = _text(arguments, KEY)
    body = build(_cut(text, KEY, CUTS[cut]))
    assert KEY not in body
    i = _response(body)
    assert any("response body (joined stream deltas) holds an OpenAI key" in f
               for f in find_secrets(i, CONFIG)), find_secrets(i, CONFIG)
    out = redact_interaction(i, CONFIG)
    pieces = _pieces_of(out.response.body)
    assert "".join(pieces) == _text(arguments, MARK)
    for piece in pieces:
        assert not any(KEY[k : k + 4] in piece for k in range(len(KEY) - 3)), piece
    assert sum(size for _, size in out.response.extra[CHUNKS_KEY]) == len(
        out.response.body.encode())
    assert find_secrets(out, CONFIG) == []  # (and redacting again changes nothing)
    assert KEY in "".join(_pieces_of(i.response.body))  # (the input is left as it was)


@pytest.mark.parametrize("shape", ["anthropic", "google", "github", "jwt", "aws-access-key"])
def test_other_shapes_split_in_their_prefix_are_redacted(shape):
    """Any shape, cut one character into it and in the middle (a key the model read from its
    context: the request does not hold it)."""
    secret = SHAPE_EXAMPLES[shape]
    body = _chat_text(_cut(_text(False, secret), secret, [1, len(secret) // 2]))
    out = redact_interaction(_response(body), CONFIG)
    assert "".join(_pieces_of(out.response.body)) == BEFORE + MARK + AFTER
    assert secret not in summarize(out).text


def test_echo_of_a_named_request_value_split_across_deltas_is_redacted():
    """A value the request names (no key shape: only its field name says password) which the
    model repeats in pieces is an echo in the joined text."""
    secret = "Tr0ub4dor" + "&3-horse-battery"
    request = json.dumps({"messages": [{"role": "user", "content": "hi"}],
                          "metadata": {"db_password": secret}})
    text = json.dumps({"text": BEFORE + secret + AFTER}, separators=(",", ":"))
    body = _chat_args(_cut(text, secret, [4, 11]))
    i = _response(body, request)
    assert any("joined stream deltas) repeats the secret of" in f for f in find_secrets(i, CONFIG))
    out = redact_interaction(i, CONFIG)
    assert secret not in summarize(out).tool_calls[0].arguments
    assert MARK in summarize(out).tool_calls[0].arguments
    assert secret not in out.request.body


def test_interleaved_choices_are_joined_per_choice():
    """Chat with n=2: the choices' deltas alternate; the key split in choice 1 is found in that
    choice's pieces, not in the body's order."""
    head = {"id": "chatcmpl-1", "object": "chat.completion.chunk"}
    a = _cut(BEFORE + KEY + AFTER, KEY, [3, 12, 25])
    b = ["The other ", "choice says ", "nothing ", "secret at all."]
    out = []
    for n in range(max(len(a), len(b))):
        for index, pieces in ((0, b), (1, a)):
            if n < len(pieces):
                out.append(_sse({**head, "choices": [{"index": index,
                                                      "delta": {"content": pieces[n]}}]}))
    body = "".join(out) + "data: [DONE]\n\n"
    redacted = redact_interaction(_response(body), CONFIG).response.body
    mine = [json.loads(line[6:])["choices"][0] for line in redacted.splitlines()
            if line.startswith("data: {")]
    assert "".join(c["delta"]["content"] for c in mine if c["index"] == 1) == BEFORE + MARK + AFTER
    assert "".join(c["delta"]["content"] for c in mine if c["index"] == 0) == "".join(b)


def test_streams_without_a_split_secret_are_left_as_they_are():
    """Words in pieces (the bench's kind of stream), and `sk-` joined with too little after it
    (no shape), are not touched; nor is a body that only looks like a stream."""
    words = ["the keys ", "and tokens", " ask-", "ed about", " sk-", "12 and more"]
    for body in (_chat_text(words), _gemini(words), "data: not json\n\ndata: sk-pr\n\n"):
        i = _response(body)
        assert find_secrets(i, CONFIG) == []
        assert redact_interaction(i, CONFIG).response.body == body


def test_realtime_websocket_deltas_joined_per_session():
    """The Realtime API over WebSocket: `response.output_text.delta` and
    `response.audio_transcript.delta` messages carry the key in pieces; audio deltas (base64)
    are not text."""
    def msg(n, obj):
        return {"at": n, "from": "server", "type": "text", "data": json.dumps(obj)}
    a = _cut(BEFORE + KEY + AFTER, KEY, [2, 10])
    messages = [msg(0, {"type": "session.created", "session": {}})]
    messages += [msg(1 + n, {"type": "response.output_text.delta", "response_id": "resp_1",
                             "item_id": "item_1", "output_index": 0, "content_index": 0,
                             "delta": p}) for n, p in enumerate(a)]
    messages.append(msg(9, {"type": "response.audio.delta", "delta": "c2stcHJvag=="}))
    resp = Response(code=101, status="101 Switching Protocols",
                    extra={WEBSOCKET_KEY: {"messages": messages}})
    i = Interaction(0, Request(method="GET", url="https://api.openai.com/v1/realtime"), resp)
    assert any("WebSocket message 2 (joined stream deltas) holds" in f
               for f in find_secrets(i, CONFIG))
    out = redact_interaction(i, CONFIG).response.extra[WEBSOCKET_KEY]["messages"]
    deltas = [json.loads(m["data"]) for m in out]
    text = "".join(d["delta"] for d in deltas if d["type"] == "response.output_text.delta")
    assert text == BEFORE + MARK + AFTER
    assert deltas[-1]["delta"] == "c2stcHJvag=="


# A body past 1 MB is taken apart only when a Hyperscan look for literals says it may hold a
# secret across pieces (redaction._SplitCandidates); these prove the look misses none.
PAD = ["the model answers in plain prose while streaming one small delta per event " * 8] * 1700


def _scan_says(i: Interaction, rng, config=CONFIG) -> bool:
    """What StreamScan.leaves_body says of `i`'s response body fed in random pieces."""
    body = i.response.body_bytes
    scan = StreamScan(config, echo_variants(i, config))
    at = 0
    while at < len(body):
        n = rng.randrange(1, 300_000)
        scan.feed(body[at : at + n])
        at += n
    empty = Interaction(0, i.request, Response(headers=i.response.headers))
    return scan.leaves_body(empty, config, len(body))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("cut", ["s|k-", "last-char", "every-1"])
def test_large_streams_are_looked_at_and_taken_apart_when_they_may_hold_one(fmt, cut):
    """1.2 MB of deltas before the split key: redacted as a small body is, and the streamed
    scan says redaction changes the body (so its streamed text is not written as it is)."""
    import random

    build, arguments = FORMATS[fmt]
    i = _response(build(PAD + _cut(_text(arguments, KEY), KEY, CUTS[cut])))
    assert len(i.response.body_bytes) > 1 << 20
    out = redact_interaction(i, CONFIG)
    assert "".join(_pieces_of(out.response.body)).endswith(_text(arguments, MARK))
    assert _scan_says(i, random.Random(len(fmt) + len(cut))) is False


@pytest.mark.parametrize("fmt", FORMATS)
def test_large_streams_of_words_are_no_candidates(fmt):
    """Words in pieces: the look finds nothing to take apart, and the streamed text stays."""
    import random

    build, arguments = FORMATS[fmt]
    clean = _response(build(PAD + _cut(_text(arguments, "no key at all"), "key", [1])))
    assert _scan_says(clean, random.Random(1)) is True
    assert redact_interaction(clean, CONFIG).response.body == clean.response.body


@pytest.mark.parametrize("engines", ["hyperscan", "aho-corasick", "none"])
def test_each_engine_finds_the_candidates(engines, monkeypatch):
    """Without Hyperscan the look uses the Aho-Corasick automaton; without either every delta
    stream is taken apart: the same redaction each way."""
    import random

    from vcrproxy import redaction

    monkeypatch.setattr(redaction, "_USE_HS", engines == "hyperscan")
    monkeypatch.setattr(redaction, "_USE_AC", engines != "none")
    i = _response(_chat_text(PAD + _cut(BEFORE + KEY + AFTER, KEY, CUTS["every-1"])))
    assert _scan_says(i, random.Random(5)) is False
    assert "".join(_pieces_of(redact_interaction(i, CONFIG).response.body)).endswith(
        BEFORE + MARK + AFTER)
    clean = _response(_chat_text(PAD + ["no key ", "at all"]))
    assert _scan_says(clean, random.Random(5)) is (engines != "none")
    assert redact_interaction(clean, CONFIG).response.body == clean.response.body


@pytest.mark.parametrize("cut", [[1], [5], [len("Tr0ub4dor&3-horse-battery") - 1], [2, 3, 4]])
def test_large_stream_with_a_split_echo_is_a_candidate(cut):
    """A named request value (no shape) split anywhere, the last character alone too."""
    import random

    secret = "Tr0ub4dor" + "&3-horse-battery"
    request = json.dumps({"metadata": {"db_password": secret}})
    body = _chat_text(PAD + _cut(BEFORE + secret + AFTER, secret, cut))
    i = _response(body, request)
    assert _scan_says(i, random.Random(3)) is False
    assert "".join(_pieces_of(redact_interaction(i, CONFIG).response.body)).endswith(
        BEFORE + MARK + AFTER)


# -- through the proxy -----------------------------------------------------------------------------


def _chat(base: str, text: str, cuts: list[int], tools: bool = False) -> dict:
    body = {"model": "gpt-4o-mini", "stream": True,
            "messages": [{"role": "user", "content": text}]}
    if tools:
        body["tools"] = [{"type": "function", "function": {"name": "write_env", "parameters": {}}}]
    return {"method": "POST", "url": f"{base}/v1/chat/completions", "json": body,
            "headers": {"x-fake-cuts": ",".join(map(str, cuts))}}


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_recorded_chat_and_anthropic_streams_hold_no_split_key(run_proxy, gateway, ca_cert,
                                                              tmp_path, http2):
    """Through the proxy, from the TLS gateway: chat text deltas, chat tool arguments and
    Anthropic text deltas, the key cut inside `sk-` and later. The live client gets the key
    whole (recording never changes what it forwards); the cassette, `show` and replay do not."""
    reply = "You said: " + BEFORE + KEY + AFTER
    at = reply.index(KEY)
    args = json.dumps({"text": BEFORE + KEY + AFTER}, separators=(",", ":"))
    anthropic = {"method": "POST", "url": f"{gateway.url}/v1/messages",
                 "headers": {"x-fake-cuts": f"{at + 2},{at + 7}"},
                 "json": {"model": "claude-x", "max_tokens": 64, "stream": True,
                          "messages": [{"role": "user", "content": BEFORE + KEY + AFTER}]}}
    cassette = tmp_path / "split.yaml"
    live = record_through(run_proxy, cassette, ca_cert,
                          _chat(gateway.url, BEFORE + KEY + AFTER, [at + 1, at + 3, at + 30]),
                          _chat(gateway.url, BEFORE + KEY + AFTER,
                                [args.index(KEY) + 3, args.index(KEY) + 11], tools=True),
                          anthropic, http2=http2)
    for r in live:
        assert r.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
        assert KEY not in r.text  # split on the wire...
    assert KEY in summarize_exchange_text(live[0].text)  # ...and whole to the client
    text = cassette.read_text(encoding="utf-8")
    assert KEY not in text
    chat, tool, claude = (summarize(i) for i in load_cassette(cassette).interactions)
    assert chat.text == "You said: " + BEFORE + MARK + AFTER
    assert json.loads(tool.tool_calls[0].arguments) == {"text": BEFORE + MARK + AFTER}
    assert claude.text == "You said: " + BEFORE + MARK + AFTER
    shown = CliRunner().invoke(main, ["show", "--plain", str(cassette)], prog_name="vcrproxy")
    assert shown.exit_code == 0 and KEY not in shown.output and MARK in shown.output
    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        r = client.request(**_chat(gateway.url, BEFORE + KEY + AFTER, []))
    assert r.status_code == 200 and KEY not in summarize_exchange_text(r.text)


def summarize_exchange_text(sse: str) -> str:
    return "".join(
        c["delta"].get("content") or "" for line in sse.splitlines()
        if line.startswith("data: {") for c in json.loads(line[6:])["choices"])


def test_key_the_request_never_held_is_redacted_from_a_raw_server(run_proxy, ca_cert, tmp_path):
    """A model that leaks a key from its context (the request holds none): a Responses API and
    a Gemini stream, written as a server writes them (HTTP/1.1, chunked)."""
    secret = SHAPE_EXAMPLES["google"]
    answers = []
    for body in (_responses("response.output_text.delta")(_cut(BEFORE + KEY + AFTER, KEY, [3])),
                 _gemini(_cut(BEFORE + secret + AFTER, secret, [2, 9]))):
        data = body.encode()
        answers.append(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                       b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(data) + data)
    cassette = tmp_path / "raw.yaml"
    with raw_answers(answers) as base:
        live = record_through(
            run_proxy, cassette, ca_cert,
            {"method": "POST", "url": f"{base}/v1/responses",
             "json": {"model": "gpt-5", "input": "what is in your context?"}},
            {"method": "POST",
             "url": f"{base}/v1beta/models/gemini-2.5-flash:streamGenerateContent"
                    "?alt=sse", "json": {"contents": [{"parts": [{"text": "?"}]}]}})
    assert live[0].content == answers[0].split(b"\r\n\r\n", 1)[1]  # forwarded as it came
    text = cassette.read_text(encoding="utf-8")
    assert KEY not in text and secret not in text
    responses, gemini = (summarize(i) for i in load_cassette(cassette).interactions)
    assert responses.text == BEFORE + MARK + AFTER
    assert gemini.text == BEFORE + MARK + AFTER


def test_large_stream_scanned_while_it_streams(run_proxy, gateway, ca_cert, tmp_path):
    """A stream past 1 MB is scanned as it streams (StreamScan, in a forked process past
    8 MB, whose text is written as it is when the scan says redaction leaves it): its delta
    pieces are joined there, so a key split near the end is still redacted."""
    pad = ("lorem" * 800 + " ") * 2300  # ~9 MB of reply before the key (few words: a fast fake)
    reply = "You said: " + pad + BEFORE + KEY + AFTER
    at = reply.index(KEY)
    cuts = [n * 65536 for n in range(1, at // 65536)] + [at + 3, at + 13]
    cassette = tmp_path / "large.yaml"
    request = _chat(gateway.url, pad + BEFORE + KEY + AFTER, cuts)
    request["headers"]["x-fake-gap-ms"] = "0"
    (r,) = record_through(run_proxy, cassette, ca_cert, request)
    assert KEY in summarize_exchange_text(r.text)
    (i,) = load_cassette(cassette).interactions
    assert KEY.encode() not in i.response.body_bytes
    assert summarize(i).text.endswith(BEFORE + MARK + AFTER)


def test_realtime_deltas_recorded_through_the_proxy(run_proxy, gateway, ca_cert, tmp_path):
    """The Realtime API over WebSocket through the proxy: the server's
    `response.output_text.delta` events carry the user's key cut at `?cuts=`."""
    websockets = pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    text = BEFORE + KEY + AFTER
    at = len("You said: ") + len(BEFORE)
    cassette = tmp_path / "rt.yaml"
    proxy = run_proxy(cassette, "record")

    async def session() -> str:
        got = []
        url = (f"wss://localhost:{gateway.port}/v1/realtime?model=gpt-realtime"
               f"&cuts={at + 1},{at + 6},{at + 20}")
        async with asyncio.timeout(15):
            async with connect(url, ssl=ssl.create_default_context(cafile=ca_cert),
                               proxy=proxy.url, ping_interval=None) as ws:
                await ws.recv()
                await ws.send(json.dumps({"type": "conversation.item.create", "item": {
                    "type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": text}]}}))
                await ws.recv()
                await ws.send(json.dumps({"type": "response.create"}))
                while (event := json.loads(await ws.recv()))["type"] != "response.done":
                    if event["type"] == "response.output_text.delta":
                        got.append(event["delta"])
        return "".join(got)

    assert asyncio.run(session()) == "You said: " + text
    proxy.stop()
    assert websockets is not None
    (i,) = load_cassette(cassette).interactions
    deltas = [json.loads(m["data"]) for m in i.response.extra[WEBSOCKET_KEY]["messages"]
              if m["from"] == "server"]
    assert "".join(d["delta"] for d in deltas if d["type"] == "response.output_text.delta") \
        == "You said: " + BEFORE + MARK + AFTER
    assert KEY not in cassette.read_text(encoding="utf-8")


# -- check and redact on a cassette that holds one -------------------------------------------------


def test_check_reports_a_split_key_and_redact_fixes_it(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "raw.yaml"
    args = json.dumps({"text": BEFORE + KEY + AFTER}, separators=(",", ":"))
    record_through(run_proxy, cassette, ca_cert,
                   _chat(gateway.url, BEFORE + KEY + AFTER, [args.index(KEY) + 6], tools=True),
                   redact=False)
    runner = CliRunner()
    checked = runner.invoke(main, ["check", str(cassette)], prog_name="vcrproxy")
    assert checked.exit_code == 1
    assert "response body (joined stream deltas) holds an OpenAI key" in checked.output
    assert KEY not in checked.output and KEY[:6] not in checked.output
    fixed = runner.invoke(main, ["redact", str(cassette)], prog_name="vcrproxy")
    assert fixed.exit_code == 0, fixed.output
    assert runner.invoke(main, ["check", str(cassette)], prog_name="vcrproxy").exit_code == 0
    (i,) = load_cassette(cassette).interactions
    assert json.loads(summarize(i).tool_calls[0].arguments) == {"text": BEFORE + MARK + AFTER}


def test_a_gzip_stream_in_a_cassette_is_checked_and_redacted_decoded():
    """A cassette written elsewhere keeps a stream gzip'd (go-vcr stores what the client read):
    check and redact look at its decoding, and redact stores it decoded."""
    import gzip

    body = _chat_text(_cut(BEFORE + KEY + AFTER, KEY, [2, 7])).encode()
    i = _response("")
    i.response.body = gzip.compress(body)
    i.response.headers["Content-Encoding"] = ["gzip"]
    assert any("joined stream deltas" in f for f in find_secrets(i, CONFIG))
    out = redact_interaction(i, CONFIG)
    assert "Content-Encoding" not in out.response.headers
    assert "".join(_pieces_of(out.response.body)) == BEFORE + MARK + AFTER

