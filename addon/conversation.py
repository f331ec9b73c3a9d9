"""One exchange read as a conversation: what was asked, what came back, and how fast.

The shared model behind the mitmproxy contentview (`vcrproxy.contentview`), `vcrproxy show --html`
and `vcrproxy diff`. Pure functions over recorded bytes, no mitmproxy or click imports; the
response side (text, tool calls, usage, finish reason) is `vcrproxy.aiformats.summarize_exchange`,
this module adds the request side (system prompt, every message, declared tools) and the stream
timing read from `vcrproxy_chunks`.

Entry points:

- `conversation(interaction) -> Conversation` for a cassette interaction;
- `conversation_of_exchange(method, url, request_body, response_body, ...)` from raw parts
  (a mitmproxy flow);
- `request_view(url, request_body, headers=None) -> RequestView`;
- `stream_timing(...) -> StreamTiming | None`.

Nothing here raises on odd input: unknown bodies give empty views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import aiformats as af
from .aiformats import ExchangeSummary, Usage
from .cassette import WEBSOCKET_KEY, CassetteError

# Roles as the APIs name them, mapped to the four a reader needs.
_ROLES = {
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "model": "assistant",
    "system": "system",
    "developer": "system",
    "tool": "tool",
    "function": "tool",
}


@dataclass
class Message:
    """One request message: role is system / user / assistant / tool; text is readable (tool
    calls as `name(arguments)`, images as `[image]`)."""

    role: str
    text: str


@dataclass
class RequestView:
    """The request side of an exchange: every message in order (the system prompt first, as a
    `system` message) and the names of the tools the request declares."""

    messages: list[Message] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)


@dataclass
class StreamTiming:
    """When a streamed body arrived, from `vcrproxy_chunks` (offsets in ms from the end of the
    request, like go-vcr's `duration`).

    first_token_ms: arrival of the first chunk after which the answer has text, a tool call or
    reasoning (None when it never does). points: (offset_ms, cumulative bytes) per chunk."""

    chunks: int
    first_chunk_ms: float
    last_chunk_ms: float
    first_token_ms: float | None
    total_bytes: int
    points: list[tuple[float, int]] = field(default_factory=list)


@dataclass
class Conversation:
    summary: ExchangeSummary
    request: RequestView
    timing: StreamTiming | None = None


# ---------------------------------------------------------------------------------------------
# Formatting (shared with `vcrproxy show`)


def format_duration(ns: int) -> str:
    """A Go-duration in nanoseconds, human friendly: 3.57s, 930ms, 704µs, 1m18s, 1h02m03s."""
    if not isinstance(ns, int) or ns <= 0:
        return "0s"
    if ns < 1_000:
        return f"{ns}ns"
    if ns < 999_500:
        return f"{round(ns / 1_000)}µs"
    if ns < 999_500_000:
        return f"{round(ns / 1_000_000)}ms"
    if ns < 59_995_000_000:
        return f"{ns / 1e9:.2f}s"
    seconds = round(ns / 1e9)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s"


def usage_text(u: Usage) -> str:
    """Token usage on one line: "in 16 / out 38 / cached 4"."""
    parts = []
    if u.input_tokens is not None:
        parts.append(f"in {u.input_tokens}")
    if u.output_tokens is not None:
        parts.append(f"out {u.output_tokens}")
    if u.reasoning_tokens:
        parts.append(f"reasoning {u.reasoning_tokens}")
    if u.cached_tokens:
        parts.append(f"cached {u.cached_tokens}")
    if u.cache_creation_tokens:
        parts.append(f"cache write {u.cache_creation_tokens}")
    simple = (u.input_tokens or 0) + (u.output_tokens or 0)
    if u.total_tokens is not None and (u.total_tokens != simple or not parts):
        parts.append(f"total {u.total_tokens}")
    return " / ".join(parts)


# ---------------------------------------------------------------------------------------------
# Request side


def _args_text(value: Any) -> str:
    return value if isinstance(value, str) else af._json_text(value)


def _block_text(block: Any) -> str:
    """A content block of any supported API as readable text."""
    if isinstance(block, str):
        return block
    if not isinstance(block, dict):
        return ""
    kind = block.get("type")
    if kind in ("tool_use", "server_tool_use"):  # Anthropic
        return f"[tool call {block.get('name') or '?'}({_args_text(block.get('input', {}))})]"
    if kind == "tool_result":
        body = af._content_text(block.get("content"))
        return f"[tool result{' (error)' if block.get('is_error') is True else ''}] {body}"
    if kind in ("thinking", "redacted_thinking"):
        return "[thinking]"
    if isinstance(block.get("toolUse"), dict):  # Bedrock Converse
        tu = block["toolUse"]
        return f"[tool call {tu.get('name') or '?'}({_args_text(tu.get('input', {}))})]"
    if isinstance(block.get("toolResult"), dict):
        return f"[tool result] {af._content_text(block['toolResult'].get('content'))}"
    if isinstance(block.get("functionCall"), dict):  # Gemini
        fc = block["functionCall"]
        return f"[tool call {fc.get('name') or '?'}({_args_text(fc.get('args', {}))})]"
    if isinstance(block.get("functionResponse"), dict):
        fr = block["functionResponse"]
        return f"[tool result {fr.get('name') or ''}] {af._json_text(fr.get('response'))}"
    return af._content_text([block])


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    blocks = [content] if isinstance(content, dict) else af._list(content)
    return "\n".join(t for t in (_block_text(b) for b in blocks) if t)


def _role(value: Any, default: str = "user") -> str:
    return _ROLES.get(value, value) if isinstance(value, str) and value else default


def _chat_messages(req: dict, out: RequestView) -> None:
    """OpenAI chat, Anthropic Messages (also Bedrock invoke) and Bedrock Converse."""
    system = req.get("system")
    if isinstance(system, str) and system:
        out.messages.append(Message("system", system))
    elif isinstance(system, list):
        text = _content(system)
        if text:
            out.messages.append(Message("system", text))
    for msg in af._list(req.get("messages")):
        if not isinstance(msg, dict):
            continue
        parts = [_content(msg.get("content"))]
        for tc in af._list(msg.get("tool_calls")):  # OpenAI chat assistant turn
            fn = af._dict(af._dict(tc).get("function"))
            parts.append(f"[tool call {fn.get('name') or '?'}({_args_text(fn.get('arguments'))})]")
        fn = msg.get("function_call")
        if isinstance(fn, dict):
            parts.append(f"[tool call {fn.get('name') or '?'}({_args_text(fn.get('arguments'))})]")
        out.messages.append(Message(_role(msg.get("role")), "\n".join(p for p in parts if p)))


def _responses_messages(req: dict, out: RequestView) -> None:
    if isinstance(req.get("instructions"), str) and req["instructions"]:
        out.messages.append(Message("system", req["instructions"]))
    items = req.get("input")
    if isinstance(items, str):
        out.messages.append(Message("user", items))
        return
    for item in af._list(items):
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind == "message" or "role" in item:
            out.messages.append(Message(_role(item.get("role")), _content(item.get("content"))))
        elif kind in ("function_call", "custom_tool_call"):
            args = _args_text(item.get("arguments", item.get("input", "")))
            out.messages.append(Message("assistant", f"[tool call {item.get('name')}({args})]"))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output")
            text = output if isinstance(output, str) else _content(output)
            out.messages.append(Message("tool", text))
        elif kind == "reasoning":
            out.messages.append(Message("assistant", "[reasoning]"))


def _gemini_messages(req: dict, out: RequestView) -> None:
    system = af._dict(req.get("systemInstruction") or req.get("system_instruction"))
    text = _content(system.get("parts"))
    if text:
        out.messages.append(Message("system", text))
    for content in af._list(req.get("contents")):
        if isinstance(content, dict):
            out.messages.append(Message(_role(content.get("role")), _content(content.get("parts"))))


def _tool_names(req: dict) -> list[str]:
    names: list[str] = []
    tools = af._list(req.get("tools")) + af._list(af._dict(req.get("toolConfig")).get("tools"))
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        for decl in af._list(tool.get("functionDeclarations") or tool.get("function_declarations")):
            if isinstance(decl, dict) and af._str(decl.get("name")):
                names.append(decl["name"])
        name = (
            af._str(af._dict(tool.get("function")).get("name"))  # OpenAI chat
            or af._str(af._dict(tool.get("toolSpec")).get("name"))  # Bedrock Converse
            or af._str(tool.get("name"))  # Anthropic, OpenAI Responses
        )
        if name:
            names.append(name)
        elif not tool.get("functionDeclarations") and af._str(tool.get("type")):
            names.append(tool["type"])  # built-in tools: web_search, code_interpreter…
        else:
            for key in tool:  # Gemini built-ins: {"googleSearch": {}}
                if key not in ("functionDeclarations", "function_declarations"):
                    names.append(key)
    return names


def request_view(
    url: str, request_body: Any, headers: Mapping[str, Any] | None = None
) -> RequestView:
    """Every message and tool name of an AI API request (empty for other requests)."""
    out = RequestView()
    try:
        body = af._parse_body(request_body, headers)
        req = body.value if body.kind == "json" else None
        if not isinstance(req, dict):
            return out
        provider = af.guess_provider(url, af._json_text(req).encode())
        if provider == af.GEMINI or "contents" in req:
            _gemini_messages(req, out)
        elif provider == af.OPENAI_RESPONSES:
            _responses_messages(req, out)
        else:
            _chat_messages(req, out)
        out.tools = _tool_names(req)
    except Exception:  # a view must never take the caller down
        pass
    return out


# ---------------------------------------------------------------------------------------------
# Timing


def stream_timing(
    chunks: Sequence[Sequence[float]] | None,
    answered_after: Callable[[int], bool] | None = None,
) -> StreamTiming | None:
    """Timing of a streamed body from its (offset_ms, size) chunks; None without chunks.

    `answered_after(n)` says whether the first n bytes of the body already carry some answer;
    it is asked O(log chunks) times (binary search over chunk ends) for `first_token_ms`.
    """
    try:
        pairs = [(float(at), int(size)) for at, size in chunks or ()]
    except (TypeError, ValueError):
        return None
    if not pairs:
        return None
    points: list[tuple[float, int]] = []
    total = 0
    for at, size in pairs:
        total += size
        points.append((at, total))
    first_token = None
    if answered_after is not None and answered_after(total):
        lo, hi = 0, len(points) - 1  # smallest index whose prefix is answered
        while lo < hi:
            mid = (lo + hi) // 2
            if answered_after(points[mid][1]):
                hi = mid
            else:
                lo = mid + 1
        first_token = points[lo][0]
    return StreamTiming(
        chunks=len(pairs),
        first_chunk_ms=points[0][0],
        last_chunk_ms=points[-1][0],
        first_token_ms=first_token,
        total_bytes=total,
        points=points,
    )


# ---------------------------------------------------------------------------------------------
# Whole exchanges


def conversation_of_exchange(
    method: str,
    url: str,
    request_body: Any,
    response_body: Any,
    *,
    request_headers: Mapping[str, Any] | None = None,
    response_headers: Mapping[str, Any] | None = None,
    code: int = 200,
    status: str = "",
    chunks: Sequence[Sequence[float]] | None = None,
) -> Conversation:
    """The conversation of one exchange given as raw parts (see `aiformats.summarize_exchange`
    for the shapes); `chunks` is the response's `vcrproxy_chunks`."""
    summary = af.summarize_exchange(
        method, url, request_body, response_body,
        request_headers=request_headers, response_headers=response_headers,
        code=code, status=status,
    )
    data = af._to_bytes(response_body)

    def answered(n: int) -> bool:
        s = af.summarize_exchange(
            method, url, request_body, data[:n],
            request_headers=request_headers, response_headers=response_headers, code=code,
        )
        return bool(s.text or s.tool_calls or s.reasoning)

    timing = stream_timing(chunks, answered) if chunks else None
    return Conversation(summary, request_view(url, request_body, request_headers), timing)


def conversation(interaction: Any) -> Conversation:
    """The conversation of a cassette `Interaction`. Never raises."""
    req, resp = interaction.request, interaction.response
    code = resp.code if isinstance(resp.code, int) else 0
    conv = conversation_of_exchange(
        req.method, req.url, req.body, resp.body,
        request_headers=req.headers, response_headers=resp.headers,
        code=code, status=af.sent_status(resp.status or "", code), chunks=resp.chunks,
    )
    conv.summary.id = interaction.id if isinstance(interaction.id, int) else None
    conv.summary.duration_ns = resp.duration_ns if isinstance(resp.duration_ns, int) else 0
    if WEBSOCKET_KEY in resp.extra:  # a Realtime / Live session: its text, calls and usage
        from .websocket import session_from_response, summarize_session

        try:
            summarize_session(conv.summary, session_from_response(resp))
        except CassetteError:
            pass
    return conv
