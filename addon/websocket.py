"""WebSocket sessions (OpenAI Realtime, Gemini Live, Azure realtime): record every message, replay
offline.

Cassette format. go-vcr has no place for the messages that follow a `101 Switching Protocols`, so
they go in one extra key of the upgrade's response, WEBSOCKET_KEY (`vcrproxy_websocket`, ignored
by go-vcr like `vcrproxy_chunks`)::

    vcrproxy_websocket:
      count: 2                  # how many messages follow (first: marks this format)
      messages:
      - at: 0.9                 # ms after the 101 arrived (float)
        from: server            # server | client
        type: text              # text | binary
        data: '{"type":"session.created",...}'     # text frames as YAML text
      - at: 20.31
        from: client
        type: binary
        data: !!binary AAECAw==                    # binary frames always as !!binary
      close:                    # `close: null` if the session was still open when the proxy
        at: 95.2                #   stopped (recordings made before `count` leave it out)
        from: client            # who closed; 1006 = the connection dropped without a close frame
        code: 1000
        reason: ""

Messages are whole messages (fragments joined), in the order mitmproxy relayed them. Payloads
are redacted like bodies (redaction.py). `count` first and `close` last, always written, let the
loader tell a session whose append was cut off (codec._session_torn) from a whole one: without
them a cut between two messages left a shorter session that loaded as whole.

Replay. mitmproxy can answer the upgrade itself (an addon-made 101) and inject messages toward the
client (`inject.websocket`), but its WebsocketLayer relays every control frame to the server side:
a client ping or close frame then goes to a server connection that was never opened and the
connection handler crashes (KeyError in HttpLayer, mitmproxy 11.0.2 and 12.3.1 alike), and an
addon cannot send a close frame with a code. So the upgrade is routed, like paced replay, to the
in-process loopback server (pacing.ChunkServer), where `WebSocketPlayer` speaks the server side with
wsproto (mitmproxy's own WebSocket library): mitmproxy relays a real WebSocket both ways, its hooks
see every message, and nothing leaves the machine.

The player sends the server messages recorded before the first client message at once; each later
run of server messages is sent once the client message that preceded it in the recording has
arrived and matched (in order; JSON-aware like bodies, with the session's ignore paths plus
`vcr_ws_ignore_json`, default WS_IGNORE_JSON; binary frames compare by type only unless
`vcr_ws_match_binary`). With pacing, each message keeps its
recorded delay from the message that triggered it. A client message with no recorded counterpart
is a miss: the player closes with 1008 (policy violation) and a one-line reason; in record mode
new-episodes the session goes upstream from there instead and is recorded as a new episode
(wsplayer.WebSocketPlayer, Upstream).
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .cassette import WEBSOCKET_KEY, CassetteError, Response, header_values
from .options import WS_IGNORE_JSON

log = logging.getLogger("vcrproxy")

POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011  # RFC 6455 7.4.1: the server met a condition it could not handle
_REASON_BYTES = 123  # a close frame's payload is at most 125 bytes, 2 of them the code

# Close codes (RFC 6455 7.4). A recording keeps the code mitmproxy reported, which may be one that
# never goes in a close frame (7.4.1): 1005 (the close frame had no code), 1006 (the connection
# dropped without a close frame), 1015 (TLS failed). Replay sends 1005 as a close frame without a
# code (what the client saw when it was recorded) and 1006/1015 as 1000 (what mitmproxy sent the
# client then: wsproto sends a local-only code as 1000). Any other code must be one a close frame
# may carry and a receiver accepts: 1000-1003, 1007-1013 (RFC 6455 and the IANA registry; 1014
# is registered too, but wsproto, mitmproxy's WebSocket library, fails a connection that receives
# it, so it could neither be recorded nor relayed) or 3000-4999 (libraries, applications). 1004,
# 1016-2999 (reserved), below 1000 and from 5000 (out of range) cannot be replayed.
NOT_SENT_CLOSE_CODES = frozenset((1005, 1006, 1015))
_SENDABLE_PROTOCOL_CODES = frozenset((*range(1000, 1004), *range(1007, 1014)))


def close_code_problem(code: int) -> str | None:
    """Why `code` (a recorded close code) cannot be replayed, or None (RFC 6455 7.4, above)."""
    if code in NOT_SENT_CLOSE_CODES or code in _SENDABLE_PROTOCOL_CODES or 3000 <= code <= 4999:
        return None
    if code == 1014:
        return ("1014 (bad gateway) is registered, but wsproto, mitmproxy's WebSocket library, "
                "fails a connection that receives it: replay cannot send it")
    if code < 1000 or code > 4999:
        return (f"{code} is out of range (RFC 6455 7.4: a close frame carries 1000-4999); "
                "replay cannot send it")
    return (f"{code} is reserved (RFC 6455 7.4.1; a client fails the connection on it): replay "
            "sends 1000-1003, 1007-1013 or 3000-4999, and 1005/1006/1015 as recorded states")


# The keys of WEBSOCKET_KEY's value, of each message and of the close (the format above): what
# `session_from_response` reads; schema.py reports any other key (a typo would read as absent).
SESSION_KEYS = ("count", "messages", "close")
MESSAGE_KEYS = ("at", "from", "type", "data")
CLOSE_KEYS = ("at", "from", "code", "reason")


@dataclass
class WsMessage:
    """One whole message: `at_ms` after the 101, sent by the client or the server."""

    at_ms: float
    from_client: bool
    text: bool
    data: str | bytes  # str for text frames, bytes for binary ones

    @property
    def payload(self) -> bytes:
        return self.data.encode() if isinstance(self.data, str) else self.data


@dataclass
class WsClose:
    at_ms: float
    from_client: bool
    code: int
    reason: str = ""


@dataclass
class WsSession:
    messages: list[WsMessage] = field(default_factory=list)
    close: WsClose | None = None

    def to_extra(self) -> dict[str, Any]:
        """The value of WEBSOCKET_KEY (`close` None: the session was still open)."""
        out: dict[str, Any] = {
            "count": len(self.messages),
            "messages": [
                {
                    "at": _ms(m.at_ms),
                    "from": "client" if m.from_client else "server",
                    "type": "text" if m.text else "binary",
                    "data": m.data,
                }
                for m in self.messages
            ]
        }
        out["close"] = None
        if self.close is not None:
            c = self.close
            out["close"] = {
                "at": _ms(c.at_ms),
                "from": "client" if c.from_client else "server",
                "code": c.code,
                "reason": c.reason,
            }
        return out


def _ms(value: float) -> float | int:
    value = round(float(max(value, 0.0)), 3)  # (float: int.is_integer is Python 3.12+)
    return int(value) if value.is_integer() else value


def is_upgrade(headers: Any) -> bool:
    """Whether request headers (mitmproxy Headers or a cassette header map) ask for a WebSocket."""
    if isinstance(headers, dict):
        values = header_values(headers, "upgrade")
    else:
        values = headers.get_all("upgrade")
    return any(v.strip().lower() == "websocket" for v in values)


def session_from_flow(flow: Any) -> WsSession:
    """The messages mitmproxy relayed on a WebSocket flow (`flow.websocket`, mitmproxy's
    WebSocketData), timed from the arrival of the 101."""
    ws = flow.websocket
    resp = flow.response
    origin = (resp.timestamp_start if resp is not None else None) or flow.request.timestamp_start
    out = WsSession()
    for m in ws.messages:
        text = m.is_text
        data: str | bytes = m.content.decode("utf-8", "replace") if text else bytes(m.content)
        out.messages.append(WsMessage((m.timestamp - origin) * 1000, m.from_client, text, data))
    if ws.close_code is not None:
        end = ws.timestamp_end or time.time()
        out.close = WsClose(
            (end - origin) * 1000, bool(ws.closed_by_client), int(ws.close_code),
            ws.close_reason or "",
        )
    return out


def session_from_response(resp: Response) -> WsSession:
    """Parse WEBSOCKET_KEY of a recorded response (an empty session if absent).

    Raises CassetteError (one line) when the value is not in the documented shape.
    """
    raw = resp.extra.get(WEBSOCKET_KEY)
    if raw is None:
        return WsSession()
    where = f"response.{WEBSOCKET_KEY}"
    if not isinstance(raw, dict):
        raise CassetteError(f"{where}: expected a mapping with `messages`")
    out = WsSession()
    messages = raw.get("messages")
    messages = [] if messages is None else messages  # (`messages:` with nothing after it)
    if not isinstance(messages, list):
        raise CassetteError(f"{where}.messages: expected a list")
    for n, m in enumerate(messages):
        at = f"{where}.messages[{n}]"
        if not isinstance(m, dict):
            raise CassetteError(f"{at}: expected a mapping")
        kind, side, data = m.get("type"), m.get("from"), m.get("data", "")
        if kind not in ("text", "binary") or side not in ("client", "server"):
            raise CassetteError(f"{at}: `type` must be text/binary and `from` client/server")
        if data is None:
            data = ""
        if not isinstance(data, str | bytes):
            raise CassetteError(f"{at}.data: expected text or !!binary")
        if kind == "text" and isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        elif kind == "binary" and isinstance(data, str):
            data = _utf8(data, f"{at}.data", "surrogateescape")
        if isinstance(data, str) and not data.isascii():
            _utf8(data, f"{at}.data")  # a text frame is UTF-8 (RFC 6455 5.6)
        out.messages.append(WsMessage(_number(m.get("at", 0), at), side == "client",
                                      kind == "text", data))
    close = raw.get("close")
    if close is not None:
        out.close = _close(close, f"{where}.close")
    return out


def _close(close: Any, where: str) -> WsClose:
    if not isinstance(close, dict):
        raise CassetteError(f"{where}: expected a mapping with `code`")
    code = close.get("code", 1000)
    if not isinstance(code, int) or isinstance(code, bool):
        raise CassetteError(f"{where}.code: expected an integer")
    problem = close_code_problem(code)
    if problem is not None:
        raise CassetteError(f"{where}.code: {problem}")
    side = close.get("from", "server")
    if side not in ("client", "server"):
        raise CassetteError(f"{where}.from: must be client or server")
    reason = close.get("reason")
    reason = "" if reason is None else reason
    if not isinstance(reason, str):
        raise CassetteError(f"{where}.reason: expected text")
    size = len(_utf8(reason, f"{where}.reason"))
    if size > _REASON_BYTES:  # RFC 6455 5.5: a control frame's payload is at most 125 bytes
        raise CassetteError(f"{where}.reason: {size} bytes; a close frame holds at most "
                            f"{_REASON_BYTES} (RFC 6455 5.5)")
    if reason and code == 1005:
        raise CassetteError(f"{where}.reason: a close without a code (1005) has no reason "
                            "(RFC 6455 5.5.1)")
    return WsClose(_number(close.get("at", 0), where), side == "client", code, reason)


def _utf8(text: str, where: str, errors: str = "strict") -> bytes:
    try:
        return text.encode("utf-8", errors)
    except UnicodeEncodeError as e:
        raise CassetteError(f"{where}: not valid UTF-8 ({e.reason} at {e.start})") from None


def _number(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < math.inf:
        raise CassetteError(f"{where}.at: expected milliseconds as a finite number >= 0")
    return float(v)


def _short_reason(text: str) -> str:
    """One line of at most 123 UTF-8 bytes (a close frame's room for a reason)."""
    line = " ".join(text.split())
    raw = line.encode("utf-8")
    if len(raw) <= _REASON_BYTES:
        return line
    return raw[: _REASON_BYTES - 3].decode("utf-8", "ignore") + "..."


# -- reading a session (vcrproxy show) ---------------------------------------------------------

OPENAI_REALTIME = "openai-realtime"
GEMINI_LIVE = "gemini-live"
_TEXT_DELTAS = (
    "response.output_text.delta", "response.text.delta",  # GA / beta
    "response.output_audio_transcript.delta", "response.audio_transcript.delta",
)


_TURN_BREAK = "\x00turn\x00"  # (a marker no event text holds: JSON strings escape NUL)


_JSON_OBJECT = re.compile(rb"\s*\{")


def _event(m: WsMessage) -> dict[str, Any] | None:
    """The JSON object a message holds: a text frame's, or a binary frame's when it is UTF-8 JSON
    (Gemini Live sends its server messages as binary frames: google-genai reads them with
    `recv(decode=False)`, browsers get Blobs); None for anything else (audio)."""
    if m.text:
        data: str | bytes = m.data
        if not isinstance(data, str) or not data.lstrip().startswith("{"):
            return None
    else:
        data = m.payload
        if not _JSON_OBJECT.match(data):
            return None
    try:
        obj = json.loads(data)  # (bytes: read as UTF-8, else ValueError)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def event_label(m: WsMessage) -> str:
    """`session.created`, `serverContent`, `(binary, 3 bytes)`, `(text, 12 chars)`."""
    obj = _event(m)
    if obj is None:
        if m.text:
            return f"(text, {len(m.data)} chars)"
        return f"(binary, {len(m.payload)} bytes)"
    kind = obj.get("type")
    if isinstance(kind, str):
        return kind
    return ",".join(str(k) for k in obj) or "{}"  # Gemini Live: {"serverContent": {...}}


def timeline(session: WsSession) -> list[tuple[float, bool, str, int]]:
    """(at_ms, from_client, label, count): the session's events, runs of one label collapsed."""
    out: list[tuple[float, bool, str, int]] = []
    for m in session.messages:
        label = event_label(m)
        if out and out[-1][1] == m.from_client and out[-1][2] == label:
            at, side, _, n = out[-1]
            out[-1] = (at, side, label, n + 1)
        else:
            out.append((m.at_ms, m.from_client, label, 1))
    return out


def _items(value: Any) -> list:
    """`value` if it is a list, else no items: a session is a hostile input (a cassette from
    anywhere), and `"content": 5` or `"turns": "hi"` must not stop `show` or `diff`."""
    return value if isinstance(value, list) else []


def _count(value: Any) -> bool:
    """Whether `value` is a token count (an int, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def spoken_turns(session: WsSession) -> list[tuple[int, str]]:
    """(index of the message that ends it, text) of each turn the user spoke, as the server
    transcribed it (input audio transcription): the Realtime API's
    `conversation.item.input_audio_transcription.completed` event's `transcript`; Gemini Live's
    `serverContent.inputTranscription.text`, pieces joined up to the turn's `turnComplete`."""
    turns: list[tuple[int, str]] = []
    pieces: list[str] = []
    for n, m in enumerate(session.messages):
        obj = None if m.from_client else _event(m)
        if obj is None:
            continue
        if obj.get("type") == "conversation.item.input_audio_transcription.completed":
            if isinstance(obj.get("transcript"), str) and obj["transcript"].strip():
                turns.append((n, obj["transcript"]))
            continue
        server = obj.get("serverContent") or obj.get("server_content")
        if not isinstance(server, dict):
            continue
        heard = server.get("inputTranscription") or server.get("input_transcription")
        if isinstance(heard, dict) and isinstance(heard.get("text"), str):
            pieces.append(heard["text"])
        if (server.get("turnComplete") or server.get("turn_complete")) and pieces:
            if "".join(pieces).strip():
                turns.append((n, "".join(pieces)))
            pieces = []
    if "".join(pieces).strip():
        turns.append((len(session.messages) - 1, "".join(pieces)))
    return turns


def summarize_session(summary: Any, session: WsSession) -> None:
    """Fill an `aiformats.ExchangeSummary` from a Realtime session (OpenAI Realtime events or
    Gemini Live messages): provider, model, last user text (typed or spoken: `spoken_turns`),
    assistant text (the deltas, or transcripts for audio; a Gemini Live thinking model's
    `thought` parts as its reasoning), tool calls, usage (summed over
    responses). Never raises."""
    from .aiformats import UNKNOWN, ToolCall, Usage, _Out

    summary.streamed = True
    summary.events = len(session.messages)
    texts: list[str] = []
    thoughts: list[str] = []
    calls: dict[str, ToolCall] = {}
    usage = Usage()
    provider = None

    def add(field_name: str, value: Any) -> None:
        if _count(value):
            setattr(usage, field_name, (getattr(usage, field_name) or 0) + value)

    media = _Out()  # this turn's audio (Gemini Live inlineData), one line per run of a type
    turn_start = 0  # where this turn's text starts in `texts`

    def end_turn(media: _Out) -> _Out:
        """Close a Gemini Live turn: its audio after its text, on a line of its own."""
        nonlocal turn_start
        if media.text:
            said = any(t for t in texts[turn_start:])
            texts.append(("\n" if said else "") + media.text_with_others())
        texts.append(_TURN_BREAK)
        thoughts.append(_TURN_BREAK)
        turn_start = len(texts)
        return _Out()

    spoken = dict(spoken_turns(session))
    for n, m in enumerate(session.messages):
        if n in spoken:  # (the user's last turn may be a spoken one)
            summary.user_message = " ".join(spoken[n].split())[:200]
        obj = _event(m)
        if obj is None:
            continue
        kind = obj.get("type")
        if isinstance(kind, str):
            provider = provider or OPENAI_REALTIME
        if m.from_client:
            item = obj.get("item") if kind == "conversation.item.create" else None
            if isinstance(item, dict) and item.get("role") == "user":
                parts = [c.get("text") or c.get("transcript") for c in _items(item.get("content"))
                         if isinstance(c, dict)]
                said = " ".join(p for p in parts if isinstance(p, str))
                if said:
                    summary.user_message = " ".join(said.split())[:200]
            client = obj.get("clientContent") or obj.get("client_content")
            if isinstance(client, dict):  # Gemini Live
                provider = GEMINI_LIVE
                for turn in _items(client.get("turns")):
                    if not isinstance(turn, dict) or turn.get("role", "user") != "user":
                        continue  # (a model turn of restored history is no user message)
                    for part in _items(turn.get("parts")):
                        if isinstance(part, dict) and isinstance(part.get("text"), str):
                            summary.user_message = " ".join(part["text"].split())[:200]
            realtime = obj.get("realtimeInput") or obj.get("realtime_input")
            if isinstance(realtime, dict) and isinstance(realtime.get("text"), str) \
                    and realtime["text"].strip():  # Gemini Live's realtime text input
                provider = GEMINI_LIVE
                summary.user_message = " ".join(realtime["text"].split())[:200]
            setup = obj.get("setup")
            if isinstance(setup, dict) and isinstance(setup.get("model"), str):
                provider = GEMINI_LIVE
                summary.request_model = setup["model"]
            continue
        if kind in _TEXT_DELTAS and isinstance(obj.get("delta"), str):
            texts.append(obj["delta"])
        elif kind == "response.function_call_arguments.done":
            call_id = str(obj.get("call_id") or obj.get("item_id") or len(calls))
            calls[call_id] = ToolCall(call_id, str(obj.get("name") or ""),
                                      str(obj.get("arguments") or ""))
        elif kind == "response.done":
            texts.append(_TURN_BREAK)  # (each response's text apart from the next one's)
            response = obj.get("response") if isinstance(obj.get("response"), dict) else {}
            for item in _items(response.get("output")):
                # (`mcp_call`: a remote MCP server's tool the model called itself)
                if isinstance(item, dict) and item.get("type") in ("function_call", "mcp_call"):
                    call_id = str(item.get("call_id") or item.get("id") or len(calls))
                    calls.setdefault(call_id, ToolCall(call_id, str(item.get("name") or ""),
                                                       str(item.get("arguments") or "")))
            u = response.get("usage")
            if isinstance(u, dict):
                add("input_tokens", u.get("input_tokens"))
                add("output_tokens", u.get("output_tokens"))
                add("total_tokens", u.get("total_tokens"))
            # (the last response's: what the session ended with, as an HTTP answer's finish)
            status = response.get("status")
            summary.finish_reason = None if status in (None, "completed") else str(status)
        elif kind == "session.created" and isinstance(obj.get("session"), dict):
            model = obj["session"].get("model")
            if isinstance(model, str):
                summary.response_model = model
        elif kind == "error" and isinstance(obj.get("error"), dict):
            summary.error = str(obj["error"].get("message") or obj["error"])
        server = obj.get("serverContent") or obj.get("server_content")
        if isinstance(server, dict):  # Gemini Live
            provider = GEMINI_LIVE
            turn = server.get("modelTurn") or server.get("model_turn") or {}
            for part in _items(turn.get("parts") if isinstance(turn, dict) else None):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    # A thinking model's thoughts (`thought: true`) are no answer: shown apart,
                    # as aiformats._gemini shows them over HTTP.
                    (thoughts if part.get("thought") is True else texts).append(part["text"])
                inline = part.get("inlineData") or part.get("inline_data") \
                    if isinstance(part, dict) else None
                if isinstance(inline, dict):  # the spoken answer: its digest, as over HTTP
                    media.media(str(inline.get("mimeType") or inline.get("mime_type") or ""),
                                inline.get("data"))
            transcript = server.get("outputTranscription") or {}
            if isinstance(transcript, dict) and isinstance(transcript.get("text"), str):
                texts.append(transcript["text"])
            if server.get("turnComplete") or server.get("turn_complete"):
                media = end_turn(media)
        tool = obj.get("toolCall") or obj.get("tool_call")
        if isinstance(tool, dict):
            provider = GEMINI_LIVE
            for fc in _items(tool.get("functionCalls") or tool.get("function_calls")):
                if isinstance(fc, dict):
                    call_id = str(fc.get("id") or len(calls))
                    calls[call_id] = ToolCall(call_id, str(fc.get("name") or ""),
                                              json.dumps(fc.get("args") or {}))
        meta = obj.get("usageMetadata")
        if isinstance(meta, dict):
            for field_name, key in (("input_tokens", "promptTokenCount"),
                                    ("output_tokens", "responseTokenCount"),
                                    ("total_tokens", "totalTokenCount"),
                                    ("reasoning_tokens", "thoughtsTokenCount")):
                if _count(meta.get(key)):
                    setattr(usage, field_name, meta[key])
    end_turn(media)  # (a session that ended mid-turn)
    if summary.provider == UNKNOWN:
        summary.provider = provider or "websocket"
    if not summary.request_model:
        query = parse_qs(urlsplit(str(summary.url or "")).query)
        summary.request_model = (query.get("model") or [None])[0]
    # (turns apart by a blank line; none before the first, after the last or twice over)
    turns = "".join(texts).split(_TURN_BREAK)
    summary.text = "\n\n".join(t for t in turns if t)
    summary.reasoning = "\n\n".join(t for t in "".join(thoughts).split(_TURN_BREAK) if t)
    summary.tool_calls = list(calls.values())
    if not usage.is_empty():
        summary.usage = usage


__all__ = [
    "GEMINI_LIVE",
    "INTERNAL_ERROR",
    "NOT_SENT_CLOSE_CODES",
    "OPENAI_REALTIME",
    "POLICY_VIOLATION",
    "WEBSOCKET_KEY",
    "WS_IGNORE_JSON",
    "WsClose",
    "WsMessage",
    "WsSession",
    "close_code_problem",
    "event_label",
    "is_upgrade",
    "session_from_flow",
    "session_from_response",
    "spoken_turns",
    "summarize_session",
    "timeline",
]
