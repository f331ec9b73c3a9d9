"""`vcrproxy show`: a cassette read as the conversation it holds.

Functions only (the click command lives in `vcrproxy.cli.main`):

- `render_cassette(cassette, ids=None, raw=False, color=False) -> str`: the human view.
- `render_json(cassette, ids=None) -> str`: a JSON list of exchange summaries, for scripts.
- `show(path, ids=None, as_json=False, raw=False, color=False) -> str`: load, then render.
- `format_duration(ns) -> str`: "3.57s", "930ms", "704µs", "1m18s".
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable
from typing import Any

from vcrproxy.aiformats import UNKNOWN, ExchangeSummary, decode_eventstream, summarize
from vcrproxy.cassette import WEBSOCKET_KEY, Cassette, CassetteError, Interaction, first_header
from vcrproxy.conversation import format_duration
from vcrproxy.conversation import usage_text as _usage_text
from vcrproxy.terminal import clean as _clean
from vcrproxy.terminal import clean_line as _clean_line
from vcrproxy.terminal import joined, json_safe
from vcrproxy.terminal import one_line as _one_line
from vcrproxy.websocket import WsSession, session_from_response, summarize_session, timeline

HEX_PREVIEW = 256  # bytes of a binary body shown in raw mode
REASONING_PREVIEW = 600  # characters of reasoning text shown


# ---------------------------------------------------------------------------------------------
# Formatting helpers


def _format_size(n: int) -> str:
    return f"{n} byte" if n == 1 else f"{n} bytes"


def hexdump(data: bytes, limit: int = HEX_PREVIEW) -> list[str]:
    """`offset  hex bytes  |ascii|` lines of the first `limit` bytes, plus a "more" line."""
    lines = []
    for off in range(0, min(len(data), limit), 16):
        chunk = data[off : off + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}  {hexes:<47}  |{text}|")
    if len(data) > limit:
        lines.append(f"… {_format_size(len(data) - limit)} more")
    return lines


class _Style:
    CODES = {
        "bold": "1",
        "dim": "2",
        "red": "31",
        "green": "32",
        "yellow": "33",
        "blue": "34",
        "magenta": "35",
        "cyan": "36",
    }

    def __init__(self, enabled: bool, keep_cr: bool = False) -> None:
        self.enabled = enabled
        self.keep_cr = keep_cr  # (_clean's: the plain view shows a CRLF's CR)

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not text or not styles:
            return text
        codes = ";".join(self.CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def _labelled(label: str, text: str, st: _Style, *styles: str, indent: str = "  ") -> list[str]:
    """`label: text`, continuation lines aligned under the text."""
    lines = _clean(text, st.keep_cr).split("\n")
    pad = indent + " " * (len(label) + 2)
    out = [f"{indent}{st(label + ':', *styles)} {lines[0]}".rstrip()]
    out.extend((pad + line).rstrip() for line in lines[1:])
    return out


# ---------------------------------------------------------------------------------------------
# Selection


def select_interactions(cassette: Cassette, ids: Iterable[int] | None = None) -> list[Interaction]:
    """The interactions with the given ids (in the order asked), or all of them.

    Raises CassetteError naming the ids the cassette does not have.
    """
    interactions = list(cassette.interactions)
    if ids is None:
        return interactions
    by_id = {i.id: i for i in interactions}
    wanted = list(dict.fromkeys(ids))
    missing = [i for i in wanted if i not in by_id]
    if missing:
        have = ", ".join(str(i.id) for i in interactions) or "none"
        names = ", ".join(str(i) for i in missing)
        raise CassetteError(f"no interaction with id {names} (ids in the cassette: {have})")
    return [by_id[i] for i in wanted]


# ---------------------------------------------------------------------------------------------
# Human view


def _title(s: ExchangeSummary, st: _Style) -> str:
    ident = "?" if s.id is None else s.id
    status = s.status or str(s.code)
    status = st(status, "green" if 200 <= s.code < 300 else "red" if s.code >= 400 else "yellow")
    parts = [
        f"{st(f'#{ident}', 'bold', 'cyan')} {st(s.method, 'bold')} {_clean_line(s.url)} -> "
        f"{status}",
        format_duration(s.duration_ns),
    ]
    if s.streamed:
        parts.append("stream")
    if s.model:
        model = s.request_model or s.response_model or ""
        if s.response_model and s.request_model and s.response_model != s.request_model:
            model = f"{s.request_model} -> {s.response_model}"
        parts.append(f"model {st(_clean_line(model), 'bold')}")
    return "  ".join(parts)


def _conversation(s: ExchangeSummary, interaction: Interaction, st: _Style) -> list[str]:
    lines: list[str] = []
    if s.user_message:
        lines += _labelled("user", s.user_message, st, "blue", "bold")
    for r in s.tool_results:
        label = f"tool result {r.name or r.id or '?'}"
        if r.is_error:
            label += " (error)"
        lines += _labelled(label, r.content, st, "magenta")
    if s.reasoning:
        text = s.reasoning
        if len(text) > REASONING_PREVIEW:
            text = text[: REASONING_PREVIEW - 1].rstrip() + f"… ({len(s.reasoning)} chars)"
        lines += [st(line, "dim") for line in _labelled("thinking", text, _Style(False))]
    if s.text:
        lines += _labelled("assistant", s.text, st, "green", "bold")
    for call in s.tool_calls:
        name = st(_clean_line(call.name or "?"), "yellow", "bold")
        lines.append(f"  {st('tool call', 'yellow')} {name}({_one_line(call.arguments)})")
    if s.error:
        lines += _labelled("error", s.error, st, "red", "bold")
    if s.notice:
        lines.append(st(f"  ({s.notice})", "yellow"))
    if s.provider == UNKNOWN:
        resp = interaction.response
        body = resp.body_bytes if resp is not None else b""
        ctype = first_header(resp.headers if resp is not None else {}, "Content-Type")
        desc = _format_size(len(body)) + (f" {ctype}" if ctype else "")
        lines.append(st(f"  (not a recognised AI API exchange: response {desc})", "dim"))
    elif not (s.text or s.tool_calls or s.error or s.reasoning):
        lines.append(f"  {st('assistant:', 'green', 'bold')} {st('(no text)', 'dim')}")
    tail = []
    if s.usage is not None:
        tail.append(f"tokens: {_usage_text(s.usage)}")
    if s.finish_reason:
        tail.append(f"finish: {_clean_line(s.finish_reason)}")
    if tail:
        lines.append(st("  " + "   ".join(tail), "dim"))
    return lines


def _header_lines(headers: Any, st: _Style) -> list[str]:
    lines = []
    for key, values in (headers or {}).items():
        for value in values if isinstance(values, list) else [values]:
            lines.append(f"    {st(_clean(str(key)), 'cyan')}: {_clean(str(value))}")
    return lines or [st("    (none)", "dim")]


def _body_lines(body: str | bytes, st: _Style) -> tuple[str, list[str]]:
    """(description, lines) of a body for raw mode."""
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"{_format_size(len(body))}, binary", [
                "    " + st(line, "dim") for line in hexdump(body)
            ]
    else:
        text = body or ""
    size = len(text.encode("utf-8", "surrogateescape"))
    if not text:
        return "empty", []
    lines = _clean(text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return _format_size(size), [("    " + line) if line else "" for line in lines]


def _eventstream_lines(body: bytes, st: _Style) -> list[str]:
    """Raw mode: the frames of an AWS event-stream body, payloads decoded."""
    frames = decode_eventstream(body)
    if not frames:
        return []
    n = len(frames)
    lines = [st(f"  < decoded event-stream ({n} frame{'s' if n != 1 else ''})", "bold")]
    for frame in frames:
        kind = frame.headers.get(":event-type") or frame.headers.get(":exception-type") or "?"
        payload = frame.payload.decode("utf-8", "replace")
        try:
            inner = json.loads(payload).get("bytes")
            if isinstance(inner, str):
                payload = base64.b64decode(inner).decode("utf-8", "replace")
        except (ValueError, AttributeError, binascii.Error, RecursionError):
            pass
        lines.append(f"    {st(_clean_line(str(kind)), 'cyan')} {_clean(payload)}")
    return lines


def _raw(interaction: Interaction, st: _Style) -> list[str]:
    req, resp = interaction.request, interaction.response
    lines = [st("  > request headers", "bold")]
    lines += _header_lines(req.headers, st)
    desc, body = _body_lines(req.body, st)
    lines.append(st(f"  > request body ({desc})", "bold"))
    lines += body
    lines.append(st("  < response headers", "bold"))
    lines += _header_lines(resp.headers, st)
    chunks = resp.chunks
    if chunks:
        last = format_duration(int(chunks[-1][0] * 1_000_000))
        n = len(chunks)
        lines.append(st(f"  < streamed in {n} chunk{'s' if n != 1 else ''}, last at {last}", "dim"))
    desc, body = _body_lines(resp.body, st)
    lines.append(st(f"  < response body ({desc})", "bold"))
    lines += body
    if isinstance(resp.body, bytes):
        lines += _eventstream_lines(resp.body, st)
    return lines


def _websocket(interaction: Interaction) -> WsSession | None:
    resp = interaction.response
    if resp is None or WEBSOCKET_KEY not in resp.extra:
        return None
    try:
        return session_from_response(resp)
    except CassetteError:
        return None


def _summarize(interaction: Interaction) -> ExchangeSummary:
    """`summarize`, plus the Realtime session of a WebSocket upgrade."""
    s = summarize(interaction)
    session = _websocket(interaction)
    if session is not None:
        summarize_session(s, session)
    return s


def _websocket_lines(session: WsSession, st: _Style, raw: bool) -> list[str]:
    """The session's events (`>` client to server, `<` server to client), runs collapsed; every
    payload in raw mode."""
    n = len(session.messages)
    sent = sum(m.from_client for m in session.messages)
    head = f"  websocket: {n} message{'s' if n != 1 else ''} ({sent} from the client)"
    c = session.close
    if c is not None:
        who = "client" if c.from_client else "server"
        reason = f" {c.reason!r}" if c.reason else ""  # (repr escapes controls)
        head += f", closed by the {who} {c.code}{reason} at {format_duration(int(c.at_ms * 1e6))}"
    else:
        head += ", still open when recording stopped"
    lines = [st(head, "bold")]
    if raw:
        for m in session.messages:
            arrow = st(">", "blue") if m.from_client else st("<", "green")
            at = format_duration(int(m.at_ms * 1e6)).rjust(7)
            if m.text:
                lines.append(f"    {at} {arrow} {_clean(str(m.data))}")
            else:
                lines.append(f"    {at} {arrow} (binary, {_format_size(len(m.payload))})")
                lines += ["              " + st(line, "dim") for line in hexdump(m.payload, 64)]
        return lines
    for at_ms, from_client, label, count in timeline(session):
        arrow = st(">", "blue") if from_client else st("<", "green")
        at = format_duration(int(at_ms * 1e6)).rjust(7)
        times = st(f" x{count}", "dim") if count > 1 else ""
        lines.append(f"    {at} {arrow} {_clean(label)}{times}")
    return lines


def render_interaction(interaction: Interaction, *, raw: bool = False, color: bool = False) -> str:
    """The block of one interaction (no trailing newline)."""
    st = _Style(color)
    s = _summarize(interaction)
    lines = [_title(s, st), *_conversation(s, interaction, st)]
    session = _websocket(interaction)
    if session is not None:
        lines += _websocket_lines(session, st, raw)
    if raw:
        lines += _raw(interaction, st)
    return joined(lines, styled=color)


def render_cassette(
    cassette: Cassette,
    *,
    ids: Iterable[int] | None = None,
    raw: bool = False,
    color: bool = False,
) -> str:
    """The human view of a cassette: a header line, then one block per interaction (no trailing
    newline: made for click.echo)."""
    st = _Style(color)
    chosen = select_interactions(cassette, ids)
    total = len(cassette.interactions)
    name = cassette.path if cassette.path else "<cassette>"
    header = (f"{st(_clean_line(os.fspath(name)), 'bold')}: "
              f"{total} interaction{'s' if total != 1 else ''}")
    if ids is not None:
        header += f" (showing {len(chosen)})"
    blocks = [header]
    for interaction in chosen:
        blocks.append(render_interaction(interaction, raw=raw, color=color))
    return "\n\n".join(blocks)


def summaries(cassette: Cassette, ids: Iterable[int] | None = None) -> list[ExchangeSummary]:
    return [_summarize(i) for i in select_interactions(cassette, ids)]


def render_json(cassette: Cassette, ids: Iterable[int] | None = None) -> str:
    """A JSON list of exchange summaries (see `vcrproxy.aiformats.ExchangeSummary`)."""
    items = []
    for s in summaries(cassette, ids):
        d = s.to_dict()
        d["duration"] = format_duration(s.duration_ns)
        items.append(d)
    # (controls a terminal obeys as JSON escapes: the output is often read in one)
    return json_safe(json.dumps(items, ensure_ascii=False, indent=2))


def show(
    path: str | os.PathLike[str],
    *,
    ids: Iterable[int] | None = None,
    as_json: bool = False,
    raw: bool = False,
    color: bool = False,
) -> str:
    """Load the cassette at `path` and render it (what `vcrproxy show` prints)."""
    from vcrproxy import load_cassette

    cassette = load_cassette(path)
    if cassette.path is None:
        cassette.path = os.fspath(path)
    if as_json:
        return render_json(cassette, ids)
    return render_cassette(cassette, ids=ids, raw=raw, color=color)
