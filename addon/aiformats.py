"""Reading AI API exchanges: which API a request/response pair speaks and what was said.

Pure parsing of recorded bytes, no I/O and no click/mitmproxy imports, so both the CLI (`vcrproxy
show`) and the proxy/replay code can use it. Entry points:

- `summarize(interaction)`: an `ExchangeSummary` of a cassette interaction.
- `summarize_exchange(method, url, request_body, response_body, ...)`: the same from raw parts
  (e.g. a mitmproxy flow's request/response).
- `guess_provider(url, request_body)`, `request_model(url, request_body)`: request-only look-ups.
- `parse_sse(text)`, `decode_eventstream(data)`: the two stream framings (`eventstream_layout`,
  `eventstream_frame`: where a body's frames are, and one made anew).

Nothing here raises on odd input: unknown or garbled bodies give provider "unknown" and no text.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import zlib
from array import array
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from . import decoders, providers
from .cassette import first_header
from .terminal import cut_text

# API names, as providers.py declares them.
OPENAI_CHAT = providers.OPENAI_CHAT.api
OPENAI_RESPONSES = providers.OPENAI_RESPONSES.api
ANTHROPIC_MESSAGES = providers.ANTHROPIC_MESSAGES.api
GEMINI = providers.GEMINI.api
BEDROCK_EVENTSTREAM = providers.BEDROCK_EVENTSTREAM.api
BEDROCK_CONVERSE = providers.BEDROCK_CONVERSE.api  # non-streamed Bedrock Converse JSON
BEDROCK_INVOKE = providers.BEDROCK_INVOKE.api  # non-streamed InvokeModel JSON: Llama, Titan...
UNKNOWN = providers.UNKNOWN.api

PROVIDERS = (
    OPENAI_CHAT,
    OPENAI_RESPONSES,
    ANTHROPIC_MESSAGES,
    GEMINI,
    BEDROCK_EVENTSTREAM,
    BEDROCK_CONVERSE,
    BEDROCK_INVOKE,
    UNKNOWN,
)

SHORT = 200  # characters kept of the user's message and of tool results


@dataclass
class ToolCall:
    id: str = ""
    name: str = ""
    arguments: str = ""  # reassembled JSON text, as the model produced it


@dataclass
class ToolResult:
    """A tool result the request sends back to the model (new since the model last spoke)."""

    id: str = ""
    name: str = ""
    content: str = ""  # shortened, one line
    is_error: bool = False


@dataclass
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cached_tokens: int | None = None  # prompt tokens read from a cache
    cache_creation_tokens: int | None = None  # Anthropic: prompt tokens written to the cache
    reasoning_tokens: int | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in asdict(self).values())


@dataclass
class ExchangeSummary:
    provider: str = UNKNOWN
    streamed: bool = False
    request_model: str | None = None
    response_model: str | None = None
    user_message: str | None = None  # the user's last message, shortened to one line
    tool_results: list[ToolResult] = field(default_factory=list)
    text: str = ""  # reassembled assistant text
    reasoning: str = ""  # reasoning / thinking text, if the response carried any
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None
    error: str | None = None  # the API's error message when the response is an error
    # Why a body is not shown: it decodes to more than decoders.MAX_DECODED (a bomb).
    notice: str | None = None
    events: int = 0  # stream events (SSE data events, event-stream frames, JSON array items)
    # The HTTP exchange it came from.
    id: int | None = None
    method: str = ""
    url: str = ""
    code: int = 0
    status: str = ""
    duration_ns: int = 0

    @property
    def model(self) -> str | None:
        return self.response_model or self.request_model

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        order = ["id", "method", "url", "code", "status", "duration_ns", "provider", "streamed"]
        return {k: d[k] for k in order} | {k: v for k, v in d.items() if k not in order}


# ---------------------------------------------------------------------------------------------
# Small defensive helpers


def _dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list:
    return v if isinstance(v, list) else []


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _json_text(v: Any) -> str:
    try:
        return json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(v)


def shorten(text: str, limit: int = SHORT) -> str:
    """One line: whitespace runs collapsed, cut at `limit` characters with an ellipsis, never
    inside a run of key characters (terminal.cut_text: what is shown of it is masked after)."""
    one = " ".join(text.split())
    return one if len(one) <= limit else cut_text(one, limit)[:-1].rstrip() + "…"


def _header(headers: Mapping[str, Any] | None, name: str) -> str:
    """A header's first value (cassette.first_header); "" when absent or not text (never
    raises: `summarize` takes any object)."""
    try:
        value = first_header(headers, name)
    except (AttributeError, TypeError):
        return ""
    return value if isinstance(value, str) else ""


def _to_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8", "surrogateescape")
    return b""


def _load_json(text: str | bytes | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None


# ---------------------------------------------------------------------------------------------
# Stream framings


@dataclass
class SSEEvent:
    event: str  # "" when the event had no `event:` line ("message" per the spec)
    data: str


def parse_sse(text: str) -> list[SSEEvent]:
    """Server-sent events (LF, CRLF or CR line ends). An unterminated last event is kept."""
    events: list[SSEEvent] = []
    event, data, has_data = "", [], False
    for line in re.split(r"\r\n|\r|\n", text):
        if not line:
            if has_data:
                events.append(SSEEvent(event, "\n".join(data)))
            event, data, has_data = "", [], False
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
            has_data = True
        elif name == "event":
            event = value
    if has_data:
        events.append(SSEEvent(event, "\n".join(data)))
    return events


@dataclass
class EventStreamFrame:
    headers: dict[str, Any]
    payload: bytes


def _eventstream_headers(raw: bytes) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    i = 0
    fixed = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
    while i < len(raw):
        n = raw[i]
        name = raw[i + 1 : i + 1 + n].decode("utf-8", "replace")
        i += 1 + n
        if i >= len(raw):
            break
        kind = raw[i]
        i += 1
        if kind in (6, 7):
            (size,) = struct.unpack(">H", raw[i : i + 2])
            value: Any = raw[i + 2 : i + 2 + size]
            if kind == 7:
                value = value.decode("utf-8", "replace")
            i += 2 + size
        elif kind in fixed:
            size = fixed[kind]
            chunk = raw[i : i + size]
            value = kind == 0 if kind in (0, 1) else int.from_bytes(chunk, "big", signed=True)
            i += size
        else:
            break
        headers[name] = value
    return headers


def eventstream_layout(data: bytes) -> list[tuple[int, int, int]]:
    """Where the AWS event-stream frames of `data` (`application/vnd.amazon.eventstream`) are:
    (offset, total length, headers length) of each, in bytes, from the body's start.

    Each frame: total length u32, headers length u32, prelude CRC32 (of the 8 bytes before it),
    headers, payload, message CRC32 (of everything before it), all big-endian (AWS "Event
    stream encoding", the Transcribe/Bedrock streaming docs). Stops at the first frame that is
    truncated or fails its prelude CRC; the frames before it are returned."""
    frames: list[tuple[int, int, int]] = []
    pos = 0
    while len(data) - pos >= 16:
        total, hlen, crc = struct.unpack(">III", data[pos : pos + 12])
        if zlib.crc32(data[pos : pos + 8]) != crc or total < 16 + hlen or pos + total > len(data):
            break
        frames.append((pos, total, hlen))
        pos += total
    return frames


def eventstream_frame(headers: bytes, payload: bytes) -> bytes:
    """One event-stream frame around encoded `headers` and `payload`, with its lengths and both
    CRC32s (see `eventstream_layout`)."""
    prelude = struct.pack(">II", 16 + len(headers) + len(payload), len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


def decode_eventstream(data: bytes) -> list[EventStreamFrame]:
    """The frames of `data` (see `eventstream_layout`): headers decoded, payloads as bytes."""
    frames: list[EventStreamFrame] = []
    for pos, total, hlen in eventstream_layout(data):
        try:
            headers = _eventstream_headers(data[pos + 12 : pos + 12 + hlen])
        except (struct.error, IndexError):
            headers = {}
        frames.append(EventStreamFrame(headers, data[pos + 12 + hlen : pos + total - 4]))
    return frames


def is_eventstream(content_type: str, data: bytes) -> bool:
    """Whether a body is AWS event-stream frames: by its Content-Type, or a first frame whose
    prelude CRC holds."""
    if "amazon.eventstream" in content_type.lower():
        return True
    if len(data) < 16:
        return False
    total, hlen, crc = struct.unpack(">III", data[:12])
    return zlib.crc32(data[:8]) == crc and 16 + hlen <= total <= len(data)


def _looks_sse(text: str) -> bool:
    for line in text.splitlines():
        if line.strip():
            return bool(re.match(r"(data|event|id|retry):|:", line))
    return False


# ---------------------------------------------------------------------------------------------
# Bodies


@dataclass
class _Body:
    kind: str  # empty | sse | json | eventstream | text | binary | undecoded (text: why)
    items: list[Any] = field(default_factory=list)  # sse: parsed data objects; eventstream: frames
    value: Any = None  # json: the document
    text: str = ""
    sse_events: list[SSEEvent] = field(default_factory=list)


def _decompress(data: bytes, encoding: str) -> bytes:
    """A body still encoded in the cassette (not recorded by us) as its coding says; gzip magic
    without a label too. Undecodable bytes are shown as they are. Raises decoders.TooLarge
    for one that decodes to more than decoders.MAX_DECODED (a bomb: never inflated whole)."""
    if not encoding.strip() and data[:2] == b"\x1f\x8b":
        encoding = "gzip"
    try:
        return decoders.decode(data, encoding)
    except decoders.TooLarge:
        raise
    except ValueError:
        return data


def client_body(body: Any, headers: Mapping[str, Any] | None) -> bytes:
    """A body (`Request.body`/`Response.body`: str or bytes) as its client reads it: decoded
    by its Content-Encoding (or gzip magic) when it is stored encoded. Raises decoders.TooLarge
    for one that decodes to more than decoders.MAX_DECODED."""
    if isinstance(body, str):
        return body.encode("utf-8", "surrogateescape")
    return _decompress(_to_bytes(body), _header(headers, "Content-Encoding"))


def _parse_body(body: Any, headers: Mapping[str, Any] | None) -> _Body:
    content_type = _header(headers, "Content-Type").lower()
    if isinstance(body, str):
        text = body
    else:
        try:
            data = _decompress(_to_bytes(body), _header(headers, "Content-Encoding"))
        except decoders.TooLarge as e:
            return _Body("undecoded", text=str(e))
        if is_eventstream(content_type, data):
            frames = decode_eventstream(data)
            if frames:
                return _Body("eventstream", items=frames)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return _Body("binary")
    if not text.strip():
        return _Body("empty", text=text)
    if "event-stream" in content_type or _looks_sse(text):
        events = parse_sse(text)
        items = []
        for ev in events:
            if ev.data.strip() == "[DONE]":
                continue
            obj = _load_json(ev.data)
            if obj is not None:
                items.append(obj)
        if items or not text.lstrip().startswith(("{", "[")):
            return _Body("sse", items=items, text=text, sse_events=events)
    value = _load_json(text)
    if value is not None:
        return _Body("json", value=value, text=text)
    return _Body("text", text=text)


# ---------------------------------------------------------------------------------------------
# Provider guessing


def _path(url: str) -> str:
    try:
        return urlsplit(url or "").path
    except ValueError:
        return ""


def _provider_from_url(url: str) -> str | None:
    """The API the URL's path names: providers.by_path, the rule misses and recording use too."""
    found = providers.by_path(url)
    return found.api if found is not None else None


_ANTHROPIC_EVENTS = {
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
}


def _provider_from_response(objs: list[Any]) -> str | None:
    for obj in objs:
        if not isinstance(obj, dict):
            continue
        kind = obj.get("type")
        if isinstance(kind, str):
            if kind.startswith("response."):
                return OPENAI_RESPONSES
            if kind in _ANTHROPIC_EVENTS or (kind == "message" and "content" in obj):
                return ANTHROPIC_MESSAGES
        obj_kind = obj.get("object")
        if isinstance(obj_kind, str) and obj_kind.startswith(
            ("chat.completion", "text_completion")
        ):
            return OPENAI_CHAT
        if obj_kind == "response" and "output" in obj:
            return OPENAI_RESPONSES
        if isinstance(obj.get("choices"), list):
            return OPENAI_CHAT
        if "candidates" in obj or "usageMetadata" in obj:
            return GEMINI
        if isinstance(_dict(obj.get("output")).get("message"), dict) and "stopReason" in obj:
            return BEDROCK_CONVERSE
    return None


def _provider_from_request(req: Any) -> str | None:
    if not isinstance(req, dict):
        return None
    if "contents" in req:
        return GEMINI
    if "anthropic_version" in req or isinstance(req.get("system"), list | str):
        return ANTHROPIC_MESSAGES
    if "messages" in req:
        return OPENAI_CHAT
    if "input" in req and "model" in req:
        return OPENAI_RESPONSES
    return None


# Bedrock's InvokeModel (not streamed): the model ID names the family, the body its shape.
_BEDROCK_INVOKE_PATH = re.compile(r"/model/[^/]+/invoke$")

# OpenAI endpoints whose requests also hold `model` and `input` but answer no conversation
# (embeddings, moderations, text to speech, images, files): never read as the Responses API.
_NOT_CHAT_PATH = re.compile(
    r"/(?:embeddings|moderations|audio/[a-z]+|images/[a-z]+|files|batches|fine_tuning)"
    r"(?:[/?]|$)")


def guess_provider(url: str, request_body: Any = None) -> str:
    """The API a request speaks, from its URL and body only ("unknown" when unsure)."""
    found = _provider_from_url(url)
    if found:
        return found
    if _NOT_CHAT_PATH.search(urlsplit(url).path if "://" in url else url):
        return UNKNOWN
    req = _load_json(_to_bytes(request_body)) if request_body else None
    return _provider_from_request(req) or UNKNOWN


def request_model(url: str, request_body: Any = None) -> str | None:
    """The model a request asks for: the body's `model`, else from the URL (Gemini, Bedrock,
    Azure OpenAI deployments)."""
    req = _load_json(_to_bytes(request_body)) if request_body else None
    return _request_model(url, req)


def _request_model(url: str, req: Any) -> str | None:
    model = _str(_dict(req).get("model"))
    if model:
        return model
    path = _path(url)
    for pattern in (
        r"/models/([^/:]+):",  # Gemini / Vertex
        r"/model/([^/]+)/(?:invoke|converse)",  # Bedrock
        r"/deployments/([^/]+)/",  # Azure OpenAI
    ):
        m = re.search(pattern, path)
        if m:
            return unquote(m.group(1))
    return None


# ---------------------------------------------------------------------------------------------
# Response parsing state


class _Out:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: dict[Any, list[str]] = {}
        self.calls: dict[Any, ToolCall] = {}
        self.finish: str | None = None
        self.usage = Usage()
        self.model: str | None = None
        self.error: str | None = None
        self.refused = False  # (a refusal's text is marked once, at its start)
        self.others: dict[str, list[str]] = {}  # answers past the first, by index
        self._media: dict[int, tuple[str, Any, int]] = {}  # text index: (MIME type, sha256, size)

    def other_choice(self, index: Any, content: Any) -> None:
        """Text of an answer past the first (OpenAI `n`, Gemini `candidateCount`)."""
        if isinstance(content, str) and content:
            self.others.setdefault(str(index), []).append(content)

    def media(self, mime: str, data: Any) -> None:
        """A generated image, audio or file of the answer (`data`: base64, a `data:` URL or
        another URL) as a line of its text, `[image image/png, 1234 bytes, sha256 <16 hex>]`:
        a changed image is a changed answer in every view and in `diff`, and megabytes of
        base64 are no text to read. Parts of one MIME type in a row (a streamed audio answer)
        are one line."""
        if not isinstance(data, str) or not data:
            return
        if data.startswith("data:"):  # (RFC 2397: data:[<mediatype>][;base64],<data>)
            head, _, data = data.partition(",")
            mime = mime or head[5:].split(";", 1)[0]
        elif "://" in data[:16]:
            major = (mime or "image").partition("/")[0]
            self._line(f"[{major if major in ('audio', 'video', 'image') else 'file'} {data}]")
            return
        try:
            raw = base64.b64decode(data + "=" * (-len(data) % 4), altchars=b"-_")
        except (binascii.Error, ValueError):
            raw = data.encode("utf-8", "surrogateescape")
        last = len(self.text) - 1
        if last in self._media and self._media[last][1] is not None \
                and self._media[last][0] == mime:
            _, digest, size = self._media.pop(last)
            self.text.pop()
        else:
            import hashlib  # (not at import: `show` loads no hashlib for a cassette without)

            digest, size = hashlib.sha256(), 0
        digest.update(raw)
        size += len(raw)
        major = mime.partition("/")[0]
        kind = major if major in ("audio", "video", "image") else "file"
        self._line(f"[{kind}{' ' + mime if mime else ''}, {size} bytes, "
                   f"sha256 {digest.hexdigest()[:16]}]")
        self._media[len(self.text) - 1] = (mime, digest, size)

    def _line(self, marker: str) -> None:
        self._media[len(self.text)] = ("", None, 0)  # (on a line of its own: `_joined`)
        self.text.append(marker)

    def _joined(self) -> str:
        """The text pieces joined, each media line on a line of its own."""
        out: list[str] = []
        after = False  # (the last piece was a media line)
        for n, piece in enumerate(self.text):
            if not piece:
                continue
            if out and (after or n in self._media) and not out[-1].endswith("\n") \
                    and not piece.startswith("\n"):
                out.append("\n")
            out.append(piece)
            after = n in self._media
        return "".join(out)

    def text_with_others(self) -> str:
        """The first answer's text, then each other answer's after a `[choice N]` line."""
        text = self._joined()
        for index, parts in self.others.items():
            text += f"\n\n[choice {index}]\n" + "".join(parts)
        return text

    def refusal(self, text: str) -> None:
        """A refusal's text, marked `(refused)` at its start: told from an answer."""
        self.text.append(text if self.refused else "(refused) " + text)
        self.refused = True

    def call(self, key: Any) -> ToolCall:
        if key not in self.calls:
            self.calls[key] = ToolCall()
        return self.calls[key]

    def reason(self, key: Any, text: Any) -> None:
        if isinstance(text, str) and text:
            self.reasoning.setdefault(key, []).append(text)

    def set_usage(self, **values: int | None) -> None:
        for name, value in values.items():
            if value is not None:
                setattr(self.usage, name, value)

    def set_error(self, message: str | None) -> None:
        if message and not self.error:
            self.error = message

    def reasoning_text(self) -> str:
        blocks = ["".join(parts) for parts in self.reasoning.values()]
        return "\n\n".join(b for b in blocks if b)


def _error_message(obj: Any) -> str | None:
    """The message of an API error document (OpenAI, Anthropic, Gemini, gateways)."""
    if isinstance(obj, list):
        for item in obj:
            msg = _error_message(item)
            if msg:
                return msg
        return None
    if not isinstance(obj, dict):
        return None
    err = obj.get("error")
    if isinstance(err, dict):
        msg = _str(err.get("message")) or ""
        kind = err.get("type") or err.get("status") or err.get("code")
        kind = str(kind) if kind not in (None, "") else ""
        if kind and msg:
            return f"{kind}: {msg}"
        return msg or kind or _json_text(err)
    if isinstance(err, str) and err:
        msg = _str(obj.get("message"))
        return f"{err}: {msg}" if msg and msg != err else err
    return None


# OpenAI Chat Completions (and compatible gateways) --------------------------------------------


def _openai_chat(obj: Any, out: _Out) -> None:
    if not isinstance(obj, dict):
        return
    out.set_error(_error_message(obj))
    out.model = _str(obj.get("model")) or out.model
    usage = obj.get("usage")
    if isinstance(usage, dict):
        out.set_usage(
            input_tokens=_int(usage.get("prompt_tokens")),
            output_tokens=_int(usage.get("completion_tokens")),
            total_tokens=_int(usage.get("total_tokens")),
            cached_tokens=_int(_dict(usage.get("prompt_tokens_details")).get("cached_tokens")),
            reasoning_tokens=_int(
                _dict(usage.get("completion_tokens_details")).get("reasoning_tokens")
            ),
        )
    for choice in _list(obj.get("choices")):
        if not isinstance(choice, dict):
            continue
        index = choice.get("index", 0)
        if index not in (0, None):  # (n > 1: the other answers, shown after the first)
            other = _dict(choice.get("delta")) or _dict(choice.get("message"))
            out.other_choice(index, other.get("content"))
            continue
        msg = choice.get("delta")
        if not isinstance(msg, dict):
            msg = _dict(choice.get("message"))
        content = msg.get("content")
        if isinstance(content, str):
            out.text.append(content)
        else:
            for part in _list(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    out.text.append(part["text"])
        if isinstance(msg.get("refusal"), str):
            # (told from an answer: a refusal and the same sentence as content differ)
            out.refusal(msg["refusal"])
        # Generated images (OpenRouter's image models: `images[].image_url.url`, a data: URL).
        for image in _list(msg.get("images")):
            out.media("", _dict(_dict(image).get("image_url")).get("url"))
        # A spoken answer (`modalities: ["text", "audio"]`): its transcript is the text.
        transcript = _dict(msg.get("audio")).get("transcript")
        if isinstance(transcript, str):
            out.text.append(transcript)
        # vLLM/DeepSeek say `reasoning_content`, OpenRouter/Ollama `reasoning`; some send both
        out.reason("chat", _str(msg.get("reasoning_content")) or msg.get("reasoning"))
        for pos, tc in enumerate(_list(msg.get("tool_calls"))):
            if not isinstance(tc, dict):
                continue
            index = tc.get("index")
            key = ("chat", index if isinstance(index, int) else _str(tc.get("id")) or pos)
            call = out.call(key)
            call.id = _str(tc.get("id")) or call.id
            fn = _dict(tc.get("function"))
            call.name = _str(fn.get("name")) or call.name
            if isinstance(fn.get("arguments"), str):
                call.arguments += fn["arguments"]
        fn = msg.get("function_call")  # legacy functions API
        if isinstance(fn, dict):
            call = out.call(("function_call",))
            call.name = _str(fn.get("name")) or call.name
            if isinstance(fn.get("arguments"), str):
                call.arguments += fn["arguments"]
        if isinstance(choice.get("text"), str):  # legacy completions
            out.text.append(choice["text"])
        out.finish = _str(choice.get("finish_reason")) or out.finish


# OpenAI Responses ------------------------------------------------------------------------------


def _responses_items(items: list[Any], out: _Out) -> None:
    for pos, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            for part in _list(item.get("content")):
                part = _dict(part)
                if isinstance(part.get("text"), str):
                    out.text.append(part["text"])
                elif isinstance(part.get("refusal"), str):
                    out.refusal(part["refusal"])
        elif kind == "reasoning":
            for n, part in enumerate(_list(item.get("summary")) + _list(item.get("content"))):
                out.reason(("responses", pos, n), _dict(part).get("text"))
        elif kind in ("function_call", "custom_tool_call", "mcp_call"):
            call = out.call(("responses", pos))
            call.id = _str(item.get("call_id")) or _str(item.get("id")) or ""
            call.name = _str(item.get("name")) or ""
            args = item.get("arguments", item.get("input"))
            call.arguments = args if isinstance(args, str) else ""
        elif isinstance(kind, str) and kind.endswith("_call"):  # built-in tools: web_search_call…
            call = out.call(("responses", pos))
            call.id = _str(item.get("call_id")) or _str(item.get("id")) or ""
            call.name = kind
            detail = item.get("action", item.get("code", item.get("queries")))
            call.arguments = _json_text(detail) if detail is not None else ""
            if kind == "image_generation_call":  # the generated image (base64, PNG by default)
                out.media(f"image/{_str(item.get('output_format')) or 'png'}", item.get("result"))


def _responses_object(resp: Any, out: _Out, *, with_output: bool = True) -> None:
    if not isinstance(resp, dict):
        return
    out.set_error(_error_message(resp))
    out.model = _str(resp.get("model")) or out.model
    status = _str(resp.get("status"))
    if status == "incomplete":
        out.finish = _str(_dict(resp.get("incomplete_details")).get("reason")) or status
    elif status:
        out.finish = status
    usage = resp.get("usage")
    if isinstance(usage, dict):
        out.set_usage(
            input_tokens=_int(usage.get("input_tokens")),
            output_tokens=_int(usage.get("output_tokens")),
            total_tokens=_int(usage.get("total_tokens")),
            cached_tokens=_int(_dict(usage.get("input_tokens_details")).get("cached_tokens")),
            reasoning_tokens=_int(
                _dict(usage.get("output_tokens_details")).get("reasoning_tokens")
            ),
        )
    if with_output:
        _responses_items(_list(resp.get("output")), out)


def _responses_events(events: list[Any], out: _Out) -> None:
    final: dict | None = None
    items: dict[int, dict] = {}
    done: set[int] = set()
    text: dict[int, list[str]] = {}
    reasoning: dict[int, list[str]] = {}
    args: dict[int, list[str]] = {}
    for ev in events:
        if not isinstance(ev, dict):
            continue
        kind = ev.get("type")
        index = ev.get("output_index")
        index = index if isinstance(index, int) else 0
        delta = ev.get("delta")
        if isinstance(ev.get("response"), dict):
            final = ev["response"]
            out.model = _str(final.get("model")) or out.model
        if kind in ("response.output_item.added", "response.output_item.done"):
            if isinstance(ev.get("item"), dict):
                items[index] = ev["item"]
                if kind.endswith(".done"):
                    done.add(index)
        elif kind in ("response.output_text.delta", "response.refusal.delta"):
            if isinstance(delta, str):
                text.setdefault(index, []).append(delta)
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            if isinstance(delta, str):
                reasoning.setdefault(index, []).append(delta)
        elif kind in (
            "response.function_call_arguments.delta",
            "response.custom_tool_call_input.delta",
            "response.mcp_call_arguments.delta",
        ):
            if isinstance(delta, str):
                args.setdefault(index, []).append(delta)
        elif kind == "error":
            code, msg = _str(ev.get("code")), _str(ev.get("message"))
            out.set_error(f"{code}: {msg}" if code and msg else msg or code or _json_text(ev))
    if final is not None:
        _responses_object(final, out, with_output=False)
        if _list(final.get("output")):
            _responses_items(final["output"], out)
            return
    merged = []
    for index in sorted(set(items) | set(text) | set(reasoning) | set(args)):
        item = dict(items.get(index) or {})
        if index not in done:
            if index in text:
                item = {"type": "message", "content": [{"text": "".join(text[index])}]}
            elif index in reasoning:
                item = {"type": "reasoning", "summary": [{"text": "".join(reasoning[index])}]}
            elif index in args:
                item.setdefault("type", "function_call")
                item["arguments"] = "".join(args[index])
        merged.append(item)
    _responses_items(merged, out)


# Anthropic Messages ----------------------------------------------------------------------------


def _anthropic_usage(usage: Any, out: _Out) -> None:
    if isinstance(usage, dict):
        out.set_usage(
            input_tokens=_int(usage.get("input_tokens")),
            output_tokens=_int(usage.get("output_tokens")),
            cached_tokens=_int(usage.get("cache_read_input_tokens")),
            cache_creation_tokens=_int(usage.get("cache_creation_input_tokens")),
        )


def _anthropic_block(index: Any, block: Any, out: _Out, inputs: dict) -> None:
    block = _dict(block)
    kind = block.get("type")
    if kind == "text" and isinstance(block.get("text"), str):
        out.text.append(block["text"])
    elif kind == "thinking":
        out.reason(("anthropic", index), block.get("thinking"))
    elif kind == "redacted_thinking":
        out.reason(("anthropic", index), "[redacted thinking]")
    elif kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        call = out.call(("anthropic", index))
        call.id = _str(block.get("id")) or ""
        call.name = _str(block.get("name")) or ""
        inputs[index] = block.get("input")


def _anthropic_finish_calls(out: _Out, inputs: dict) -> None:
    for index, value in inputs.items():
        call = out.calls.get(("anthropic", index))
        if call is not None and not call.arguments:
            call.arguments = _json_text(value if value is not None else {})


def _anthropic_message(msg: Any, out: _Out) -> None:
    if not isinstance(msg, dict):
        return
    out.set_error(_error_message(msg))
    out.model = _str(msg.get("model")) or out.model
    out.finish = _str(msg.get("stop_reason")) or out.finish
    _anthropic_usage(msg.get("usage"), out)
    inputs: dict = {}
    for index, block in enumerate(_list(msg.get("content"))):
        _anthropic_block(index, block, out, inputs)
    _anthropic_finish_calls(out, inputs)


def _anthropic_events(events: list[Any], out: _Out) -> None:
    inputs: dict = {}
    for ev in events:
        if not isinstance(ev, dict):
            continue
        kind = ev.get("type")
        index = ev.get("index")
        if kind == "message_start":
            msg = _dict(ev.get("message"))
            out.model = _str(msg.get("model")) or out.model
            _anthropic_usage(msg.get("usage"), out)
        elif kind == "content_block_start":
            _anthropic_block(index, ev.get("content_block"), out, inputs)
        elif kind == "content_block_delta":
            delta = _dict(ev.get("delta"))
            dkind = delta.get("type")
            if dkind == "text_delta" and isinstance(delta.get("text"), str):
                out.text.append(delta["text"])
            elif dkind == "input_json_delta" and isinstance(delta.get("partial_json"), str):
                out.call(("anthropic", index)).arguments += delta["partial_json"]
            elif dkind == "thinking_delta":
                out.reason(("anthropic", index), delta.get("thinking"))
        elif kind == "message_delta":
            out.finish = _str(_dict(ev.get("delta")).get("stop_reason")) or out.finish
            _anthropic_usage(ev.get("usage"), out)
        elif kind == "error":
            out.set_error(_error_message(ev))
        metrics = ev.get("amazon-bedrock-invocationMetrics")
        if isinstance(metrics, dict):
            _bedrock_metrics(metrics, out)
    _anthropic_finish_calls(out, inputs)


# Gemini ----------------------------------------------------------------------------------------


def _gemini(obj: Any, out: _Out) -> None:
    if not isinstance(obj, dict):
        return
    out.set_error(_error_message(obj))
    out.model = _str(obj.get("modelVersion")) or out.model
    usage = obj.get("usageMetadata")
    if isinstance(usage, dict):
        out.set_usage(
            input_tokens=_int(usage.get("promptTokenCount")),
            output_tokens=_int(usage.get("candidatesTokenCount")),
            total_tokens=_int(usage.get("totalTokenCount")),
            cached_tokens=_int(usage.get("cachedContentTokenCount")),
            reasoning_tokens=_int(usage.get("thoughtsTokenCount")),
        )
    candidates = _list(obj.get("candidates"))
    for n, cand in enumerate(candidates[1:], 1):  # (candidateCount > 1: shown after the first)
        parts = _list(_dict(_dict(cand).get("content")).get("parts"))
        out.other_choice(_dict(cand).get("index", n), "".join(
            p["text"] for p in map(_dict, parts) if isinstance(p.get("text"), str)
            and p.get("thought") is not True))
    for cand in candidates[:1]:
        cand = _dict(cand)
        for part in _list(_dict(cand.get("content")).get("parts")):
            part = _dict(part)
            if isinstance(part.get("text"), str):
                if part.get("thought") is True:
                    out.reason("gemini", part["text"])
                else:
                    out.text.append(part["text"])
            # Code execution (the code_execution tool): the code the model ran, and its result.
            code = _dict(part.get("executableCode") or part.get("executable_code"))
            if isinstance(code.get("code"), str):
                lang = (_str(code.get("language")) or "").lower()
                out.text.append(f"\n[code{' ' + lang if lang else ''}]\n{code['code']}\n")
            ran = _dict(part.get("codeExecutionResult") or part.get("code_execution_result"))
            if ran:
                outcome = _str(ran.get("outcome")) or ""
                out.text.append(f"[result {outcome}]\n{_str(ran.get('output')) or ''}\n")
            # A generated image (image models), or audio (text to speech): its digest.
            inline = part.get("inlineData") or part.get("inline_data")
            if isinstance(inline, dict):
                out.media(_str(inline.get("mimeType") or inline.get("mime_type")) or "",
                          inline.get("data"))
            linked = part.get("fileData") or part.get("file_data")
            if isinstance(linked, dict):
                out.media(_str(linked.get("mimeType") or linked.get("mime_type")) or "",
                          linked.get("fileUri") or linked.get("file_uri"))
            fc = part.get("functionCall")
            if isinstance(fc, dict):
                call = out.call(("gemini", len(out.calls)))
                call.id = _str(fc.get("id")) or ""
                call.name = _str(fc.get("name")) or ""
                call.arguments = _json_text(fc.get("args") if fc.get("args") is not None else {})
        out.finish = _str(cand.get("finishReason")) or out.finish
    block = _str(_dict(obj.get("promptFeedback")).get("blockReason"))
    if block and not candidates:
        out.finish = out.finish or f"blocked: {block}"


# Bedrock ---------------------------------------------------------------------------------------


def _bedrock_metrics(metrics: dict, out: _Out) -> None:
    if out.usage.input_tokens is None:
        out.usage.input_tokens = _int(metrics.get("inputTokenCount"))
    if out.usage.output_tokens is None:
        out.usage.output_tokens = _int(metrics.get("outputTokenCount"))


def _converse_usage(usage: Any, out: _Out) -> None:
    if isinstance(usage, dict):
        out.set_usage(
            input_tokens=_int(usage.get("inputTokens")),
            output_tokens=_int(usage.get("outputTokens")),
            total_tokens=_int(usage.get("totalTokens")),
            cached_tokens=_int(usage.get("cacheReadInputTokens")),
            cache_creation_tokens=_int(usage.get("cacheWriteInputTokens")),
        )


def _converse_message(obj: Any, out: _Out) -> None:
    """A non-streamed Bedrock Converse response."""
    if not isinstance(obj, dict):
        return
    msg = _dict(_dict(obj.get("output")).get("message"))
    for index, block in enumerate(_list(msg.get("content"))):
        block = _dict(block)
        if isinstance(block.get("text"), str):
            out.text.append(block["text"])
        reasoning = _dict(_dict(block.get("reasoningContent")).get("reasoningText"))
        out.reason(("converse", index), reasoning.get("text"))
        tool = block.get("toolUse")
        if isinstance(tool, dict):
            call = out.call(("converse", index))
            call.id = _str(tool.get("toolUseId")) or ""
            call.name = _str(tool.get("name")) or ""
            call.arguments = _json_text(tool.get("input", {}))
    out.finish = _str(obj.get("stopReason")) or out.finish
    _converse_usage(obj.get("usage"), out)


def _converse_event(kind: str, obj: dict, out: _Out) -> None:
    """One Bedrock ConverseStream event (the frame's `:event-type` names it)."""
    index = obj.get("contentBlockIndex")
    if kind == "contentBlockStart":
        tool = _dict(_dict(obj.get("start")).get("toolUse"))
        if tool:
            call = out.call(("converse", index))
            call.id = _str(tool.get("toolUseId")) or ""
            call.name = _str(tool.get("name")) or ""
    elif kind == "contentBlockDelta":
        delta = _dict(obj.get("delta"))
        if isinstance(delta.get("text"), str):
            out.text.append(delta["text"])
        tool = _dict(delta.get("toolUse"))
        if isinstance(tool.get("input"), str):
            out.call(("converse", index)).arguments += tool["input"]
        out.reason(("converse", index), _dict(delta.get("reasoningContent")).get("text"))
    elif kind == "messageStop":
        out.finish = _str(obj.get("stopReason")) or out.finish
    elif kind == "metadata":
        _converse_usage(obj.get("usage"), out)


def _bedrock_frames(frames: list[EventStreamFrame], out: _Out) -> None:
    inner: list[Any] = []
    for frame in frames:
        headers = frame.headers
        message_type = headers.get(":message-type", "event")
        payload = _load_json(frame.payload)
        if message_type in ("exception", "error"):
            kind = headers.get(":exception-type") or headers.get(":error-code") or "error"
            msg = _str(_dict(payload).get("message")) or headers.get(":error-message") or ""
            if not msg and frame.payload:
                msg = frame.payload.decode("utf-8", "replace")
            out.set_error(f"{kind}: {msg}" if msg else str(kind))
            continue
        if not isinstance(payload, dict):
            continue
        if isinstance(payload.get("bytes"), str):  # InvokeModelWithResponseStream chunk
            try:
                raw = base64.b64decode(payload["bytes"], validate=False)
            except (binascii.Error, ValueError):
                continue
            event = _load_json(raw)
            if event is not None:
                inner.append(event)
        else:  # ConverseStream
            _converse_event(str(headers.get(":event-type", "")), payload, out)
    dicts = [e for e in inner if isinstance(e, dict)]
    if any(isinstance(e.get("type"), str) for e in dicts):
        _anthropic_events(dicts, out)
    elif any("choices" in e for e in dicts):
        for e in dicts:
            _openai_chat(e, out)
    else:  # other model families: Llama `generation`, Titan `outputText`, Cohere `text`…
        for e in dicts:
            _bedrock_model(e, out)
            metrics = e.get("amazon-bedrock-invocationMetrics")
            if isinstance(metrics, dict):
                _bedrock_metrics(metrics, out)


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _bedrock_model(e: dict, out: _Out) -> None:
    """An InvokeModel JSON answer, or one chunk of its stream, of a model family with no API of
    its own here (the Bedrock user guide's "Inference request parameters and response fields
    for foundation models"): Meta Llama `generation`, `stop_reason`, `prompt_token_count`,
    `generation_token_count`; Mistral `outputs[].text`, `.stop_reason`; Amazon Titan Text
    `results[].outputText`, `.completionReason`, `.tokenCount`, `inputTextTokenCount` (chunks:
    `outputText`, `completionReason`, `totalOutputTextTokenCount`); Cohere Command
    `generations[].text`, `.finish_reason` (chunks and Command R: `text`, `finish_reason`); AI21
    Jurassic `completions[].data.text`, `.finishReason.reason`; Claude's legacy text
    completions `completion`, `stop_reason`. Answers past the first are other choices."""
    for key in ("generation", "outputText", "completion", "text"):
        if isinstance(e.get(key), str):
            out.text.append(e[key])
            break
    out.finish = (_str(e.get("stop_reason")) or _str(e.get("completionReason"))
                  or _str(e.get("finish_reason")) or out.finish)
    answers = [_dict(a) for key in ("outputs", "results", "generations", "completions")
               for a in _list(e.get(key))]
    for n, answer in enumerate(answers):
        text = _first(*(t for t in (answer.get("text"), answer.get("outputText"),
                                    _dict(answer.get("data")).get("text"))
                        if isinstance(t, str)))
        if n:
            out.other_choice(n, text)
            continue
        if text is not None:
            out.text.append(text)
        out.finish = (_str(answer.get("stop_reason")) or _str(answer.get("completionReason"))
                      or _str(answer.get("finish_reason"))
                      or _str(_dict(answer.get("finishReason")).get("reason")) or out.finish)
    out.set_usage(
        input_tokens=_first(_int(e.get("prompt_token_count")),
                            _int(e.get("inputTextTokenCount"))),
        output_tokens=_first(_int(e.get("generation_token_count")),
                             _int(e.get("totalOutputTextTokenCount")),
                             _int(answers[0].get("tokenCount")) if answers else None),
    )


# ---------------------------------------------------------------------------------------------
# Request side: the user's last message and the tool results sent back


def _content_text(content: Any) -> str:
    """Readable text of a message's content in any of the supported formats."""
    if isinstance(content, str):
        return content
    pieces: list[str] = []
    for block in _list(content) if not isinstance(content, dict) else [content]:
        if isinstance(block, str):
            pieces.append(block)
            continue
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if isinstance(block.get("text"), str) and kind in (None, "text", "input_text"):
            pieces.append(block["text"])
        elif "inlineData" in block or "inline_data" in block:
            # (Gemini's inline part: audio, a PDF, video as well as images; its MIME type says)
            data = _dict(block.get("inlineData") or block.get("inline_data"))
            mime = _str(data.get("mimeType") or data.get("mime_type")) or ""
            major = mime.partition("/")[0]
            pieces.append(f"[{major}]" if major in ("audio", "video", "image") else "[file]")
        elif kind in ("image", "image_url", "input_image") or "image" in block:
            pieces.append("[image]")
        elif (
            kind in ("document", "file", "input_file")
            or "document" in block
            or ("fileData" in block)
        ):
            pieces.append("[file]")
        elif kind in ("input_audio", "audio"):
            pieces.append("[audio]")
        elif "json" in block:  # Converse tool result content
            pieces.append(_json_text(block["json"]))
    return " ".join(p for p in pieces if p)


def _is_tool_result_block(block: Any) -> bool:
    return isinstance(block, dict) and (
        block.get("type") == "tool_result" or "toolResult" in block or "functionResponse" in block
    )


def _messages_request(req: dict) -> tuple[str | None, list[ToolResult]]:
    """OpenAI chat, Anthropic and Bedrock Converse `messages`."""
    messages = [m for m in _list(req.get("messages")) if isinstance(m, dict)]
    user = None
    for msg in reversed(messages):
        if msg.get("role") != "user":
            continue
        content = msg.get("content")
        blocks = [content] if isinstance(content, str) else _list(content)
        human = [b for b in blocks if not _is_tool_result_block(b)]
        text = _content_text(human)
        if text:
            user = text
            break
    names: dict[str, str] = {}
    last_assistant = -1
    for i, msg in enumerate(messages):
        if msg.get("role") != "assistant":
            continue
        last_assistant = i
        for tc in _list(msg.get("tool_calls")):
            tc = _dict(tc)
            if _str(tc.get("id")):
                names[tc["id"]] = _str(_dict(tc.get("function")).get("name")) or ""
        for block in _list(msg.get("content")):
            block = _dict(block)
            if block.get("type") in ("tool_use", "server_tool_use") and _str(block.get("id")):
                names[block["id"]] = _str(block.get("name")) or ""
            tool = _dict(block.get("toolUse"))
            if _str(tool.get("toolUseId")):
                names[tool["toolUseId"]] = _str(tool.get("name")) or ""
    results: list[ToolResult] = []
    for msg in messages[last_assistant + 1 :]:
        if msg.get("role") == "tool":  # OpenAI chat
            call_id = _str(msg.get("tool_call_id")) or ""
            name = names.get(call_id) or _str(msg.get("name")) or ""
            results.append(ToolResult(call_id, name, shorten(_content_text(msg.get("content")))))
            continue
        for block in _list(msg.get("content")):
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_result":  # Anthropic
                call_id = _str(block.get("tool_use_id")) or ""
                text = shorten(_content_text(block.get("content")))
                is_error = block.get("is_error") is True
                results.append(ToolResult(call_id, names.get(call_id, ""), text, is_error))
            elif isinstance(block.get("toolResult"), dict):  # Bedrock Converse
                tr = block["toolResult"]
                call_id = _str(tr.get("toolUseId")) or ""
                text = shorten(_content_text(tr.get("content")))
                is_error = tr.get("status") == "error"
                results.append(ToolResult(call_id, names.get(call_id, ""), text, is_error))
    return (shorten(user) if user else None), results


_RESPONSES_CALLS = ("function_call", "custom_tool_call", "reasoning")


def _responses_request(req: dict) -> tuple[str | None, list[ToolResult]]:
    items = req.get("input")
    if isinstance(items, str):
        return shorten(items) or None, []
    items = [i for i in _list(items) if isinstance(i, dict)]
    user = None
    for item in reversed(items):
        if item.get("role") == "user" and item.get("type", "message") == "message":
            text = _content_text(item.get("content"))
            if text:
                user = text
                break
    names: dict[str, str] = {}
    last_model = -1
    for i, item in enumerate(items):
        kind = item.get("type")
        if item.get("role") == "assistant" or kind in _RESPONSES_CALLS:
            last_model = i
        if kind in ("function_call", "custom_tool_call") and _str(item.get("call_id")):
            names[item["call_id"]] = _str(item.get("name")) or ""
    results = []
    for item in items[last_model + 1 :]:
        if item.get("type") in ("function_call_output", "custom_tool_call_output"):
            call_id = _str(item.get("call_id")) or ""
            output = item.get("output")
            text = output if isinstance(output, str) else _content_text(output)
            results.append(ToolResult(call_id, names.get(call_id, ""), shorten(text)))
    return (shorten(user) if user else None), results


def _gemini_request(req: dict) -> tuple[str | None, list[ToolResult]]:
    contents = [c for c in _list(req.get("contents")) if isinstance(c, dict)]
    user = None
    for content in reversed(contents):
        if content.get("role", "user") != "user":
            continue
        parts = [p for p in _list(content.get("parts")) if not _is_tool_result_block(p)]
        text = _content_text(parts)
        if text:
            user = text
            break
    last_model = max((i for i, c in enumerate(contents) if c.get("role") == "model"), default=-1)
    results = []
    for content in contents[last_model + 1 :]:
        for part in _list(content.get("parts")):
            fr = _dict(part).get("functionResponse")
            if isinstance(fr, dict):
                results.append(
                    ToolResult(
                        _str(fr.get("id")) or "",
                        _str(fr.get("name")) or "",
                        shorten(_json_text(fr.get("response"))),
                    )
                )
    return (shorten(user) if user else None), results


def _request_side(provider: str, req: Any) -> tuple[str | None, list[ToolResult]]:
    if not isinstance(req, dict):
        return None, []
    if provider == GEMINI or (provider == UNKNOWN and "contents" in req):
        return _gemini_request(req)
    if provider == OPENAI_RESPONSES or (provider == UNKNOWN and "input" in req):
        return _responses_request(req)
    if "messages" in req:
        return _messages_request(req)
    if provider == BEDROCK_INVOKE:  # a prompt as one text: Llama, Mistral, Cohere `prompt`,
        # Cohere Command R `message`, Titan `inputText`
        prompt = _first(*(req[k] for k in ("prompt", "inputText", "message")
                          if isinstance(req.get(k), str) and req[k].strip()))
        return (shorten(prompt) if prompt else None), []
    return None, []


# ---------------------------------------------------------------------------------------------
# Summaries


def summarize_exchange(
    method: str,
    url: str,
    request_body: Any,
    response_body: Any,
    *,
    request_headers: Mapping[str, Any] | None = None,
    response_headers: Mapping[str, Any] | None = None,
    code: int = 200,
    status: str = "",
) -> ExchangeSummary:
    """Summarize one request/response pair given as raw parts (bodies as str or bytes, headers
    as a name -> value or name -> [values] mapping). Never raises."""
    summary = ExchangeSummary(method=method or "", url=url or "", code=code, status=status)
    try:
        _fill(summary, request_body, response_body, request_headers, response_headers)
    except Exception:  # a summary must never take the caller down
        pass
    return summary


def _fill(
    s: ExchangeSummary,
    request_body: Any,
    response_body: Any,
    request_headers: Mapping[str, Any] | None,
    response_headers: Mapping[str, Any] | None,
) -> None:
    req_body = _parse_body(request_body, request_headers)
    req = req_body.value if req_body.kind == "json" else None
    resp = _parse_body(response_body, response_headers)
    notices = [f"{side} body not shown: {b.text}" for side, b in (("request", req_body),
                                                                  ("response", resp))
               if b.kind == "undecoded"]
    s.notice = "; ".join(notices) or None

    objs: list[Any]
    if resp.kind == "sse":
        objs = resp.items
    elif resp.kind == "json":
        objs = resp.value if isinstance(resp.value, list) else [resp.value]
    else:
        objs = []

    recognizable = isinstance(req, dict) or resp.kind in ("sse", "json", "eventstream")
    not_chat_path = _NOT_CHAT_PATH.search(_path(s.url)) is not None
    if resp.kind == "eventstream":
        provider = BEDROCK_EVENTSTREAM
    else:
        by_url = _provider_from_url(s.url)
        if not by_url and not_chat_path:
            provider = UNKNOWN  # (an embeddings or moderation call: no conversation to show)
        else:
            invoke = _BEDROCK_INVOKE_PATH.search(_path(s.url)) is not None
            provider = (by_url if recognizable else None) or (
                _provider_from_response(objs)
                or (BEDROCK_INVOKE if invoke and recognizable else None)
                or _provider_from_request(req)
                or UNKNOWN
            )
    s.provider = provider

    s.request_model = _request_model(s.url, req)
    if provider != UNKNOWN or not not_chat_path:
        s.user_message, s.tool_results = _request_side(provider, req)

    path = _path(s.url).lower()
    s.streamed = (
        resp.kind in ("sse", "eventstream")
        or (resp.kind == "json" and isinstance(resp.value, list) and provider == GEMINI)
        or _dict(req).get("stream") is True
        or "streamgeneratecontent" in path
        or path.endswith(("-stream", "/invoke-with-response-stream"))
    )
    if resp.kind in ("sse", "eventstream"):
        s.events = len(resp.items)
    elif resp.kind == "json" and isinstance(resp.value, list):
        s.events = len(resp.value)

    out = _Out()
    if resp.kind == "eventstream":
        _bedrock_frames(resp.items, out)
    elif provider == OPENAI_CHAT:
        for obj in objs:
            _openai_chat(obj, out)
    elif provider == OPENAI_RESPONSES:
        if resp.kind == "sse":
            _responses_events(objs, out)
        else:
            for obj in objs:
                _responses_object(obj, out)
    elif provider in (ANTHROPIC_MESSAGES, BEDROCK_EVENTSTREAM):
        if resp.kind == "sse":
            _anthropic_events(objs, out)
        else:
            for obj in objs:
                _anthropic_message(obj, out)
    elif provider == GEMINI:
        for obj in objs:
            _gemini(obj, out)
    elif provider == BEDROCK_CONVERSE:
        for obj in objs:
            _converse_message(obj, out)
    elif provider == BEDROCK_INVOKE:
        for obj in objs:
            if isinstance(obj, dict):
                _bedrock_model(obj, out)

    for ev in resp.sse_events:  # a bare `event: error` SSE event (e.g. Anthropic overloaded)
        if ev.event == "error":
            out.set_error(_error_message(_load_json(ev.data)) or shorten(ev.data))
    if s.code >= 400 or (s.code == 0 and out.error):
        out.set_error(
            _error_message(resp.value)
            or _str(_dict(resp.value).get("message"))
            or _str(_dict(resp.value).get("Message"))
            or (shorten(resp.text) if resp.text.strip() else None)
            or s.status
            or f"HTTP {s.code}"
        )

    s.response_model = out.model
    s.text = out.text_with_others()
    s.reasoning = out.reasoning_text()
    s.tool_calls = list(out.calls.values())
    s.finish_reason = out.finish
    s.error = out.error
    u = out.usage
    if not u.is_empty():
        if u.total_tokens is None and u.input_tokens is not None and u.output_tokens is not None:
            total = u.input_tokens + u.output_tokens
            if provider in (ANTHROPIC_MESSAGES, BEDROCK_EVENTSTREAM):  # input excludes the cache
                total += (u.cached_tokens or 0) + (u.cache_creation_tokens or 0)
            u.total_tokens = total
        s.usage = u


def sent_status(status: str, code: int) -> str:
    """The status a view shows: the recorded text, unless it names another code than `code`
    (a hand edit): then `code` with its standard phrase, what replay sends (`code` is the
    status, go-vcr's rule: flows.reason_phrase; `check` reports the disagreement)."""
    from .cassette import status_parts

    named = status_parts(status)[0] if isinstance(status, str) else None
    if named is None or named == code or not 100 <= code <= 999:
        return status
    import http

    try:
        phrase = http.HTTPStatus(code).phrase
    except ValueError:
        phrase = ""
    return f"{code} {phrase}".rstrip()


def summarize(interaction: Any) -> ExchangeSummary:
    """Summarize a cassette `Interaction` (see `vcrproxy.cassette`). Never raises."""
    req = getattr(interaction, "request", None)
    resp = getattr(interaction, "response", None)
    code = getattr(resp, "code", 0)
    s = summarize_exchange(
        getattr(req, "method", "") or "",
        getattr(req, "url", "") or "",
        getattr(req, "body", ""),
        getattr(resp, "body", ""),
        request_headers=getattr(req, "headers", None),
        response_headers=getattr(resp, "headers", None),
        code=code if isinstance(code, int) else 0,
        status=sent_status(getattr(resp, "status", "") or "", code if isinstance(code, int) else 0),
    )
    ident = getattr(interaction, "id", None)
    s.id = ident if isinstance(ident, int) else None
    duration = getattr(resp, "duration_ns", 0)
    s.duration_ns = duration if isinstance(duration, int) else 0
    return s


# ---------------------------------------------------------------------------------------------
# Delta pieces and their places (redaction: a key a model streams back in pieces)

# The JSON string fields whose values a stream's events add up to a text, per API: OpenAI chat
# `choices[].delta.content`, `.refusal`, `.reasoning_content`/`.reasoning` (vLLM, DeepSeek,
# OpenRouter), `.audio.transcript`, `.tool_calls[].function.arguments` (and the legacy
# `function_call.arguments`), legacy completions' `choices[].text`; the Responses API's
# `response.*.delta` events (output text, function call arguments, reasoning, transcripts; the
# Realtime API's events over WebSocket too); Anthropic `content_block_delta`'s `text_delta.text`,
# `input_json_delta.partial_json` and `thinking_delta.thinking`; Gemini
# `candidates[].content.parts[].text` (streamGenerateContent?alt=sse). None of these events
# repeats the whole text but the Responses API's `*.done` ones, which use other names.
# (A delta stream's API only: the streams of Ollama, Cohere and Hugging Face TGI, `_other_api`.)
OTHER_STREAMS = "other-streams"
# Replicate's prediction stream: SSE `output` events whose data is the raw text, no JSON (its
# first data line: a text with a line break is sent as more `data:` lines). Its pieces are
# always taken apart (RAW_DELTA_APIS): the literal look for piece starts reads JSON strings.
REPLICATE_STREAM = "replicate-stream"
RAW_DELTA_APIS = frozenset({REPLICATE_STREAM})
DELTA_FIELDS: dict[str, tuple[str, ...]] = {
    OPENAI_CHAT: ("content", "arguments", "refusal", "reasoning_content", "reasoning",
                  "transcript", "text"),
    OPENAI_RESPONSES: ("delta",),
    ANTHROPIC_MESSAGES: ("text", "partial_json", "thinking"),
    GEMINI: ("text",),
    # NDJSON streams (one JSON object per line): Ollama's `/api/chat` `message.content` and
    # `.thinking`, `/api/generate`'s `response` and `thinking`; Cohere v1's `text-generation`
    # events' `text`, `tool-calls-chunk`s' `text` and `tool_call_delta.parameters`. SSE: Cohere
    # v2's `content-delta` (`delta.message.content.text`), `tool-plan-delta` (`tool_plan`),
    # `tool-call-delta` (`function.arguments`); Hugging Face TGI's `token.text`; OpenAI's
    # Assistants API: `thread.message.delta`'s `text.value`, `thread.run.step.delta`'s
    # `function.arguments` and code interpreter's `input`; Anthropic's legacy Text
    # Completions (`/v1/complete`): `completion` events' `completion`.
    OTHER_STREAMS: ("content", "thinking", "response", "text", "parameters", "arguments",
                    "tool_plan", "value", "input", "completion"),
}
# A field and its JSON string, found in the raw bytes (one regex pass with a literal start: a
# JSON parse of each event costs 10 times more); group 2 is the string's contents as written.
_DELTA_RES = {
    api: re.compile(rb'"(' + b"|".join(re.escape(f.encode()) for f in fields)
                    + rb')": ?"([^"\\]*(?:\\.[^"\\]*)*)"')
    for api, fields in DELTA_FIELDS.items()
}
_DELTA_RES[REPLICATE_STREAM] = re.compile(
    rb"(?m)^(event: ?output)\r?\n(?:(?:id|retry):[^\r\n]*\r?\n)*data: ?([^\r\n]*)")
_REPLICATE_HEAD = re.compile(rb"(?m)^event: ?output\r?$")
# An output event's next data line (a text with a line break: `data: intro\ndata: r8_...`).
_REPLICATE_MORE = re.compile(rb"\r?\ndata: ?([^\r\n]*)")
# Where a delta piece starts in the raw bytes: what a field's name ends with (`": ?"`).
DELTA_STARTS = (b':"', b': "')
_INDEX = re.compile(rb'index" ?: ?(\d+)')
_LATER_INDEX = re.compile(rb'"index" ?: ?[1-9]')
_HEAD_EVENTS = 8  # data lines looked at to tell the API
_GEMINI_ARRAY = re.compile(rb'\s*\[\s*\{\s*"(?:candidates|usageMetadata|modelVersion)"')
_HEAD_MAX = 1 << 20  # a head without a whole data line by then is no stream of ours


def delta_stream_api(head: bytes, final: bool = False) -> tuple[str | None, bool]:
    """(API, keyed) of an SSE body (or Gemini's streamed JSON array) that starts with `head`
    (whole lines, or the whole body when `final`): the API its first data lines speak when it
    is one of DELTA_FIELDS', None when the body is no such delta stream, "" while `head`
    cannot tell yet. `keyed`: its first events show interleaved choices (chat `n` > 1) or
    candidates. Looks at no more than the first _HEAD_EVENTS data lines."""
    first = head[:256].lstrip()[:6]
    if first.startswith(b"["):  # Gemini's streamGenerateContent without alt=sse: a JSON array
        if _GEMINI_ARRAY.match(head, 0, 4096) is None:
            return (None if final or len(head) > 4096 else ""), False
        return GEMINI, _LATER_INDEX.search(head, 0, 1 << 16) is not None
    if first.startswith(b"{"):
        return _ndjson_api(head, final), False
    if first and not re.match(rb"(?:data|event|id|retry)?:", first):
        return None, False
    if _REPLICATE_HEAD.search(head, 0, 4096):
        return REPLICATE_STREAM, False
    objs: list[Any] = []
    pos = lines = 0
    while len(objs) < _HEAD_EVENTS and pos < len(head) and lines < 4 * _HEAD_EVENTS:
        nl = head.find(b"\n", pos)
        end = len(head) if nl < 0 else nl
        if head.startswith(b"data:", pos):
            obj = _load_json(head[pos + 5 : end])
            if obj is not None:
                objs.append(obj)
        pos, lines = end + 1, lines + 1
    api = _provider_from_response(objs) or next(filter(None, map(_other_api, objs)), None)
    if api is None:
        if final or len(objs) >= _HEAD_EVENTS or lines >= 4 * _HEAD_EVENTS \
                or len(head) > _HEAD_MAX:
            return None, False
        return "", False
    if api not in DELTA_FIELDS:
        return None, False
    return api, api in (OPENAI_CHAT, GEMINI) and _LATER_INDEX.search(head, 0, pos) is not None


_COHERE_V2_EVENTS = frozenset({"message-start", "content-start", "content-delta",
                               "tool-plan-delta", "tool-call-start", "tool-call-delta"})


def _other_api(obj: Any) -> str | None:
    """OTHER_STREAMS when `obj` is an event of Ollama's, Cohere's (v1 or v2), TGI's, the
    Assistants API's or Anthropic's legacy Text Completions streams."""
    if not isinstance(obj, dict):
        return None
    if "event_type" in obj or "is_finished" in obj \
            or ("done" in obj and ("message" in obj or "response" in obj)) \
            or obj.get("type") in _COHERE_V2_EVENTS \
            or (isinstance(obj.get("token"), dict) and "generated_text" in obj) \
            or str(obj.get("object")).startswith("thread.") \
            or (obj.get("type") == "completion" and isinstance(obj.get("completion"), str)):
        return OTHER_STREAMS
    return None


def _ndjson_api(head: bytes, final: bool) -> str | None:
    """OTHER_STREAMS when the first lines of `head` are JSON objects of Ollama's or Cohere
    v1's streams, None when they are not ("" while a first line is still coming)."""
    pos = seen = 0
    while seen < _HEAD_EVENTS:  # (blank lines not counted: keep-alives before the first object)
        nl = head.find(b"\n", pos)
        if nl < 0:
            if not final and len(head) <= _HEAD_MAX:
                return ""
            nl = len(head)
        line, pos = head[pos:nl].strip(), nl + 1
        if not line:  # (a blank line: NDJSON readers skip it)
            if pos >= len(head):
                break
            continue
        seen += 1
        obj = _load_json(line)
        if not isinstance(obj, dict):
            return None
        if _other_api(obj):
            return OTHER_STREAMS
        if pos >= len(head):
            break
    return None


class DeltaPieces:
    """The delta pieces (`DELTA_FIELDS`) of one SSE response body fed in order (`feed`, then
    `finish`; the whole body: `delta_pieces`), or of the server messages of a WebSocket session
    (`feed_message`, with the API given). `api`: what the first events speak; None when the
    body is no delta stream of an API we know (nothing is collected then).

    `streams`: per stream, its pieces' raw bytes (JSON escapes as written) joined, and where
    each piece is in the body (`starts`, `ends`: byte offsets of the string's contents; for
    messages, in their concatenation, see `feed_message`). About 0.35 s per 50 MB of chat
    chunks (190,000 events): redaction takes a stream apart only when it may hold a secret
    across pieces. One stream per body, unless its first events show interleaved choices
    (chat `n` > 1) or candidates: then one per field and `index` values before the piece in
    its event. The other APIs send their blocks and items one after another."""

    def __init__(self, api: str | None = "") -> None:
        self.api = api  # "" until the first events tell
        self.keyed = False
        self.size = 0
        self._pending: list[bytes] = []  # the bytes after the last line end
        self.streams: dict[Any, tuple[bytearray, array, array]] = {}

    def feed(self, piece: bytes) -> None:
        """The next bytes of the body."""
        start, self.size = self.size, self.size + len(piece)
        if self.api is None or not piece:
            return
        cut = piece.rfind(b"\n") + 1
        if not cut:
            self._pending.append(piece)
            return
        base = start - sum(map(len, self._pending))
        data = b"".join([*self._pending, piece]) if self._pending else piece
        lines_end = cut + len(data) - len(piece)
        self._pending = [piece[cut:]] if cut < len(piece) else []
        if not self.api:
            self.api, self.keyed = delta_stream_api(data[:lines_end])
            if self.api == "":  # (no data line yet: all of it waits)
                self._pending = [data]
            if not self.api:
                return
        self._collect(data, base, lines_end)

    def finish(self) -> None:
        """After the last `feed`: an unterminated last event counts too."""
        if self._pending and self.api is not None:
            data = b"".join(self._pending)
            self._pending = []
            if not self.api:
                self.api, self.keyed = delta_stream_api(data, final=True)
            if self.api:
                self._collect(data, self.size - len(data), len(data))
        if self.api == "":
            self.api = None

    def feed_message(self, data: bytes, base: int) -> None:
        """One whole WebSocket message at offset `base` of the concatenation (its pieces'
        places count from there); audio deltas (base64) are no text."""
        if self.api and b'audio.delta"' not in data:
            self._collect(data, base, len(data), message=True)

    def _collect(self, data: bytes, base: int, end: int, message: bool = False) -> None:
        rfind, indexes = data.rfind, _INDEX.findall
        streams = self.streams
        for m in _DELTA_RES[self.api].finditer(data, 0, end):  # type: ignore[index]
            s, e = m.span(2)
            if self.keyed:
                line = 0 if message else rfind(b"\n", 0, s) + 1
                key: Any = (m.group(1), *indexes(data, line, s))
            else:
                key = None
            stream = streams.get(key)
            if stream is None:
                stream = streams[key] = (bytearray(), array("q"), array("q"))
            if self.api == REPLICATE_STREAM:
                # (each data line is a piece; one that another follows keeps its line break,
                # the text's own, so a key at the next line's start is no word's end)
                while (more := _REPLICATE_MORE.match(data, e, end)) is not None:
                    stream[0].extend(data[s : more.start()] + b"\n")
                    stream[1].append(base + s)
                    stream[2].append(base + more.start() + 1)
                    s, e = more.span(1)
            stream[0].extend(data[s:e])
            stream[1].append(base + s)
            stream[2].append(base + e)


def delta_pieces(data: bytes) -> DeltaPieces:
    """`DeltaPieces` of a whole SSE response body (`api` None when it is no delta stream)."""
    pieces = DeltaPieces()
    pieces.feed(data)
    pieces.finish()
    return pieces
