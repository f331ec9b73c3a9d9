"""`vcrproxy show --plain`: a cassette as stable plain text, made for `git diff` (textconv).

Every request message (so a changed prompt shows as a changed line), the declared tools, the full
answer, tool calls, finish reason and tokens; no colours, no file name (git hands textconv a
temporary file), nothing shortened, and no timing: every re-recording changes it, which would
make every interaction show in `git diff` (`vcrproxy diff` reports latency deltas). A WebSocket
session's request messages are its client messages, each as replay compares it (wsmatch: the
default `--ws-ignore-json` paths, event ids and audio, left out as they change every run; binary
messages by size), what the user said aloud (the server's transcript of it), and its close.
Functions only: `render_plain(cassette) -> str`.
"""

from __future__ import annotations

from vcrproxy.cassette import Cassette, Interaction
from vcrproxy.conversation import Conversation, conversation, usage_text
from vcrproxy.terminal import clean_line as _clean_line
from vcrproxy.terminal import joined
from vcrproxy.terminal import one_line as _one_line
from vcrproxy.websocket import WsClose, WsSession, spoken_turns

from .show import _labelled, _Style, _websocket

_PLAIN = _Style(False, keep_cr=True)


def title(conv: Conversation) -> str:
    s = conv.summary
    ident = "?" if s.id is None else s.id
    return f"#{ident} {s.method} {_clean_line(s.url)} -> {s.status or s.code}"


def client_message_lines(session: WsSession) -> list[str]:
    """`> client N: {...}` for each client message of a WebSocket session, `> user (spoken): ...`
    for each turn the user spoke (the server's transcript: `websocket.spoken_turns`) where it
    ends, then its close."""
    from vcrproxy.wsmatch import compared_text  # (the body matcher: for WebSocket sessions only)

    spoken = dict(spoken_turns(session))
    lines, sent = [], 0
    for n, m in enumerate(session.messages):
        if m.from_client:
            sent += 1
            lines += _labelled(f"> client {sent}", compared_text(m), _PLAIN)
        if n in spoken:
            lines += _labelled("> user (spoken)", spoken[n], _PLAIN)
    if session.close is not None:
        lines.append(f"  close: {close_text(session.close)}")
    return lines


def close_text(close: WsClose | None) -> str:
    """A session's close as the plain view and `diff` write it: `1008 'reason' by the server`
    (the reason as repr writes it: control characters escaped), `none` without one."""
    if close is None:
        return "none"
    reason = f" {close.reason!r}" if close.reason else ""
    return f"{close.code}{reason} by the {'client' if close.from_client else 'server'}"


def server_message_lines(session: WsSession) -> list[str]:
    """`< server N: {...}` for each server message of a WebSocket session that holds no
    answer the views read (a transcription or speech socket): its counterpart of an HTTP
    response body, each message as client messages are shown (`compared_text`)."""
    import hashlib

    from vcrproxy.wsmatch import compared_text

    def text(m) -> str:  # (binary, audio most often: its size and digest, as diff compares it)
        if m.text:
            return compared_text(m)
        digest = hashlib.sha256(m.payload).hexdigest()[:16]
        return f"(binary, {len(m.payload)} bytes, sha256 {digest})"

    said = [m for m in session.messages if not m.from_client]
    return [line for n, m in enumerate(said, 1)
            for line in _labelled(f"< server {n}", text(m), _PLAIN)]


def answers(conv: Conversation) -> bool:
    """Whether the summary holds what the exchange answered (a chat answer, tool calls,
    reasoning, an error): then that is what the views compare, not the body's bytes (ids and
    timestamps change with every recording)."""
    s = conv.summary
    return bool(s.text or s.tool_calls or s.reasoning or s.error)


def response_body_text(interaction: Interaction) -> str:
    """The response body as stable text, for an exchange that `answers` nothing (an embeddings
    vector, a tool's JSON, a file): see `_stable_text`; "" for none."""
    return _stable_text(interaction.response)


# A chat request's fields the plain view shows as messages already (OpenAI chat and Responses,
# Anthropic, Gemini); the rest (max_tokens, tool_choice, tools whole...) is its `params` line.
_CONVERSATION_KEYS = frozenset({"messages", "input", "instructions", "system", "contents",
                                "systemInstruction", "system_instruction"})


def request_lines(conv: Conversation, interaction: Interaction) -> list[str]:
    """What the plain view shows of a request besides its messages: a chat request's other
    fields as one sorted JSON line (replay matches on them: a changed `max_tokens`, `tool_choice`
    or tool description is a change to see), or a request body that holds no chat whole."""
    import json

    req = interaction.request
    if req is None or not req.body:
        return []
    if conv.request.messages:
        try:
            value = json.loads(_stable_bytes(req))
        except (ValueError, RecursionError):  # (RecursionError: nested past the limit)
            return []
        if not isinstance(value, dict):
            return []
        rest = {k: v for k, v in value.items() if k not in _CONVERSATION_KEYS}
        out = []
        if rest:
            try:
                line = json.dumps(rest, sort_keys=True, ensure_ascii=False)
            except RecursionError:
                line = repr(sorted(rest))  # (its field names at least)
            out += _labelled("params", line, _PLAIN)
        # The messages as replay compares them: a change that is not their text (an image's
        # URL, a cache_control mark) is a change to see, as a digest (an image is megabytes).
        said = {k: v for k, v in value.items() if k in _CONVERSATION_KEYS}
        try:
            whole = json.dumps(said, sort_keys=True, ensure_ascii=False).encode(
                "utf-8", "surrogatepass")
        except RecursionError:
            whole = b""
        if whole:
            import hashlib

            out.append(f"  messages as sent: sha256 {hashlib.sha256(whole).hexdigest()[:16]}")
        return out
    text = _stable_text(req)
    return _labelled("> body", text, _PLAIN) if text else []


def _stable_bytes(msg) -> bytes:
    from vcrproxy.aiformats import client_body

    return client_body(msg.body, msg.headers)


class _Part:
    """A multipart part as `_stable_text` reads a message (its body and headers)."""

    def __init__(self, part) -> None:
        self.body = part.body
        self.headers = {k: [v] for k, v in part.headers}


def _stable_text(msg) -> str:
    """A request's or response's body as stable text: JSON laid out one value per line, other
    text as it is, binary bytes as their size and SHA-256; "" for none."""
    import hashlib
    import json

    from vcrproxy import decoders

    if msg is None or not msg.body:
        return ""
    try:
        data = _stable_bytes(msg)
    except decoders.TooLarge as e:
        return f"({e})"
    from vcrproxy.cassette import first_header
    from vcrproxy.forms import is_multipart, multipart_parts

    ctype = first_header(msg.headers or {}, "content-type")
    parts = multipart_parts(ctype, data) if is_multipart(ctype) else None
    if parts is not None:
        # Part by part, without the boundary (a client draws a new one each time: the same
        # upload read as a change), as replay's matching compares them.
        return "\n".join(f"{p.label(n)}: {_stable_text(_Part(p))}" for n, p in enumerate(parts))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"{len(data)} bytes, binary, sha256 {hashlib.sha256(data).hexdigest()[:16]}"
    try:
        # (keys sorted: a reordered document is the same to every JSON reader, and to replay's
        # matching of a request body)
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=True)
    except (ValueError, RecursionError):  # (JSON nested past Python's recursion limit: as text)
        return text


def render_conversation(conv: Conversation, session: WsSession | None = None,
                        interaction: Interaction | None = None) -> list[str]:
    """The lines of one interaction (title first); `session`: its WebSocket session, if any;
    `interaction`: its response body is shown when the exchange `answers` nothing."""
    s = conv.summary
    lines = [title(conv)]
    model = s.request_model or ""
    if s.response_model and s.response_model != s.request_model:
        model = f"{model} -> {s.response_model}" if model else s.response_model
    if model:
        lines.append(f"  model: {_clean_line(model)}")
    if conv.request.tools:
        lines.append(f"  tools: {_clean_line(', '.join(conv.request.tools))}")
    for msg in conv.request.messages:
        lines += _labelled(f"> {msg.role}", msg.text or "(empty)", _PLAIN)
    if interaction is not None:
        lines += request_lines(conv, interaction)
    if session is not None:
        lines += client_message_lines(session)
    kind = "stream" if s.streamed else "response"
    if s.streamed:
        kind += f", {s.events} event{'s' if s.events != 1 else ''}"
    lines.append(f"  < {kind}")
    if s.error:
        lines += _labelled("< error", s.error, _PLAIN)
    if s.notice:
        lines.append(f"  ({s.notice})")
    if s.reasoning:
        lines += _labelled("< reasoning", s.reasoning, _PLAIN)
    if s.text:
        lines += _labelled("< assistant", s.text, _PLAIN)
    for call in s.tool_calls:
        lines.append(f"  < tool call: {_clean_line(call.name or '?')}({_one_line(call.arguments)})")
    if interaction is not None and not answers(conv) and (
            body := response_body_text(interaction)):
        lines += _labelled("< body", body, _PLAIN)
    if session is not None and not answers(conv):
        lines += server_message_lines(session)
    if s.finish_reason:
        lines.append(f"  finish: {_clean_line(s.finish_reason)}")
    if s.usage is not None:
        lines.append(f"  tokens: {usage_text(s.usage)}")
    return lines


def render_plain(cassette: Cassette, interactions: list[Interaction] | None = None) -> str:
    """The whole cassette (or the given interactions) as plain text, ending with a newline."""
    chosen = cassette.interactions if interactions is None else interactions
    n = len(cassette.interactions)
    blocks = [f"{n} interaction{'s' if n != 1 else ''}"]
    blocks += [joined(render_conversation(conversation(i), _websocket(i), i)) for i in chosen]
    return "\n\n".join(blocks) + "\n"
