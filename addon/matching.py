"""Replay matching, in the style of vcrpy's `vcr/matchers.py`.

Each part of two cassette `Request`s, the live one and a recorded one, is compared on its own;
`differences` lists the parts that disagree ("path: recorded /a vs live /b"). `MatchConfig.on`
picks the parts; `Matcher` finds the recorded interaction answering a live request.

Redacted values in the RECORDED request match anything: a header value `<REDACTED>` or
`Bearer <REDACTED>`, a query value, a JSON string holding the marker (the marker is a wildcard
inside that string), the marker inside a non-JSON body, even the marker inside the URL path.

Which interaction answers (`Matcher.find`): the first unused matching interaction in cassette
order, which is then used. So identical requests get successive recordings, each once (go-vcr,
VCR.py). With `allow_repeats`, once every matching interaction is used the LAST matching one
answers again, as often as asked: a polled status replays its final state. (go-vcr and VCR.py
repeat the first match instead.)
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import decoders, forms
from .cassette import REDACTED, Interaction, Request
from .hosts import ascii_host, split_netloc
from .redaction import (
    DEFAULT_REDACTION,
    RedactionConfig,
    redact_text,
    redact_url,
    secret_values,
    split_names,
)
from .terminal import TOKEN_BYTES, cut_text, run_after

PARTS = ("method", "scheme", "host", "path", "query", "body", "headers")
DEFAULT_ON = ("method", "scheme", "host", "path", "query", "body")
_ALIASES = {"url": ("scheme", "host", "path", "query"), "uri": ("scheme", "host", "path", "query")}
_BUCKET_PARTS = ("method", "host", "path")  # indexed: find() only looks at one bucket
_DEFAULT_PORTS = {("https", "443"), ("http", "80"), ("wss", "443"), ("ws", "80")}
_MARKER_B = REDACTED.encode()
# ...and as redaction writes it into a UTF-16 text body (redaction._utf16_spans).
_MARKERS_B = (_MARKER_B, REDACTED.encode("utf-16-le"), REDACTED.encode("utf-16-be"))
_MAX_JSON_DIFFS = 5
_SHORT = 60


# -- JSON paths ----------------------------------------------------------------------------------


class _Star:
    def __repr__(self) -> str:
        return "*"


STAR = _Star()
_SEGMENT = re.compile(
    r"""\.?(?:(?P<name>[^.\[\]'"]+)|\[\s*(?:(?P<index>-?\d+)|(?P<star>\*)|'(?P<sq>[^']*)'"""
    r"""|"(?P<dq>[^"]*)")\s*\])"""
)


@lru_cache(maxsize=512)
def parse_json_path(text: str) -> tuple[str | int | _Star, ...]:
    """`metadata`, `$.user`, `messages[*].id`, `a.b[0]`, `$['odd.key']` -> segments.

    A name is a dict key (`*` any key), `[n]` a list index, `[*]` any item or key.
    """
    s = text.strip()
    if s.startswith("$"):
        s = s[1:]
    segments: list[str | int | _Star] = []
    pos = 0
    while pos < len(s):
        m = _SEGMENT.match(s, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"bad JSON path {text!r} at {s[pos:]!r}")
        if m["name"] is not None:
            segments.append(STAR if m["name"] == "*" else m["name"])
        elif m["index"] is not None:
            segments.append(int(m["index"]))
        elif m["star"] is not None:
            segments.append(STAR)
        else:
            segments.append(m["sq"] if m["sq"] is not None else m["dq"])
        pos = m.end()
    if not segments:
        raise ValueError(f"JSON path {text!r} would ignore the whole body")
    return tuple(segments)


def _prune(value: Any, segments: tuple) -> None:
    """Remove what `segments` names: dict keys are deleted (absent equals ignored), list items
    become None (so the other indices keep their place)."""
    head, rest = segments[0], segments[1:]
    if isinstance(value, dict):
        if head is STAR:
            keys = list(value)
        elif isinstance(head, int):
            keys = [str(head)] if str(head) in value else []
        else:
            keys = [head] if head in value else []
        for k in keys:
            if rest:
                _prune(value[k], rest)
            else:
                del value[k]
    elif isinstance(value, list):
        if head is STAR:
            indices: Iterable[int] = range(len(value))
        elif isinstance(head, int) and -len(value) <= head < len(value):
            indices = [head]
        else:
            indices = []
        for i in indices:
            if rest:
                _prune(value[i], rest)
            else:
                value[i] = None


def _path_text(path: tuple) -> str:
    out = "$"
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", seg):
            out += f".{seg}"
        else:
            out += f"[{json.dumps(seg, ensure_ascii=False)}]"
    return out


# -- the config ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchConfig:
    """What a live request must share with a recording.

    `on`: parts compared (`url` = scheme, host, path, query). `ignore_json_paths`: body paths left
    out. `ignore_query`: query parameters left out (case-insensitive). `headers`: request headers
    compared (case-insensitive; naming any adds `headers` to `on`). `allow_repeats`: see module doc.
    Every field accepts a comma-separated string too.
    """

    on: tuple[str, ...] = DEFAULT_ON
    ignore_json_paths: tuple[str, ...] = ()
    ignore_query: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    allow_repeats: bool = False

    def __post_init__(self) -> None:
        wanted: set[str] = set()
        for name in split_names(self.on):
            name = name.lower()
            if name in _ALIASES:
                wanted.update(_ALIASES[name])
            elif name in PARTS:
                wanted.add(name)
            else:
                choices = ", ".join((*PARTS, "url"))
                raise ValueError(f"unknown match part {name!r}: choose from {choices}")
        headers = tuple(dict.fromkeys(h.lower() for h in split_names(self.headers)))
        if headers:
            wanted.add("headers")
        elif "headers" in wanted:  # (no name: the part would always be equal, a silent match)
            raise ValueError("match part 'headers' compares the headers --match-headers names "
                             "(vcr_match_headers): name them there")
        paths = split_names(self.ignore_json_paths)
        for p in paths:
            parse_json_path(p)  # raises ValueError early
        object.__setattr__(self, "on", tuple(p for p in PARTS if p in wanted))
        object.__setattr__(self, "ignore_json_paths", paths)
        object.__setattr__(
            self,
            "ignore_query",
            tuple(dict.fromkeys(q.lower() for q in split_names(self.ignore_query))),
        )
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "allow_repeats", bool(self.allow_repeats))

    @classmethod
    def from_strings(
        cls,
        on: str | Iterable[str] | None = None,
        ignore_json_paths: str | Iterable[str] | None = None,
        ignore_query: str | Iterable[str] | None = None,
        headers: str | Iterable[str] | None = None,
        allow_repeats: bool = False,
    ) -> MatchConfig:
        """From CLI strings, e.g. on="method,url,body", ignore_json_paths="metadata,messages[*].id".
        None or "" keeps the default (for `on`) or nothing (for the lists)."""
        return cls(
            on=on if split_names(on) else DEFAULT_ON,
            ignore_json_paths=ignore_json_paths or (),
            ignore_query=ignore_query or (),
            headers=headers or (),
            allow_repeats=allow_repeats,
        )

    @cached_property
    def _json_paths(self) -> tuple[tuple, ...]:
        return tuple(parse_json_path(p) for p in self.ignore_json_paths)


DEFAULT_MATCH = MatchConfig()


# -- a request taken apart once ------------------------------------------------------------------

_NO_JSON = object()


def _parse_float(text: str) -> float | int:
    # 1.0 and 1 are the same JSON number (Go writes 1, Python 1.0): integral floats become ints.
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _has_marker(value: Any) -> bool:
    if isinstance(value, str):
        return REDACTED in value
    if isinstance(value, dict):
        return any(_has_marker(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_marker(v) for v in value)
    return False


def _wild_match(pieces: list, text) -> bool:
    """`text` equals the pieces joined by anything (the marker split the recorded value)."""
    if len(pieces) == 1:
        return text == pieces[0]
    first, last = pieces[0], pieces[-1]
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    pos, end = len(first), len(text) - len(last)
    for piece in pieces[1:-1]:
        found = text.find(piece, pos, end)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def _wild_str(recorded: str, live: str) -> bool:
    if REDACTED not in recorded:
        return recorded == live
    return _wild_match(recorded.split(REDACTED), live)


class _Body:
    """A body in comparable form, by its content type: a urlencoded form is a multiset of
    (name, value) pairs (`ignored` names left out, as in the query); a multipart body a list of
    parts (name, filename, part headers, body; the boundary is not compared); JSON is compared
    as JSON (`paths` left out); anything else as bytes with CRLF normalised."""

    __slots__ = ("raw", "json", "key", "wild", "pieces", "kind", "pairs", "parts")

    def __init__(
        self,
        data: bytes,
        paths: tuple[tuple, ...],
        content_type: str = "",
        ignored: tuple[str, ...] = (),
    ) -> None:
        self.raw = data.replace(b"\r\n", b"\n")
        self.json: Any = _NO_JSON
        self.pieces = None
        self.kind = "raw"
        if content_type and forms.is_form(content_type):
            self.kind = "form"
            pairs = forms.form_pairs(data)
            self.pairs = tuple(sorted(p for p in pairs if p[0].lower() not in ignored))
            self.key: tuple = ("form", self.pairs)
            self.wild = any(REDACTED in v for _, v in self.pairs)
            return
        if content_type and forms.is_multipart(content_type):
            parts = forms.multipart_parts(content_type, data)
            if parts is not None:
                self.kind = "multipart"
                # (a JSON part is compared with the same paths left out as a JSON body: an
                # upload's metadata part holds the same volatile fields)
                self.parts = tuple(
                    (part, _Body(part.body, paths, part.content_type))
                    for part in parts
                    if (part.name or "").lower() not in ignored
                )
                self.key = (
                    "multipart",
                    tuple((p.name, p.filename, p.headers, b.key) for p, b in self.parts),
                )
                self.wild = any(
                    b.wild or any(REDACTED in v for _, v in p.headers) for p, b in self.parts
                )
                return
        if self.raw.lstrip()[:1] in (b"{", b"["):
            try:
                self.json = json.loads(self.raw, parse_float=_parse_float)
            except (ValueError, RecursionError):
                pass
        if self.json is not _NO_JSON:
            self.kind = "json"
            for p in paths:
                _prune(self.json, p)
            canonical = json.dumps(
                self.json, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )
            self.key = ("json", canonical)
            self.wild = b"REDACTED" in self.raw and _has_marker(self.json)
        else:
            self.key = ("raw", self.raw)
            marker = next((m for m in _MARKERS_B if m in self.raw), _MARKER_B)
            self.wild = marker in self.raw
        self.pieces = self.raw.split(marker) if self.wild and self.json is _NO_JSON else None


def _host_of(split, request: Request, scheme: str) -> str:
    netloc = split.netloc.rpartition("@")[2] or request.host
    host, port = split_netloc(netloc)
    host = ascii_host(host.lower().rstrip("."))  # (an IDN host: its IDNA, written either way)
    if not port or (scheme, port) in _DEFAULT_PORTS:
        return host
    return f"{host}:{port}"


_ENCODED_SLASH = re.compile(r"%2[fF]")


def _path_form(path: str) -> str:
    """A URL path as compared: percent-decoded (`%7E` and `~` are one character to a server),
    except an encoded slash, which stays `%2F`: inside a segment it is part of a name
    (`/models/org%2Fmodel` is one resource, `/models/org/model` another; RFC 3986 2.2)."""
    # (a `%` that decoding makes is written `%25` again: `a%252Fb`, a literal "%2F" in a name,
    # must not become the encoded slash of `a%2Fb`)
    return "%2F".join(unquote(piece).replace("%", "%25")
                      for piece in _ENCODED_SLASH.split(path)) or "/"


class Prepared:
    """A request's parts in comparable form, computed once (lazily) for one config."""

    def __init__(self, request: Request, config: MatchConfig) -> None:
        self.request = request
        self.config = config
        split = urlsplit(request.url)
        self._query_string = split.query
        self.method = request.method.upper()
        self.scheme = split.scheme.lower()
        self.host = _host_of(split, request, self.scheme)
        self.path = _path_form(split.path)
        self.path_wild = REDACTED in self.path
        on = config.on
        self.bucket = tuple(getattr(self, p) if p in on else None for p in _BUCKET_PARTS)

    @cached_property
    def query(self) -> tuple[tuple[str, str], ...]:
        ignored = self.config.ignore_query
        pairs = parse_qsl(self._query_string, keep_blank_values=True)
        return tuple(sorted(p for p in pairs if p[0].lower() not in ignored))

    @cached_property
    def query_wild(self) -> bool:
        return any(REDACTED in v for _, v in self.query)

    @cached_property
    def body(self) -> _Body:
        data = self.request.body_bytes
        m = self.header_map
        coding = ",".join(m.get("content-encoding", ()))
        if coding and data:
            # A cassette that kept an encoded request body (ours store it decoded): compare
            # what it says, not bytes that change with each gzip timestamp.
            try:
                data = decoders.decode(data, coding)
            except ValueError:
                pass
        ctype = (m.get("content-type") or [""])[0]  # (`Content-Type: []` in a cassette)
        return _Body(data, self.config._json_paths, ctype, self.config.ignore_query)

    @cached_property
    def header_map(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, values in self.request.headers.items():
            out.setdefault(name.lower(), []).extend(values)
        return out

    @cached_property
    def headers(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        m = self.header_map
        return tuple((h, tuple(m.get(h, ()))) for h in self.config.headers)

    @cached_property
    def headers_wild(self) -> bool:
        return any(REDACTED in v for _, values in self.headers for v in values)

    def key(self, part: str):
        if part == "body":
            return self.body.key
        return getattr(self, part)

    def wild(self, part: str) -> bool:
        if part == "query":
            return self.query_wild
        if part == "body":
            return self.body.wild
        if part == "headers":
            return self.headers_wild
        if part == "path":
            return self.path_wild
        return False


def prepare(request: Request | Prepared, config: MatchConfig = DEFAULT_MATCH) -> Prepared:
    if isinstance(request, Prepared):
        if request.config is config:
            return request
        request = request.request
    return Prepared(request, config)


# -- comparing parts -----------------------------------------------------------------------------


def _json_equal(recorded: Any, live: Any) -> bool:
    """Whether the live JSON value matches the recorded one (a recorded `<REDACTED>` string or
    wildcard matches any live string). Iterative: a body nested ~990 levels deep (which
    json.loads takes) overflowed the recursion, in a hook and in `diff`."""
    pending = [(recorded, live)]
    while pending:
        recorded, live = pending.pop()
        if isinstance(recorded, str):
            if not (recorded == REDACTED or (isinstance(live, str)
                                             and _wild_str(recorded, live))):
                return False
        elif isinstance(recorded, dict):
            if not isinstance(live, dict) or recorded.keys() != live.keys():
                return False
            pending.extend((v, live[k]) for k, v in recorded.items())
        elif isinstance(recorded, list):
            if not isinstance(live, list) or len(recorded) != len(live):
                return False
            pending.extend(zip(recorded, live, strict=True))
        elif isinstance(recorded, bool) or isinstance(live, bool):
            if recorded is not live:
                return False
        elif isinstance(live, str | dict | list) or recorded != live:
            return False
    return True


def _query_leftovers(live: Prepared, recorded: Prepared) -> tuple[Counter, Counter]:
    return _pair_leftovers(live.query, recorded.query)


def _pair_leftovers(live_pairs: Iterable, recorded_pairs: Iterable) -> tuple[Counter, Counter]:
    """Pairs of each side no pair of the other accounts for (a recorded marker value accepts any
    live value of the same name)."""
    live_left, rec_left = Counter(live_pairs), Counter(recorded_pairs)
    common = live_left & rec_left
    live_left -= common
    rec_left -= common
    for (name, value), count in list(rec_left.items()):
        if REDACTED not in value:
            continue
        for _ in range(count):
            hit = next(
                (
                    pair
                    for pair in live_left
                    if pair[0] == name and live_left[pair] > 0 and _wild_str(value, pair[1])
                ),
                None,
            )
            if hit is None:
                break
            live_left[hit] -= 1
            rec_left[(name, value)] -= 1
    return +live_left, +rec_left


def _headers_equal(live: Prepared, recorded: Prepared) -> bool:
    for (_, rec_values), (_, live_values) in zip(recorded.headers, live.headers, strict=True):
        if len(rec_values) != len(live_values):
            return False
        if not all(map(_wild_str, rec_values, live_values)):
            return False
    return True


def _body_equal(live: Prepared, recorded: Prepared) -> bool:
    return _bodies_equal(recorded.body, live.body)


def _bodies_equal(rb: _Body, lb: _Body) -> bool:
    if not rb.wild:
        return rb.key == lb.key
    if rb.kind == "form":
        if lb.kind != "form":
            return False
        live_left, rec_left = _pair_leftovers(lb.pairs, rb.pairs)
        return not live_left and not rec_left
    if rb.kind == "multipart":
        return (
            lb.kind == "multipart"
            and len(rb.parts) == len(lb.parts)
            and all(_parts_equal(r, v) for r, v in zip(rb.parts, lb.parts, strict=True))
        )
    if rb.json is not _NO_JSON:
        return lb.json is not _NO_JSON and _json_equal(rb.json, lb.json)
    return _wild_match(rb.pieces, lb.raw)


def _part_headers_equal(recorded: forms.Part, live: forms.Part) -> bool:
    return len(recorded.headers) == len(live.headers) and all(
        r[0] == v[0] and _wild_str(r[1], v[1])
        for r, v in zip(recorded.headers, live.headers, strict=True)
    )


def _parts_equal(recorded: tuple[forms.Part, _Body], live: tuple[forms.Part, _Body]) -> bool:
    (rp, rb), (lp, lb) = recorded, live
    return (
        rp.name == lp.name
        and rp.filename == lp.filename
        and _part_headers_equal(rp, lp)
        and _bodies_equal(rb, lb)
    )


def part_equal(part: str, live: Prepared, recorded: Prepared) -> bool:
    """Whether one part agrees (recorded markers are wildcards)."""
    if not recorded.wild(part):
        return live.key(part) == recorded.key(part)
    if part == "body":
        return _body_equal(live, recorded)
    if part == "query":
        live_left, rec_left = _query_leftovers(live, recorded)
        return not live_left and not rec_left
    if part == "headers":
        return _headers_equal(live, recorded)
    if part == "path":
        return _wild_str(recorded.path, live.path)
    return live.key(part) == recorded.key(part)


# -- describing differences ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Shown:
    """What a miss text is masked with: the session's rules and the values the requests name as
    secrets (`secret_values`). Applied to a text before it is cut (`cut_text`): what is left of
    a key or a value cut short is no longer recognised."""

    config: RedactionConfig
    values: tuple[str, ...] = ()

    def mask(self, text: str) -> str:
        return redact_text(text, self.config, self.values)


def _short(value: Any, shown: _Shown) -> str:
    try:
        return cut_text(shown.mask(json.dumps(value, ensure_ascii=False)), _SHORT)
    except RecursionError:  # (nested past the limit; repr would fail the same way)
        return f"(a {type(value).__name__} nested too deep to show)"


def _json_diffs(recorded: Any, live: Any, path: tuple, out: list[str], shown: _Shown) -> None:
    """A line per differing JSON path, in document order. Iterative, as `_json_equal`."""
    tasks: list[tuple[Any, Any, tuple] | str] = [(recorded, live, path)]
    while tasks:
        task = tasks.pop()
        if isinstance(task, str):
            out.append(task)
            continue
        recorded, live, path = task
        if _json_equal(recorded, live):
            continue
        where = _path_text(path)
        todo: list[tuple[Any, Any, tuple] | str] = []
        if isinstance(recorded, dict) and isinstance(live, dict):
            for k, v in recorded.items():
                if k not in live:
                    todo.append(f"{_path_text((*path, k))} only in recorded ({_short(v, shown)})")
                else:
                    todo.append((v, live[k], (*path, k)))
            todo += [f"{_path_text((*path, k))} only in live ({_short(v, shown)})"
                     for k, v in live.items() if k not in recorded]
        elif isinstance(recorded, list) and isinstance(live, list):
            todo += [(r, v, (*path, i))
                     for i, (r, v) in enumerate(zip(recorded, live, strict=False))]
            if len(recorded) != len(live):
                todo.append(f"{where} has {len(recorded)} items recorded vs {len(live)} live")
        elif isinstance(recorded, str) and isinstance(live, str):
            todo.append(f"{where} differs: recorded {_window(recorded, live, shown)} vs live "
                        f"{_window(live, recorded, shown)}")
        else:
            todo.append(f"{where} differs: recorded {_short(recorded, shown)} vs live "
                        f"{_short(live, shown)}")
        tasks.extend(reversed(todo))


def _window(text: str, other: str, shown: _Shown) -> str:
    """`text` quoted; when long, the part around where it first differs from `other`. Keys are
    masked before it is cut: a key cut short has lost its shape."""
    text, other = shown.mask(text), shown.mask(other)
    if len(json.dumps(text, ensure_ascii=False)) <= _SHORT:
        return json.dumps(text, ensure_ascii=False)
    at = next((i for i, (a, b) in enumerate(zip(text, other, strict=False)) if a != b), None)
    if at is None:
        at = min(len(text), len(other))
    start = run_after(text, max(at - 20, 0), at)
    quoted = cut_text(json.dumps(text[start:], ensure_ascii=False), _SHORT)
    return ("…" if start else "") + quoted


def _text_context(data: bytes, at: int) -> str:
    """Up to 20 bytes before `at` and 30 from it, quoted. A run of key characters the window
    cuts at either edge is left out: the part of a secret no redaction can recognise (a
    password's tail, where its whole value is what is masked)."""
    start, end = max(at - 20, 0), min(at + 30, len(data))
    while 0 < start < at and data[start - 1] in TOKEN_BYTES and data[start] in TOKEN_BYTES:
        start += 1
    while at + 1 < end < len(data) and data[end - 1] in TOKEN_BYTES \
            and data[end] in TOKEN_BYTES:
        end -= 1
    snippet = data[start:end].decode("utf-8", "replace")
    if not snippet:
        return "(end)"
    return ("…" if start else "") + json.dumps(snippet, ensure_ascii=False)


def _body_diff(live: Prepared, recorded: Prepared, shown: _Shown) -> list[str]:
    return _bodies_diff(recorded.body, live.body, "body", shown)


_KIND_NAMES = {"form": "a urlencoded form", "multipart": "multipart", "json": "JSON"}


def _bodies_diff(rb: _Body, lb: _Body, where: str, shown: _Shown) -> list[str]:
    """What differs between two bodies, each line starting with `where` ("body",
    `body: part "file"`)."""
    if rb.kind != lb.kind and {rb.kind, lb.kind} & {"form", "multipart"}:
        rk, lk = _KIND_NAMES.get(rb.kind, "not"), _KIND_NAMES.get(lb.kind, "not")
        return [f"{where}: recorded is {rk}, live is {lk}"]
    if rb.kind == "form":
        return _pairs_diff(lb.pairs, rb.pairs, f"{where}: form", shown)
    if rb.kind == "multipart":
        return _multipart_diff(rb, lb, where, shown)
    if rb.json is not _NO_JSON and lb.json is not _NO_JSON:
        diffs: list[str] = []
        _json_diffs(rb.json, lb.json, (), diffs, shown)
        lines = [f"{where}: {d}" for d in diffs[:_MAX_JSON_DIFFS]]
        if len(diffs) > _MAX_JSON_DIFFS:
            lines.append(f"{where}: and {len(diffs) - _MAX_JSON_DIFFS} more differing JSON paths")
        return lines or [f"{where}: differs"]
    if rb.json is not _NO_JSON or lb.json is not _NO_JSON:
        which = "recorded" if rb.json is not _NO_JSON else "live"
        other = "live" if which == "recorded" else "recorded"
        data = lb.raw if other == "live" else rb.raw
        if not data:
            return [f"{where}: {which} is JSON, {other} is empty"]
        return [f"{where}: {which} is JSON, {other} is not ({_text_context(data, 0)})"]
    if not rb.raw or not lb.raw:
        empty, full = ("recorded", lb) if not rb.raw else ("live", rb)
        return [f"{where}: {empty} is empty, the other has {len(full.raw)} bytes"]
    if rb.wild:
        return [
            f"{where}: live ({len(lb.raw)} bytes) does not fit the recorded body with "
            f"{len(rb.pieces) - 1} redacted part(s)"
        ]
    at = next(
        (i for i, (a, b) in enumerate(zip(rb.raw, lb.raw, strict=False)) if a != b),
        min(len(rb.raw), len(lb.raw)),
    )
    return [
        f"{where}: differs at byte {at}: recorded {_text_context(rb.raw, at)} "
        f"vs live {_text_context(lb.raw, at)}"
    ]


def _multipart_diff(rb: _Body, lb: _Body, where: str, shown: _Shown) -> list[str]:
    rec_names = [p.label(i) for i, (p, _) in enumerate(rb.parts)]
    live_names = [p.label(i) for i, (p, _) in enumerate(lb.parts)]
    if len(rb.parts) != len(lb.parts) or [p.name for p, _ in rb.parts] != [
        p.name for p, _ in lb.parts
    ]:
        only_rec = [n for n in rec_names if n not in live_names]
        only_live = [n for n in live_names if n not in rec_names]
        if only_rec or only_live:
            out = [f"{where}: {n} only in recorded" for n in only_rec]
            return out + [f"{where}: {n} only in live" for n in only_live]
        return [
            f"{where}: parts in another order: recorded {', '.join(rec_names)} "
            f"vs live {', '.join(live_names)}"
        ]
    out: list[str] = []
    for i, ((rp, rpb), (lp, lpb)) in enumerate(zip(rb.parts, lb.parts, strict=True)):
        at = f"{where}: {rp.label(i)}"
        if rp.filename != lp.filename:
            out.append(
                f"{at}: filename recorded {json.dumps(rp.filename)} vs live "
                f"{json.dumps(lp.filename)}"
            )
        elif not _part_headers_equal(rp, lp):
            rec = "; ".join(f"{k}: {v}" for k, v in rp.headers)
            liv = "; ".join(f"{k}: {v}" for k, v in lp.headers)
            out.append(f"{at}: headers recorded {_window(rec, liv, shown)} vs live "
                       f"{_window(liv, rec, shown)}")
        if not _bodies_equal(rpb, lpb):
            out += _bodies_diff(rpb, lpb, at, shown)
    return out or [f"{where}: differs"]


def _header_name(lower: str) -> str:
    return "-".join(w.capitalize() for w in lower.split("-"))


def _query_diff(live: Prepared, recorded: Prepared, shown: _Shown) -> list[str]:
    return _pairs_diff(live.query, recorded.query, "query", shown)


def _pairs_diff(
    live_pairs: Iterable, recorded_pairs: Iterable, where: str, shown: _Shown
) -> list[str]:
    live_left, rec_left = _pair_leftovers(live_pairs, recorded_pairs)

    secret = shown.config.secret_query if where == "query" else shown.config.secret_field

    def show(name: str, value: str, other: str) -> str:
        if value and secret(name):
            value = REDACTED
        value, other = shown.mask(value), shown.mask(other)  # (before a cut: see _window)
        text = f"{name}={value}"
        if len(text) <= 40 or len(value) < 2:
            return text
        # Long values (a session name with a timestamp): show where they differ.
        at = next((i for i, (a, b) in enumerate(zip(value, other, strict=False)) if a != b), None)
        if at is None or at < 24:
            return cut_text(text, 40, len(name) + 1)
        return cut_text(f"{name}=…{value[at - 12 :]}", 40, len(name) + 2)

    names = dict.fromkeys([n for n, _ in rec_left] + [n for n, _ in live_left])
    out = []
    for name in names:
        rec_values = [v for (n, v), c in rec_left.items() if n == name for _ in range(c)]
        live_values = [v for (n, v), c in live_left.items() if n == name for _ in range(c)]
        rec = [show(name, v, live_values[0] if live_values else "") for v in rec_values]
        liv = [show(name, v, rec_values[0] if rec_values else "") for v in live_values]
        if rec and liv and rec == liv:  # secret values: both sides would print <REDACTED>
            out.append(f"{where}: {name} differs (secret values, not shown)")
        elif rec and liv:
            out.append(f"{where}: recorded {'&'.join(rec)} vs live {'&'.join(liv)}")
        elif rec:
            out.append(f"{where}: {'&'.join(rec)} only in recorded")
        else:
            out.append(f"{where}: {'&'.join(liv)} only in live")
    return out or [f"{where}: differs"]


def _headers_diff(live: Prepared, recorded: Prepared, shown: _Shown) -> list[str]:
    def show(name: str, values: tuple[str, ...]) -> str:
        if not values:
            return "(missing)"
        if shown.config.secret_header(name):
            values = tuple(v if not v else REDACTED for v in values)
        return cut_text(shown.mask(json.dumps(list(values), ensure_ascii=False)), _SHORT)

    out = []
    for (name, rec_values), (_, live_values) in zip(recorded.headers, live.headers, strict=True):
        if len(rec_values) == len(live_values) and all(map(_wild_str, rec_values, live_values)):
            continue
        rec_shown, live_shown = show(name, rec_values), show(name, live_values)
        if rec_shown == live_shown:  # secret values: both sides would print <REDACTED>
            out.append(f"headers: {_header_name(name)} differs (secret values, not shown)")
            continue
        out.append(f"headers: {_header_name(name)} recorded {rec_shown} vs live {live_shown}")
    return out


def _describe(
    part: str,
    live: Prepared,
    recorded: Prepared,
    redaction: RedactionConfig,
    values: Iterable[str] = (),
) -> list[str]:
    shown = _Shown(redaction, tuple(values))
    if part == "body":
        out = _body_diff(live, recorded, shown)
    elif part == "query":
        out = _query_diff(live, recorded, shown)
    elif part == "headers":
        out = _headers_diff(live, recorded, shown)
    else:
        out = [f"{part}: recorded {recorded.key(part)} vs live {live.key(part)}"]
    return [shown.mask(d) for d in out]


def differences(
    live: Request | Prepared, recorded: Request | Prepared, config: MatchConfig = DEFAULT_MATCH
) -> list[str]:
    """Every difference over the parts in `config.on`, one line each, e.g.
    "method: recorded POST vs live GET" (empty when the requests match)."""
    a, b = prepare(live, config), prepare(recorded, config)
    out: list[str] = []
    for part in config.on:
        if not part_equal(part, a, b):
            out += _describe(part, a, b, DEFAULT_REDACTION)
    return out


# -- the matcher ---------------------------------------------------------------------------------


def _summary(request: Request, redaction: RedactionConfig) -> str:
    return f"{request.method.upper()} {redact_url(request.url, redaction)}"


@dataclass
class Miss:
    """Why no recorded interaction answered a request."""

    request_summary: str  # "POST https://api.openai.com/v1/chat/completions"
    nearest: Interaction | None
    differences: list[str] = field(default_factory=list)
    nearest_summary: str = ""

    def message(self) -> str:
        """One readable paragraph."""
        asked = f"Asked {self.request_summary}"
        if self.nearest is None:
            reason = self.differences[0] if self.differences else "nothing is recorded"
            return f"{asked}; {reason}."
        nearest = f"interaction {self.nearest.id} ({self.nearest_summary})"
        if not self.differences:
            return f"{asked}; it matches {nearest}."
        if len(self.differences) == 1 and self.differences[0].startswith("all matching"):
            return f"{asked}; {self.differences[0]} (the first is {nearest})."
        return f"{asked}; nearest is {nearest}, which differs: {'; '.join(self.differences)}."


class _Slot:
    """Recorded interactions sharing a fingerprint, in cassette order."""

    __slots__ = ("items", "cursor")

    def __init__(self) -> None:
        self.items: list[int] = []
        self.cursor = 0  # items before it are used (exact slots only)


LIVE_MEMO = 512  # prepared live requests kept (a plain bound: cleared when full)


# Candidates tied for nearest whose bodies are compared more closely.
_TIES_MAX = 64


def _body_likeness(live: Prepared, recorded: Prepared) -> float:
    """How alike two request bodies are, 0 to 1: the share of the longer one's comparable form
    that a common start and a common end cover (a turn of the same conversation with one value
    changed is near 1; an earlier, shorter turn is not). Linear: slices compared in C."""
    def text(p: Prepared) -> bytes:
        value = p.body.key[1]
        if not isinstance(value, bytes | str):
            value = repr(value)
        return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value

    a, b = text(live), text(recorded)
    longest = max(len(a), len(b))
    if not longest:
        return 1.0
    head = _common(a, b)
    tail = _common(a[head:][::-1], b[head:][::-1])
    return (head + tail) / longest


def _common(a: bytes, b: bytes) -> int:
    """The length of the common start of `a` and `b` (a binary search of slice compares)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


class Matcher:
    """Finds the recorded interaction answering a live request (see the module doc for the rule).

    Recorded requests are taken apart once and indexed by (method, host, path), then by a
    fingerprint of the other compared parts, so `find` is a couple of dict look-ups. Recordings
    holding redaction markers are grouped by which parts hold them and compared one by one only
    against the recordings that agree on the rest.
    """

    def __init__(
        self,
        interactions: Iterable[Interaction] = (),
        config: MatchConfig = DEFAULT_MATCH,
        *,
        redaction: RedactionConfig = DEFAULT_REDACTION,
    ) -> None:
        self.config = config
        self.redaction = redaction  # hides live secrets in Miss messages
        self._interactions: list[Interaction] = []
        self._prepared: list[Prepared] = []
        self._used: list[bool] = []
        self._fp_parts = tuple(p for p in config.on if p not in _BUCKET_PARTS)
        # bucket -> wild parts -> fingerprint of the other parts -> slot
        self._index: dict[tuple, dict[tuple[str, ...], dict[tuple, _Slot]]] = {}
        self._loose: list[int] = []  # recorded paths holding a marker: checked one by one
        # Live requests taken apart, by their raw parts: tests and retries send the same request
        # again and again, and parsing and canonicalising a JSON body is most of a find().
        self._live: dict[tuple, Prepared] = {}
        self._lock = threading.Lock()
        for interaction in interactions:
            self._add(interaction, used=False)

    def __len__(self) -> int:
        return len(self._interactions)

    def _fingerprint(self, p: Prepared, skip: tuple[str, ...]) -> tuple:
        return tuple(p.key(part) for part in self._fp_parts if part not in skip)

    def _add(self, interaction: Interaction, used: bool) -> None:
        index = len(self._interactions)
        p = Prepared(interaction.request, self.config)
        self._interactions.append(interaction)
        self._prepared.append(p)
        self._used.append(used)
        if "path" in self.config.on and p.path_wild:
            self._loose.append(index)
            return
        wild = tuple(part for part in self._fp_parts if p.wild(part))
        groups = self._index.setdefault(p.bucket, {}).setdefault(wild, {})
        groups.setdefault(self._fingerprint(p, wild), _Slot()).items.append(index)

    def add(self, interaction: Interaction, *, used: bool = True) -> None:
        """Append a new episode. It counts as used by default: it answered the request that
        recorded it, so an identical request in the same session is recorded again."""
        with self._lock:
            self._add(interaction, used)

    def _matches(self, live: Prepared, index: int, parts: Iterable[str]) -> bool:
        recorded = self._prepared[index]
        return all(part_equal(part, live, recorded) for part in parts)

    def _prepare_live(self, request: Request) -> Prepared:
        headers = (
            tuple(sorted((k.lower(), tuple(v)) for k, v in request.headers.items()))
            if "headers" in self.config.on
            else ()
        )
        # The body's content type and coding decide how it is compared: part of the key.
        # (Live requests come from flows.request_to_model: canonical names, one value each.)
        h = request.headers
        ctype, coding = h.get("Content-Type"), h.get("Content-Encoding")
        key = (
            request.method,
            request.url,
            request.host,
            request.body,
            ctype[0] if ctype else None,
            coding[0] if coding else None,
            headers,
        )
        live = self._live.get(key)
        if live is None:
            if len(self._live) >= LIVE_MEMO:
                self._live.clear()
            live = self._live[key] = Prepared(request, self.config)
        return live

    def find(self, request: Request) -> Interaction | None:
        """The interaction answering `request`, marked used; None when there is none."""
        live = self._prepare_live(request)
        first: int | None = None  # first unused match
        last: int | None = None  # last match (for allow_repeats)
        repeats = self.config.allow_repeats
        with self._lock:
            used = self._used
            for wild, groups in self._index.get(live.bucket, {}).items():
                slot = groups.get(self._fingerprint(live, wild))
                if slot is None:
                    continue
                items = slot.items
                if not wild:
                    while slot.cursor < len(items) and used[items[slot.cursor]]:
                        slot.cursor += 1
                    if slot.cursor < len(items) and (first is None or items[slot.cursor] < first):
                        first = items[slot.cursor]
                    last = items[-1] if last is None else max(last, items[-1])
                    continue
                for i in items:
                    if first is not None and i > first and not repeats:
                        break
                    if self._matches(live, i, wild):
                        if not used[i] and (first is None or i < first):
                            first = i
                        last = i if last is None else max(last, i)
                        if not repeats and not used[i]:
                            break
            for i in self._loose:
                if self._matches(live, i, self.config.on):
                    if not used[i] and (first is None or i < first):
                        first = i
                    last = i if last is None else max(last, i)
            chosen = first if first is not None else (last if repeats else None)
            if chosen is None:
                return None
            used[chosen] = True
            return self._interactions[chosen]

    def unused_matches(self, request: Request, also: Callable[[Interaction], bool] | None = None
                       ) -> list[Interaction]:
        """Every unused interaction matching `request`, in cassette order, none marked used (a
        WebSocket upgrade's other recordings, which the player may take over: `take`); with
        `also`, the used ones it accepts too (one another live session plays, which may trade).
        A scan of the whole cassette: for upgrades, not for every request."""
        live = self._prepare_live(request)
        with self._lock:
            return [x for i, x in enumerate(self._interactions)
                    if (not self._used[i] or (also is not None and also(x)))
                    and self._matches(live, i, self.config.on)]

    def take(self, interaction: Interaction) -> bool:
        """Mark `interaction` used if it is not yet (a replayed WebSocket session taken over by
        another recording of its URL whose client messages match, wsplayer); False if it was."""
        with self._lock:
            index = next(
                (i for i, x in enumerate(self._interactions) if x is interaction), None
            )
            if index is None or self._used[index]:
                return False
            self._used[index] = True
            return True

    def put_back(self, interaction: Interaction) -> None:
        """Mark `interaction` (returned by `find`) unused again: its answer failed on purpose
        (an injected fault), so the request that retries gets it."""
        with self._lock:
            index = next(
                (i for i, x in enumerate(self._interactions) if x is interaction), None
            )
            if index is None or not self._used[index]:
                return
            self._used[index] = False
            p = self._prepared[index]
            if index in self._loose:
                return
            wild = tuple(part for part in self._fp_parts if p.wild(part))
            slot = self._index[p.bucket][wild][self._fingerprint(p, wild)]
            slot.cursor = min(slot.cursor, slot.items.index(index))

    def unused(self) -> list[Interaction]:
        """Recorded interactions nothing has asked for yet, in cassette order."""
        with self._lock:
            return [i for i, u in zip(self._interactions, self._used, strict=True) if not u]

    def explain(self, request: Request) -> Miss:
        """Why `find` found nothing: the nearest recording and what differs.

        Nearest = fewest differing parts; ties go to the same method, host and path, then to an
        unused recording, then to the most alike body (`_body_likeness`), then to cassette
        order.
        """
        live = Prepared(request, self.config)
        asked = _summary(request, self.redaction)
        with self._lock:
            prepared, used = list(self._prepared), list(self._used)
        if not prepared:
            return Miss(asked, None, ["the cassette has no interactions"])
        best: tuple | None = None
        full_matches: list[int] = []
        ties: list[tuple[int, list[str]]] = []  # the candidates that rank as `best`
        for index, recorded in enumerate(prepared):
            failing = [p for p in self.config.on if not part_equal(p, live, recorded)]
            if not failing:
                full_matches.append(index)
            same_place = (recorded.method, recorded.host, recorded.path) == (
                live.method,
                live.host,
                live.path,
            )
            rank = (len(failing), not same_place)
            if best is None or rank < best[0]:
                best, ties = (rank, index, failing), []
            if rank == best[0] and len(ties) < _TIES_MAX:
                ties.append((index, failing))
        assert best is not None
        _, index, failing = best
        if len(ties) > 1 and not full_matches:
            # The turns of one conversation (a tool loop) all differ in the body alone: the
            # nearest is the unused one whose body is most alike, not the first turn.
            index, failing = min(ties, key=lambda t: (
                used[t[0]], -_body_likeness(live, prepared[t[0]]) if "body" in t[1] else 0,
                t[0]))
        nearest = self._interactions[index]
        nearest_summary = _summary(nearest.request, self.redaction)
        if full_matches:
            unused = [i for i in full_matches if not used[i]]
            if unused or self.config.allow_repeats:
                first = self._interactions[unused[0] if unused else full_matches[-1]]
                return Miss(asked, first, [], _summary(first.request, self.redaction))
            n = len(full_matches)
            return Miss(
                asked,
                nearest,
                [
                    f"all matching interactions were already used ({n} of {n}); "
                    "allow repeats to reuse them"
                ],
                nearest_summary,
            )
        diffs: list[str] = []
        # Values the requests carry under credential names (a body's "api_key", a header added
        # with --redact-header) are hidden wherever a difference would quote them.
        values = [*secret_values(request, self.redaction)]
        values += secret_values(nearest.request, self.redaction)
        for part in failing:
            diffs += _describe(part, live, prepared[index], self.redaction, values)
        return Miss(asked, nearest, diffs, nearest_summary)


__all__ = [
    "DEFAULT_MATCH",
    "MatchConfig",
    "Matcher",
    "Miss",
    "Prepared",
    "differences",
    "parse_json_path",
    "prepare",
]
