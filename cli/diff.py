"""`vcrproxy diff OLD NEW`: what changed between two versions of a cassette, for a reviewer.

Interactions are paired first by identical requests (the replay matcher's rule: method, URL,
body as JSON; a `<REDACTED>` in OLD matches anything), then, among the rest, by the same method,
host and path in order. Then:

- added / removed interactions, and the pairs whose order changed;
- request differences as JSON paths, rendered by `vcrproxy.matching` exactly like a replay miss
  explanation (with "old"/"new" for "recorded"/"live");
- a WebSocket session's client messages, compared in order as replay compares them (the
  default `--ws-ignore-json` paths left out, binary messages by type), what the user said
  aloud (the server's transcripts), and its close;
- answer changes (text, tool calls, finish reason, model, status, error);
- token deltas, and latency deltas (headers, first token, last chunk) unless `ignore_latency`.

Functions: `diff_cassettes(old, new, ignore_latency=False) -> CassetteDiff` (its `.lines()` is the
report, `.changed` the verdict). `vcrproxy.cli.main` adds the click command `diff` to its group.
"""

from __future__ import annotations

import bisect
import difflib
import re
import sys
from dataclasses import dataclass, field

import click

from vcrproxy.cassette import Cassette, Interaction
from vcrproxy.conversation import Conversation, conversation, format_duration
from vcrproxy.matching import Matcher, differences
from vcrproxy.terminal import clean as _clean
from vcrproxy.terminal import clean_line as _clean_line
from vcrproxy.terminal import joined
from vcrproxy.websocket import spoken_turns

from .common import NO_REDACT, Path, load_for_view, mask_text, redaction_options, view_redaction
from .plain import answers, close_text, response_body_text, title
from .show import _websocket

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_WORDS = {"recorded": "old", "live": "new"}


def relabel(text: str) -> str:
    """A miss explanation's "recorded"/"live" as "old"/"new", leaving quoted values alone."""
    out, pos = [], 0
    for m in _JSON_STRING.finditer(text):
        out.append(re.sub(r"\b(recorded|live)\b", lambda w: _WORDS[w.group(1)],
                          text[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(re.sub(r"\b(recorded|live)\b", lambda w: _WORDS[w.group(1)], text[pos:]))
    return "".join(out)


def _endpoint(i: Interaction) -> tuple[str, str]:
    url = i.request.url.split("?", 1)[0]
    return i.request.method.upper(), url


@dataclass
class Pair:
    old: Interaction
    new: Interaction
    same_request: bool


def pair_interactions(
    old: list[Interaction], new: list[Interaction]
) -> tuple[list[Pair], list[Interaction], list[Interaction]]:
    """(pairs in NEW's order, removed from OLD, added in NEW).

    First pass: the replay `Matcher` over OLD answers each NEW request (identical requests pair
    in order, each OLD interaction once). Second pass: the rest by method and URL path, in order.
    """
    matcher = Matcher(old)
    index = {id(item): k for k, item in enumerate(old)}
    matched: dict[int, tuple[int, bool]] = {}  # new index -> (old index, same request)
    for n, item in enumerate(new):
        found = matcher.find(item.request)
        if found is not None:
            matched[n] = (index[id(found)], True)
    taken = {o for o, _ in matched.values()}
    by_endpoint: dict[tuple[str, str], list[int]] = {}
    for o, item in enumerate(old):
        if o not in taken:
            by_endpoint.setdefault(_endpoint(item), []).append(o)
    for n, item in enumerate(new):
        if n not in matched and by_endpoint.get(_endpoint(item)):
            matched[n] = (by_endpoint[_endpoint(item)].pop(0), False)
    taken = {o for o, _ in matched.values()}
    pairs = [Pair(old[matched[n][0]], new[n], matched[n][1]) for n in sorted(matched)]
    added = [item for n, item in enumerate(new) if n not in matched]
    removed = [item for o, item in enumerate(old) if o not in taken]
    return pairs, removed, added


def _moved(pairs: list[Pair], old: list[Interaction]) -> set[int]:
    """Indexes into `pairs` outside a longest run kept in OLD's order (what "moved"); the
    patience-sorting longest increasing subsequence, O(n log n)."""
    pos = {id(i): k for k, i in enumerate(old)}
    seq = [pos[id(p.old)] for p in pairs]
    tails: list[int] = []  # tails[L]: index in seq ending the best run of length L+1
    values: list[int] = []  # seq[tails[L]], for bisect
    back: list[int | None] = []
    for k, v in enumerate(seq):
        length = bisect.bisect_left(values, v)
        back.append(tails[length - 1] if length else None)
        if length == len(tails):
            tails.append(k)
            values.append(v)
        else:
            tails[length] = k
            values[length] = v
    keep: set[int] = set()
    at = tails[-1] if tails else None
    while at is not None:
        keep.add(at)
        at = back[at]
    return {k for k in range(len(pairs)) if k not in keep}


def _delta(a: int | None, b: int | None) -> str:
    if a is None and b is None:
        return ""
    if a is None or b is None:
        return f"{a if a is not None else '-'} -> {b if b is not None else '-'}"
    return f"{a} -> {b} ({b - a:+d})" if a != b else f"{a}"


def _ms_delta(a: float | None, b: float | None) -> str | None:
    if a is None or b is None:
        return None
    sign = "+" if b >= a else "-"
    return (
        f"{format_duration(round(a * 1e6))} -> {format_duration(round(b * 1e6))} "
        f"({sign}{format_duration(round(abs(b - a) * 1e6))})"
    )


def _text_diff(old: str, new: str) -> list[str]:
    a, b = _clean(old, keep_cr=True).split("\n"), _clean(new, keep_cr=True).split("\n")
    if len(a) == 1 and len(b) == 1:
        return [f"    - {a[0]}", f"    + {b[0]}"]
    body = list(difflib.unified_diff(a, b, lineterm="", n=1))[2:]  # drop the ---/+++ header
    return ["    " + line for line in body]


def _calls(conv: Conversation) -> list[str]:
    return [f"{c.name or '?'}({c.arguments})" for c in conv.summary.tool_calls]


def _websocket_lines(old: Interaction, new: Interaction, servers: bool = False) -> list[str]:
    """How NEW's WebSocket client messages and close differ from OLD's (empty when neither is a
    session, or they match as replay would match them); `servers`: the server's messages too."""
    a, b = _websocket(old), _websocket(new)
    if a is None and b is None:
        return []
    from vcrproxy.wsmatch import DEFAULT_WS_MATCH, compared_text, message_differences

    out: list[str] = []
    # The client's messages are the request; the server's are compared too when the session
    # holds no answer the views read (`answers`: a transcription or speech socket), as an
    # HTTP exchange's response body is then (binary ones byte for byte).
    sides = [("client", True)]
    if servers:
        sides.append(("server", False))
    for side, from_client in sides:
        sa = [m for m in a.messages if m.from_client == from_client] if a is not None else []
        sb = [m for m in b.messages if m.from_client == from_client] if b is not None else []
        for n in range(max(len(sa), len(sb))):
            if n >= len(sb):
                out.append(f"    {side} message {n + 1} removed: "
                           f"{_clean(compared_text(sa[n]))}")
            elif n >= len(sa):
                out.append(f"    {side} message {n + 1} added: {_clean(compared_text(sb[n]))}")
            else:
                diffs = message_differences(sa[n], sb[n].text, sb[n].payload,
                                            DEFAULT_WS_MATCH, not from_client)
                out += [f"    {side} message {n + 1}: {relabel(d.removeprefix('message: '))}"
                        for d in diffs]
    heard = ["\n".join(t for _, t in spoken_turns(s)) if s is not None else "" for s in (a, b)]
    if heard[0] != heard[1]:  # (what the user said aloud: its audio is no compared text)
        out.append("    spoken (transcribed):")
        out += ["  " + line for line in _text_diff(heard[0] or "(none)", heard[1] or "(none)")]
    ca, cb = (a.close if a else None), (b.close if b else None)
    if (ca and (ca.code, ca.from_client, ca.reason)) != (cb and (cb.code, cb.from_client,
                                                               cb.reason)):
        out.append(f"    close: {close_text(ca)} -> {close_text(cb)}")
    return ["  websocket:", *out] if out else []


def pair_lines(p: Pair, *, ignore_latency: bool) -> list[str]:
    """The differences of one pair (empty when none)."""
    a, b = conversation(p.old), conversation(p.new)
    sa, sb = a.summary, b.summary
    out: list[str] = []
    if not p.same_request:
        out.append("  request:")
        out += [f"    {relabel(d)}" for d in differences(p.new.request, p.old.request)]
    out += _websocket_lines(p.old, p.new, servers=not (answers(a) or answers(b)))
    if (sa.code, sa.status) != (sb.code, sb.status):
        out.append(f"  status: {sa.status or sa.code} -> {sb.status or sb.code}")
    if sa.model != sb.model:
        out.append(f"  model: {sa.model or '-'} -> {sb.model or '-'}")
    if sa.text != sb.text:
        out.append("  answer:")
        out += _text_diff(sa.text, sb.text)
    if _calls(a) != _calls(b):
        out.append("  tool calls:")
        out += _text_diff("\n".join(_calls(a)) or "(none)", "\n".join(_calls(b)) or "(none)")
    if sa.reasoning != sb.reasoning:
        out.append("  reasoning changed")
    if not (answers(a) or answers(b)):  # (an embeddings vector, a tool's JSON, a file)
        ba, bb = response_body_text(p.old), response_body_text(p.new)
        if ba != bb:
            out.append("  response body:")
            out += _text_diff(ba or "(none)", bb or "(none)")
    if sa.error != sb.error:
        out.append(f"  error: {_clean(sa.error or '-')} -> {_clean(sb.error or '-')}")
    if sa.finish_reason != sb.finish_reason:
        out.append(f"  finish: {sa.finish_reason or '-'} -> {sb.finish_reason or '-'}")
    ua, ub = sa.usage, sb.usage
    tokens = []
    for label, name in (("in", "input_tokens"), ("out", "output_tokens"),
                        ("total", "total_tokens"), ("cached", "cached_tokens"),
                        ("cache write", "cache_creation_tokens"),
                        ("reasoning", "reasoning_tokens")):
        x = getattr(ua, name) if ua else None
        y = getattr(ub, name) if ub else None
        if x != y:
            tokens.append(f"{label} {_delta(x, y)}")
    if tokens:
        out.append("  tokens: " + ", ".join(tokens))
    if not ignore_latency:
        ta, tb = a.timing, b.timing
        lat = []
        if sa.duration_ns != sb.duration_ns:
            lat.append("headers " + (_ms_delta(sa.duration_ns / 1e6, sb.duration_ns / 1e6) or ""))
        for label, name in (("first token", "first_token_ms"), ("last chunk", "last_chunk_ms")):
            x = getattr(ta, name) if ta else None
            y = getattr(tb, name) if tb else None
            if x != y and (text := _ms_delta(x, y)):
                lat.append(f"{label} {text}")
        if lat:
            out.append("  latency: " + ", ".join(lat))
    return out


@dataclass
class CassetteDiff:
    old: Cassette
    new: Cassette
    ignore_latency: bool = False
    report: list[str] = field(default_factory=list)
    changed: bool = False

    def lines(self) -> list[str]:
        return self.report


def diff_cassettes(old: Cassette, new: Cassette, *, ignore_latency: bool = False) -> CassetteDiff:
    """Compare two cassettes; `.changed` is False only when nothing reportable differs."""
    pairs, removed, added = pair_interactions(old.interactions, new.interactions)
    moved = _moved(pairs, old.interactions)
    lines: list[str] = []
    changed_pairs = 0
    touched: list[Pair] = []
    for k, p in enumerate(pairs):
        body = pair_lines(p, ignore_latency=ignore_latency)
        if body:
            changed_pairs += 1
            touched.append(p)
        if k in moved:
            body.insert(0, f"  moved: was #{p.old.id} (position "
                           f"{old.interactions.index(p.old) + 1}), now position "
                           f"{new.interactions.index(p.new) + 1}")
        if body:
            head = f"~ #{p.old.id} -> #{p.new.id}" if p.old.id != p.new.id else f"~ #{p.new.id}"
            lines.append(f"{head} {p.new.request.method} {_clean_line(p.new.request.url)}")
            lines += body
    for item in removed:
        conv = conversation(item)
        lines.append(f"- {title(conv)} (removed)")
        if conv.summary.text:
            lines.append(f"    answer was: {_clean(conv.summary.text).splitlines()[0]}")
    for item in added:
        conv = conversation(item)
        lines.append(f"+ {title(conv)} (added)")
        if conv.summary.text:
            lines.append(f"    answer: {_clean(conv.summary.text).splitlines()[0]}")
    result = CassetteDiff(old, new, ignore_latency)
    unchanged = len(pairs) - len(moved | {k for k, p in enumerate(pairs) if p in touched})
    result.changed = bool(lines)
    summary = (
        f"{changed_pairs} changed, {len(added)} added, {len(removed)} removed, "
        f"{len(moved)} moved, {unchanged} unchanged"
    )
    result.report = [*lines, summary if lines else f"no differences ({summary})"]
    return result


# -- the command ---------------------------------------------------------------------------------


class DiffError(click.ClickException):
    exit_code = 2  # 1 means "they differ", as for diff(1)


@click.command()
@click.argument("old", type=Path(dir_okay=False))
@click.argument("new", type=Path(dir_okay=False))
@click.option("--ignore-latency", is_flag=True,
              help="Do not report (or count) changes of headers time, first token, last chunk.")
@NO_REDACT
@redaction_options
def diff(old: str, new: str, ignore_latency: bool, no_redact: bool, **kw) -> None:
    """What changed from cassette OLD to NEW: interactions added, removed or moved, request
    differences as JSON paths, answer, token and latency changes. Exit 0 when equal, 1 when
    they differ, 2 on error."""
    config = view_redaction(kw, no_redact, DiffError)  # (a bad rule: exit 2, an error)
    a = load_for_view(old, DiffError, redact=not no_redact, config=config)
    b = load_for_view(new, DiffError, redact=not no_redact, config=config)
    result = diff_cassettes(a, b, ignore_latency=ignore_latency)
    text = joined([f"--- {old} ({len(a.interactions)} interactions)",
                   f"+++ {new} ({len(b.interactions)} interactions)", *result.lines()])
    click.echo(text if no_redact else mask_text(text, config))
    sys.exit(1 if result.changed else 0)
