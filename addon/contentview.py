"""The "LLM" mitmproxy contentview: an AI API body read as the conversation it carries.

In mitmweb (`vcrproxy ... --web`), the mitmproxy console and `mitmdump -s addon/vcr.py`, a
response of OpenAI chat / Responses, Anthropic Messages, Gemini or Bedrock (SSE, AWS event
stream or plain JSON) shows the assembled assistant text, each tool call with its arguments, the
finish reason and token usage, and for a stream the event and chunk counts and, when the addon
knows the chunk timing (a replayed or recorded flow: flow.metadata["vcrproxy_chunks"]), the time to
the first chunk and to the first token. A request shows its messages and declared tools.

mitmproxy changed its contentview API in 12 (`Contentview.prettify(data, metadata) -> str`,
registry) from 11 (`View.__call__(data, **metadata) -> (description, lines)`); `register()` adds
the right class for the running version. The parsing is `vcrproxy.conversation` (shared with
`vcrproxy show`), so the view and the CLI read a body the same way; the text goes through
`redaction.redact_text` like every other text leaving the proxy (key shapes never shown).
"""

from __future__ import annotations

import json
from typing import Any

from mitmproxy import contentviews, http

from . import aiformats as af
from .conversation import (
    Conversation,
    conversation_of_exchange,
    format_duration,
    request_view,
    usage_text,
)
from .flows import CHUNKS_METADATA
from .redaction import log_text
from .terminal import joined

VIEW_NAME = "LLM"

PROVIDER_NAMES = {
    af.OPENAI_CHAT: "OpenAI chat completions",
    af.OPENAI_RESPONSES: "OpenAI Responses",
    af.ANTHROPIC_MESSAGES: "Anthropic Messages",
    af.GEMINI: "Gemini",
    af.BEDROCK_EVENTSTREAM: "Bedrock event stream",
    af.BEDROCK_CONVERSE: "Bedrock Converse",
    af.BEDROCK_INVOKE: "Bedrock InvokeModel",
}
_PRIORITY = 2.0  # above mitmproxy's JSON view (1) for AI API responses


def _ms(ms: float) -> str:
    return format_duration(round(ms * 1_000_000))


def _indent(text: str, pad: str = "  ") -> list[str]:
    return [pad + line if line else "" for line in text.replace("\r\n", "\n").split("\n")]


def _pretty_args(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), ensure_ascii=False, indent=2)
    except (ValueError, RecursionError):  # (JSON nested past Python's recursion limit)
        return arguments


def render_response(conv: Conversation) -> str:
    """The response side as text (what the view shows for a response body)."""
    s = conv.summary
    head = [PROVIDER_NAMES.get(s.provider, s.provider)]
    head.append("stream" if s.streamed else "JSON")
    if s.model:
        head.append(f"model {s.model}")
    lines = [" · ".join(head), ""]
    if s.error:
        lines += ["error:", *_indent(s.error), ""]
    if s.notice:
        lines += [f"({s.notice})", ""]
    if s.reasoning:
        lines += ["reasoning:", *_indent(s.reasoning), ""]
    if s.text:
        lines += ["assistant:", *_indent(s.text), ""]
    if s.tool_calls:
        lines.append("tool calls:")
        for call in s.tool_calls:
            ident = f"  [{call.id}]" if call.id else ""
            lines.append(f"  {call.name or '?'}{ident}")
            lines += _indent(_pretty_args(call.arguments) or "(no arguments)", "    ")
        lines.append("")
    if not (s.error or s.reasoning or s.text or s.tool_calls):
        lines += ["assistant: (no text)", ""]
    lines.append(f"finish reason: {s.finish_reason or '-'}")
    lines.append(f"usage: {usage_text(s.usage) if s.usage else '-'}")
    if s.streamed:
        stream = [f"{s.events} event{'s' if s.events != 1 else ''}"]
        t = conv.timing
        if t is not None:
            stream.append(f"{t.chunks} chunk{'s' if t.chunks != 1 else ''}")
            stream.append(f"first chunk {_ms(t.first_chunk_ms)}")
            if t.first_token_ms is not None:
                stream.append(f"time to first token {_ms(t.first_token_ms)}")
            stream.append(f"last chunk {_ms(t.last_chunk_ms)}")
        else:
            stream.append("no chunk timing")
        lines.append("stream: " + ", ".join(stream))
    return joined(lines)


def render_request(url: str, data: bytes, headers: Any = None) -> str:
    """The request side as text: messages in order, then the declared tools."""
    view = request_view(url, data, headers)
    provider = af.guess_provider(url, data)
    model = af.request_model(url, data)
    head = [PROVIDER_NAMES.get(provider, provider), "request"]
    if model:
        head.append(f"model {model}")
    lines = [" · ".join(head), ""]
    for msg in view.messages:
        lines += [f"{msg.role}:", *_indent(msg.text or "(empty)"), ""]
    lines.append(f"tools: {', '.join(view.tools) if view.tools else '-'}")
    return joined(lines)


def _headers(message: http.Message | None) -> dict[str, str]:
    if message is None:
        return {}
    # The body handed to a view is already decoded: keep the type, drop the encoding.
    return {"Content-Type": message.headers.get("content-type", "")}


_last: list[Any] = [None, None, None, None, None]  # data, flow, message, request body, result


def render(data: bytes, flow: Any = None, message: Any = None) -> tuple[str, str] | None:
    """(description, text) of an AI API body, or None when it is not one.

    mitmproxy asks every view for its priority, then the chosen one to render, with the same
    body object: the last result is kept (one entry) so a large stream is parsed once, not twice.
    """
    # The request body too: the response view reads it, and an edit (console) replaces it.
    request_body = getattr(getattr(flow, "request", None), "raw_content", None)
    if (_last[0] is data and _last[1] is flow and _last[2] is message
            and _last[3] is request_body):
        return _last[4]
    result = _render(data, flow, message)
    _last[:] = [data, flow, message, request_body, result]
    return result


def _render(data: bytes, flow: Any, message: Any) -> tuple[str, str] | None:
    req = getattr(flow, "request", None)
    url = req.pretty_url if isinstance(req, http.Request) else ""
    if isinstance(message, http.Request):
        if af.guess_provider(url, data) == af.UNKNOWN:
            return None
        return "LLM request", log_text(render_request(url, data, _headers(message)))
    request_body = b""
    if isinstance(req, http.Request):
        request_body = req.get_content(strict=False) or b""
    resp = message if isinstance(message, http.Response) else getattr(flow, "response", None)
    metadata = getattr(flow, "metadata", None)
    chunks = metadata.get(CHUNKS_METADATA) if isinstance(metadata, dict) else None
    conv = conversation_of_exchange(
        req.method if isinstance(req, http.Request) else "POST",
        url,
        request_body,
        data,
        request_headers=_headers(req if isinstance(req, http.Request) else None),
        response_headers=_headers(resp if isinstance(resp, http.Response) else None),
        code=resp.status_code if isinstance(resp, http.Response) else 200,
        chunks=chunks,
    )
    if conv.summary.provider == af.UNKNOWN:
        return None
    desc = "LLM " + PROVIDER_NAMES.get(conv.summary.provider, "")
    return desc, log_text(render_response(conv))


def _priority(data: bytes, flow: Any, message: Any) -> float:
    if not data:
        return 0
    try:
        req = getattr(flow, "request", None)
        url = req.pretty_url if isinstance(req, http.Request) else ""
        if isinstance(message, http.Request):
            # The raw JSON stays the default for requests; this view is one click away.
            return 0.5 if af.guess_provider(url, data) != af.UNKNOWN else 0
        ctype = message.headers.get("content-type", "") if message is not None else ""
        body = req.get_content(strict=False) if isinstance(req, http.Request) else None
        if (
            not any(t in ctype for t in ("json", "event-stream", "eventstream"))
            and af.guess_provider(url, body) == af.UNKNOWN
        ):
            return 0  # neither an AI API endpoint nor a body type one answers with: skip parsing
        return _PRIORITY if render(data, flow, message) is not None else 0
    except Exception:  # a priority probe must never break mitmproxy's view selection
        return 0


_NOT_AI = "(not a recognised AI API exchange)"

if hasattr(contentviews, "Contentview"):  # mitmproxy >= 12

    class LLMContentview(contentviews.Contentview):
        name = VIEW_NAME
        syntax_highlight = "none"

        def prettify(self, data: bytes, metadata: contentviews.Metadata) -> str:
            out = render(data, metadata.flow, metadata.http_message)
            return out[1] if out else _NOT_AI

        def render_priority(self, data: bytes, metadata: contentviews.Metadata) -> float:
            return _priority(data, metadata.flow, metadata.http_message)

    def _make() -> Any:
        return LLMContentview()

    def _registered() -> bool:
        return VIEW_NAME.lower() in contentviews.registry

else:  # mitmproxy 11

    class ViewLLM(contentviews.View):
        name = VIEW_NAME

        def __call__(self, data: bytes, *, flow=None, http_message=None, **unknown):
            out = render(data, flow, http_message)
            desc, text = out if out else ("LLM", _NOT_AI)
            return desc, iter([[("text", line)] for line in text.split("\n")])

        def render_priority(self, data: bytes, *, flow=None, http_message=None, **unknown):
            return _priority(data, flow, http_message)

    def _make() -> Any:
        return ViewLLM()

    def _registered() -> bool:
        return contentviews.get(VIEW_NAME) is not None


def register() -> None:
    """Add the view to mitmproxy's contentviews (once per process; safe to call again)."""
    if not _registered():
        contentviews.add(_make())
