"""`vcrproxy show --html OUT.html CASSETTE`: one self-contained page per cassette.

Each interaction is a conversation card (request messages, tools, answer, tool calls, tokens,
model, status); streamed responses get a timing chart from `vcrproxy_chunks`: time to first chunk
and to first token, and the cumulative share of the body over time, one point series per streamed
interaction. Inline CSS and SVG only: no script, no font, no network (a Content-Security-Policy of
`default-src 'none'` makes the browser refuse any load), light and dark (prefers-color-scheme),
long texts folded in <details>.

Rendered with Jinja2 (templates/report.html.j2), autoescaped: cassette text is never markup.
Functions: `render_report(cassette, title) -> str`, `write_report(cassette, path, title)`.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from vcrproxy.aiformats import UNKNOWN
from vcrproxy.cassette import Cassette
from vcrproxy.conversation import Conversation, conversation, format_duration, usage_text
from vcrproxy.store import atomic_write
from vcrproxy.websocket import WsSession, spoken_turns

from .show import _websocket

FOLD_CHARS = 700  # texts longer than this (or FOLD_LINES lines) start folded
FOLD_LINES = 12
PREVIEW_CHARS = 220

# Chart geometry (SVG user units).
CHART_W, CHART_H = 760, 260
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 14, 40
PALETTE = ("#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626",
           "#65a30d")


def _ms(ms: float | None) -> str:
    return "-" if ms is None else format_duration(round(ms * 1_000_000))


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = max(span, 1e-9) / ticks
    mag = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


@dataclass
class Series:
    ident: str
    label: str
    color: str
    points: list[tuple[float, float, str]]  # x, y in SVG units, tooltip
    line: str  # polyline "x,y x,y"
    first_token: tuple[float, float] | None
    estimated: bool  # no vcrproxy_chunks: one point at the headers time


@dataclass
class Chart:
    width: int = CHART_W
    height: int = CHART_H
    series: list[Series] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    plot: tuple[int, int, int, int] = (PAD_L, PAD_T, CHART_W - PAD_R, CHART_H - PAD_B)


def build_chart(convs: list[Conversation]) -> Chart | None:
    """The timing chart of the streamed interactions (None when there is none).

    x: ms since the end of the request (go-vcr's `duration` origin); y: share of the body
    received (cumulative bytes / body size). A stream recorded without `vcrproxy_chunks` (go-vcr
    itself keeps no chunk timing) is one hollow point at its headers time.
    """
    streamed = [c for c in convs if c.summary.streamed]
    if not streamed:
        return None
    raw: list[tuple[Conversation, list[tuple[float, float, int]]]] = []
    for conv in streamed:
        t = conv.timing
        if t is not None and t.total_bytes > 0:
            pts = [(at, total / t.total_bytes, total) for at, total in t.points]
        else:
            pts = [(conv.summary.duration_ns / 1e6, 1.0, 0)]
        raw.append((conv, pts))
    x_max = max(at for _, pts in raw for at, _, _ in pts) or 1.0
    step = _nice_step(x_max)
    x_top = step * max(1, -(-x_max // step))
    x0, y0, x1, y1 = PAD_L, PAD_T, CHART_W - PAD_R, CHART_H - PAD_B

    def sx(ms: float) -> float:
        return round(x0 + (x1 - x0) * ms / x_top, 1)

    def sy(share: float) -> float:
        return round(y1 - (y1 - y0) * share, 1)

    chart = Chart()
    chart.x_ticks = [(sx(k * step), _ms(k * step)) for k in range(int(x_top // step) + 1)]
    chart.y_ticks = [(sy(v / 100), f"{v}%") for v in (0, 25, 50, 75, 100)]
    for n, (conv, pts) in enumerate(raw):
        s = conv.summary
        ident = "?" if s.id is None else str(s.id)
        t = conv.timing
        estimated = t is None
        points = [
            (sx(at), sy(share),
             f"#{ident} at {_ms(at)}: {total} bytes ({share:.0%})" if not estimated
             else f"#{ident}: headers at {_ms(at)}, no chunk timing recorded")
            for at, share, total in pts
        ]
        line = " ".join(f"{x},{y}" for x, y, _ in points)
        first = None
        if t is not None and t.first_token_ms is not None:
            share = next((c / t.total_bytes for at, c in t.points if at >= t.first_token_ms), 1.0)
            first = (sx(t.first_token_ms), sy(share))
        label = f"#{ident} {s.model or s.provider}"
        if t is not None:
            label += f" · first chunk {_ms(t.first_chunk_ms)}"
            if t.first_token_ms is not None:
                label += f" · first token {_ms(t.first_token_ms)}"
            label += f" · {t.chunks} chunks"
        else:
            label += f" · headers {_ms(s.duration_ns / 1e6)} · no chunk timing"
        chart.series.append(Series(ident, label, PALETTE[n % len(PALETTE)], points, line, first,
                                   estimated))
    return chart


def _fold(text: str) -> dict[str, Any]:
    folded = len(text) > FOLD_CHARS or text.count("\n") >= FOLD_LINES
    preview = " ".join(text.split())
    if len(preview) > PREVIEW_CHARS:
        preview = preview[: PREVIEW_CHARS - 1].rstrip() + "…"
    return {"text": text, "folded": folded, "preview": preview, "chars": len(text)}


def _pretty(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), ensure_ascii=False, indent=2)
    except (ValueError, RecursionError):  # (JSON nested past Python's recursion limit)
        return arguments


def _client_messages(session: WsSession | None) -> list[dict[str, Any]]:
    """A WebSocket session's client messages as replay compares them (wsmatch.compared_text),
    and in their place the turns the user spoke (the server's transcript: `spoken_turns`)."""
    if session is None:
        return []
    from vcrproxy.wsmatch import compared_text  # (the body matcher: for WebSocket sessions only)

    spoken = dict(spoken_turns(session))
    out = []
    for n, m in enumerate(session.messages):
        if m.from_client:
            out.append({"role": "client", **_fold(compared_text(m))})
        if n in spoken:
            out.append({"role": "user", **_fold(f"(spoken) {spoken[n]}")})
    return out


def card(conv: Conversation, session: WsSession | None = None) -> dict[str, Any]:
    """The template's view of one interaction (`session`: its WebSocket session, if any)."""
    s = conv.summary
    t = conv.timing
    timing = [("headers", format_duration(s.duration_ns))]
    if t is not None:
        timing += [("first chunk", _ms(t.first_chunk_ms))]
        if t.first_token_ms is not None:
            timing += [("first token", _ms(t.first_token_ms))]
        timing += [("last chunk", _ms(t.last_chunk_ms)), ("chunks", str(t.chunks))]
    if s.streamed:
        timing += [("events", str(s.events))]
    model = s.request_model or ""
    if s.response_model and s.response_model != s.request_model:
        model = f"{model} → {s.response_model}" if model else s.response_model
    return {
        "id": "?" if s.id is None else s.id,
        "method": s.method,
        "url": s.url,
        "code": s.code,
        "status": s.status or str(s.code),
        "ok": 200 <= s.code < 300,
        "provider": s.provider,
        "known": s.provider != UNKNOWN,
        "streamed": s.streamed,
        "model": model,
        "messages": [{"role": m.role, **_fold(m.text)} for m in conv.request.messages]
        + _client_messages(session),
        "tools": conv.request.tools,
        "answer": _fold(s.text) if s.text else None,
        "reasoning": _fold(s.reasoning) if s.reasoning else None,
        "tool_calls": [{"name": c.name or "?", "id": c.id, "arguments": _pretty(c.arguments)}
                       for c in s.tool_calls],
        "error": s.error,
        "notice": s.notice,  # (a body too large to decode: not shown)
        "finish": s.finish_reason,
        "usage": usage_text(s.usage) if s.usage else None,
        "timing": timing,
    }


@functools.cache  # (one per process: Jinja's own cache lives in the Environment)
def _environment() -> Environment:
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
    return Environment(
        loader=FileSystemLoader(here),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(cassette: Cassette, title: str) -> str:
    """The HTML page of a cassette (a str; see the module docstring)."""
    convs = [conversation(i) for i in cassette.interactions]
    total_in = sum((c.summary.usage.input_tokens or 0) for c in convs if c.summary.usage)
    total_out = sum((c.summary.usage.output_tokens or 0) for c in convs if c.summary.usage)
    providers = sorted({c.summary.provider for c in convs if c.summary.provider != UNKNOWN})
    return _environment().get_template("report.html.j2").render(
        title=title,
        cards=[card(c, _websocket(i)) for c, i in zip(convs, cassette.interactions,
                                                     strict=True)],
        chart=build_chart(convs),
        count=len(convs),
        streamed=sum(1 for c in convs if c.summary.streamed),
        tokens=(total_in, total_out),
        providers=providers,
    )


def write_report(cassette: Cassette, path: str, title: str,
                 mask: Callable[[str], str] | None = None) -> None:
    """Write the page to `path` (UTF-8) in one go: a temporary file renamed over it. `mask`:
    applied to the page first (`show` passes `common.mask_text`)."""
    html = render_report(cassette, title)
    if mask is not None:
        html = mask(html)
    atomic_write(path, html.encode("utf-8", "backslashreplace"))  # (a lone surrogate)
