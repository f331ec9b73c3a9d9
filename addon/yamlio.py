"""The go-vcr `version: 2` cassette codec: load, dump, atomic save and durable append.

Loading uses PyYAML (CSafeLoader when available) with yaml.v3's own rules for plain scalars, so a
value means here what it means to go-vcr (`=` and `0b_` are strings, `1e+06` is a float, YAML 1.1
booleans such as `yes` are strings, timestamps stay text).

Dumping does not use PyYAML: a small string-building emitter reproduces what go-vcr writes with
yaml.v3 (`encode.go` stringv and `emitterc.go`): the same scalar styles (plain when yaml.v3 allows
it, else single-quoted, else double-quoted with yaml.v3's escapes; multi-line text as a literal
block with yaml.v3's chomping and indentation indicators; invalid UTF-8 as `!!binary` base64 in
70-column lines), the same indentation, and no line wrapping. Two layouts:

- "compact":  2-space indentation, sequences not indented (charm's go-vcr recorder, yaml/v4
  `SetIndent(2)` + `CompactSeqIndent()`): `- id: 0` at column 0. New cassettes use it.
- "indented": yaml.v3's default 4-space layout (plain go-vcr): `    - id: 0`.

Two deliberate differences from yaml.v3, both where yaml.v3's output does not read back as written
(checked with the Go oracle in tests/go): a literal block whose text starts with a line break (a
body starting with a newline) gets its own header line break, where yaml.v3 lets the text's first
break end the header and so loses it; and a literal block's indentation indicator is the real
offset of its lines from the key or `-`, where yaml.v3 writes its best indent (4) even in sequence
items whose lines are 2 in, which Go itself cannot read back.

vcrproxy's own extra key CHUNKS_KEY (`vcrproxy_chunks`, ignored by go-vcr) is the last key of a
response and holds the arrival time and size of each streamed chunk as `[offset_ms, size]` pairs.
It is written on ONE line in flow style, `vcrproxy_chunks: [[0.52, 312], [150.3, 290]]`, because it
can hold thousands of pairs; numbers use Go's formatting (strconv 'g', shortest).

Appending (CassetteWriter) writes one interaction's text at the end of the file with a single
write + fsync. A file cut off in the middle of such a write loads with every complete interaction
and a warning naming the dropped one.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import logging
import math
import os
import re
import stat
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import yaml

from .cassette import CHUNKS_KEY, Cassette, CassetteError, Interaction, Request, Response
from .durations import format_go_duration, parse_go_duration
from .headers import canonical_header_name

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: appends go unlocked
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "CassetteTruncatedWarning",
    "CassetteWriter",
    "canonical_header_name",
    "dumps_cassette",
    "dumps_interaction",
    "go_key_sorted",
    "load_cassette",
    "loads_cassette",
    "save_cassette",
]

log = logging.getLogger("vcrproxy")

LAYOUTS = ("compact", "indented")

# go-vcr's struct field order (pkg/cassette/cassette.go).
CASSETTE_KEYS = ("version", "interactions")
INTERACTION_KEYS = ("id", "request", "response")
REQUEST_KEYS = (
    "proto", "proto_major", "proto_minor", "content_length", "transfer_encoding", "trailer",
    "host", "remote_addr", "request_uri", "body", "form", "headers", "url", "method",
)
RESPONSE_KEYS = (
    "proto", "proto_major", "proto_minor", "transfer_encoding", "trailer", "content_length",
    "uncompressed", "body", "headers", "status", "code", "duration",
)
_OPTIONAL = frozenset(
    ("transfer_encoding", "trailer", "remote_addr", "request_uri", "form", "uncompressed")
)
# Keys a complete interaction written by go-vcr or vcrproxy always has (used to spot a cut-off
# last interaction; request `body`/`headers` are omitempty in newer go-vcr releases).
_REQUIRED_REQUEST = ("proto", "proto_major", "proto_minor", "content_length", "host", "url",
                     "method")
_REQUIRED_RESPONSE = ("proto", "proto_major", "proto_minor", "content_length", "body", "headers",
                      "status", "code", "duration")


class CassetteTruncatedWarning(UserWarning):
    """A cassette file ended in the middle of an interaction, which was dropped."""


# --------------------------------------------------------------------------------------------
# yaml.v3 plain scalar resolution (resolve.go), used both to load and to decide quoting.

_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP = "str", "null", "bool", "int", "float", "timestamp"
_RESOLVE_HINT = frozenset("+-0123456789yYnNtTfFoO~.")
_RESOLVE_MAP: dict[str, tuple[str, Any]] = {}
for _tag, _val, _words in (
    (_BOOL, True, ("true", "True", "TRUE")),
    (_BOOL, False, ("false", "False", "FALSE")),
    (_NULL, None, ("", "~", "null", "Null", "NULL")),
    (_FLOAT, math.nan, (".nan", ".NaN", ".NAN")),
    (_FLOAT, math.inf, (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")),
    (_FLOAT, -math.inf, ("-.inf", "-.Inf", "-.INF")),
):
    for _w in _words:
        _RESOLVE_MAP[_w] = (_tag, _val)
_OLD_BOOLS = frozenset(
    "y Y yes Yes YES on On ON n N no No NO off Off OFF".split()
)  # YAML 1.1 booleans: yaml.v3 quotes them for older parsers
_BASE60_RE = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_YAML_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
# strconv.ParseFloat on text starting with '.': digits, Go-style underscores between digits.
_DOT_FLOAT_RE = re.compile(r"\.[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?")
_DEC_INT_RE = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_DEC_FLOAT_RE = re.compile(r"[-+]?[0-9]+\.[0-9]+")
_DIGIT_VALUES = {c: i for i, c in enumerate("0123456789abcdefghijklmnopqrstuvwxyz")}
_DIGIT_VALUES.update({c.upper(): i for c, i in _DIGIT_VALUES.items() if c.isalpha()})
_MAX_INT64 = (1 << 63) - 1
# time.Parse layouts yaml.v3 tries (allowedTimestampFormats); ranges are checked below.
_TIMESTAMP_RE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2}))"
    r"|(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?))?"
)
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _go_parse_uint(s: str, base: int) -> int | None:
    """strconv.ParseUint(s, base, 64) for text without underscores; None on error."""
    if not s:
        return None
    if base == 0:
        base = 10
        if s[0] == "0":
            if len(s) >= 3 and s[1] in "bBoOxX":
                base = {"b": 2, "o": 8, "x": 16}[s[1].lower()]
                s = s[2:]
            else:
                base, s = 8, s[1:]
    n = 0
    for c in s:
        d = _DIGIT_VALUES.get(c, 99)
        if d >= base:
            return None
        n = n * base + d
        if n >= 1 << 64:
            return None  # out of range: stop here (a 100,000-digit literal would take minutes)
    return n


def _go_parse_int(s: str, base: int) -> int | None:
    """strconv.ParseInt(s, base, 64) for text without underscores; None on error."""
    if not s:
        return None
    neg = s[0] == "-"
    if s[0] in "+-":
        s = s[1:]
    u = _go_parse_uint(s, base)
    if u is None or u > (1 << 63 if neg else _MAX_INT64):
        return None
    return -u if neg else u


def _go_timestamp(s: str) -> bool:
    m = _TIMESTAMP_RE.fullmatch(s)
    if m is None:
        return False
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= (29 if month == 2 and leap else _DAYS_IN_MONTH[month]):
        return False
    hms = m.group(4, 5, 6) if m[4] is not None else m.group(7, 8, 9)
    if hms[0] is not None:
        h, mi, sec = (int(x) for x in hms)
        if h >= 24 or mi >= 60 or sec >= 60:
            return False
    return True


def go_resolve(s: str) -> tuple[str, Any]:
    """yaml.v3 `resolve("", s)`: the tag ("str", "null", "bool", "int", "float", "timestamp") and
    value a plain (unquoted) scalar `s` has for go-vcr."""
    if not s:
        return _NULL, None
    c = s[0]
    if c not in _RESOLVE_HINT:
        return _STR, s
    hit = _RESOLVE_MAP.get(s)
    if hit is not None:
        return hit
    if c == ".":
        if _DOT_FLOAT_RE.fullmatch(s):
            f = float(s.replace("_", ""))
            if not math.isinf(f):
                return _FLOAT, f
        return _STR, s
    if c not in "+-0123456789":
        return _STR, s
    # Fast paths for the common decimal forms (status codes, lengths, chunk timings).
    if _DEC_INT_RE.fullmatch(s):
        # Only up to 21 characters can be an int64/uint64; longer ones go on to be floats, as
        # in Go (and int() refuses more than 4,300 digits with a ValueError).
        v = int(s) if len(s) <= 21 else 1 << 64
        if -(1 << 63) <= v < 1 << 64:
            return _INT, v
    elif _DEC_FLOAT_RE.fullmatch(s):
        f = float(s)
        return (_STR, s) if math.isinf(f) else (_FLOAT, f)
    if c != "+" and c != "-" and len(s) >= 8 and s[4] == "-" and _go_timestamp(s):
        return _TIMESTAMP, s
    plain = s.replace("_", "")
    v = _go_parse_int(plain, 0)
    if v is None:
        v = _go_parse_uint(plain, 0)
    if v is not None:
        return _INT, v
    if _YAML_FLOAT_RE.fullmatch(plain):
        f = float(plain)
        if not math.isinf(f):
            return _FLOAT, f
    for prefix, base in (("0b", 2), ("0o", 8)):
        if plain.startswith(prefix):
            v = _go_parse_int(plain[2:], base)
            if v is None:
                v = _go_parse_uint(plain[2:], base)
        elif plain.startswith("-" + prefix):
            v = _go_parse_int("-" + plain[3:], base)
        if v is not None:
            return _INT, v
    return _STR, s


def _plain_is_str(s: str) -> bool:
    """yaml.v3 stringv's canUsePlain: `s` written plain would read back as this same string."""
    if s and s[0] not in _RESOLVE_HINT:
        return True  # fast path: most strings
    if s in _OLD_BOOLS:
        return False
    if go_resolve(s)[0] != _STR:
        return False
    return not (s and s[0] in "+-0123456789" and ":" in s and _BASE60_RE.fullmatch(s))


# --------------------------------------------------------------------------------------------
# Loading

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = _TAG_PREFIX + "str"
_SEQ_TAG = _TAG_PREFIX + "seq"
_MAP_TAG = _TAG_PREFIX + "map"


def _construct_go_number(loader: Any, node: Any) -> Any:
    tag, value = go_resolve(loader.construct_scalar(node))
    if tag in (_INT, _FLOAT):
        return value
    raise yaml.constructor.ConstructorError(
        None, None, f"cannot read {node.value!r} as {node.tag}", node.start_mark
    )


class _Refused(yaml.constructor.ConstructorError):
    """YAML that is valid but refused in a cassette (an alias): an error, never a cut-off file."""


def _make_loader(base: type) -> type:
    """A PyYAML safe loader class resolving plain scalars exactly like yaml.v3, refusing aliases.

    go-vcr never writes anchors or aliases; refusing every alias (`*name`) makes alias bombs
    (a few KB expanding to gigabytes when walked) and self-referencing nodes impossible, at no
    cost to real cassettes. Composing keeps one node per anchor, so a bomb costs nothing until
    its first reuse, which is refused here.
    """

    class Loader(base):  # type: ignore[misc, valid-type]
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            if node in self.constructed_objects or node in self.recursive_objects:
                raise _Refused(
                    None, None,
                    "an alias (*name) reuses the node anchored here; cassettes may not hold "
                    "aliases (go-vcr never writes them)",
                    node.start_mark,
                )
            return super().construct_object(node, deep)

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is yaml.ScalarNode:
                if implicit[0] and (not value or value[0] in _RESOLVE_HINT):
                    return _TAG_PREFIX + go_resolve(value)[0]
                return _STR_TAG
            return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG

    Loader.add_constructor(_TAG_PREFIX + "int", _construct_go_number)
    Loader.add_constructor(_TAG_PREFIX + "float", _construct_go_number)
    # yaml.v3 keeps timestamps as text when the target is a string: so do we.
    Loader.add_constructor(_TAG_PREFIX + "timestamp", Loader.construct_yaml_str)
    return Loader


_Loader = _make_loader(_BaseLoader)


class _Invalid(Exception):
    """A value of the wrong type at a cassette path (becomes a one-line CassetteError)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _as_str(v: Any, where: str) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return ""  # yaml null into a Go string: the zero value
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _go_float(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    raise _Invalid(where, f"expected a string, got {type(v).__name__} {_short(v)}")


def _as_int(v: Any, where: str) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if v is None:
        return 0
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise _Invalid(where, f"expected an integer, got {_short(v)}")


def _as_bool(v: Any, where: str) -> bool:
    if isinstance(v, bool):
        return v
    if v is None:
        return False
    raise _Invalid(where, f"expected true or false, got {_short(v)}")


def _as_str_list(v: Any, where: str) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise _Invalid(where, f"expected a list of strings, got {_short(v)}")
    return [_as_str(x, where) for x in v]


def _as_header_map(v: Any, where: str) -> dict[str, list[str]]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise _Invalid(where, f"expected a map of string lists, got {_short(v)}")
    out: dict[str, list[str]] = {}
    for k, vals in v.items():
        name = _as_str(k, where)
        if vals is not None and not isinstance(vals, list):
            raise _Invalid(f"{where}.{name}", f"expected a list of strings, got {_short(vals)}")
        out[name] = _as_str_list(vals, f"{where}.{name}")
    return out


def _as_body(v: Any, where: str) -> str | bytes:
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")  # go-vcr's body is a string: valid UTF-8 is text
        except UnicodeDecodeError:
            return v
    return _as_str(v, where)


def _mapping(v: Any, where: str) -> dict[Any, Any]:
    if not isinstance(v, dict):
        raise _Invalid(where, f"expected a mapping, got {_short(v)}")
    return v


def _build_request(d: dict[Any, Any], where: str) -> Request:
    r = Request(proto="", proto_major=0, proto_minor=0, host="", url="", method="")
    extra: dict[str, Any] = {}
    for k, v in d.items():
        at = f"{where}.{k}"
        if k in ("proto", "host", "url", "method"):
            setattr(r, k, _as_str(v, at))
        elif k in ("proto_major", "proto_minor", "content_length"):
            setattr(r, k, _as_int(v, at))
        elif k == "body":
            r.body = _as_body(v, at)
        elif k == "headers":
            r.headers = _as_header_map(v, at)
        elif k in ("trailer", "form"):
            setattr(r, k, None if v is None else _as_header_map(v, at))
        elif k == "transfer_encoding":
            r.transfer_encoding = None if v is None else _as_str_list(v, at)
        elif k in ("remote_addr", "request_uri"):
            setattr(r, k, None if v is None else _as_str(v, at))
        else:
            extra[str(k)] = v
    r.extra = extra
    r.key_order = [str(k) for k in d]
    return r


def _build_response(d: dict[Any, Any], where: str) -> Response:
    r = Response(proto="", proto_major=0, proto_minor=0, content_length=0, status="", code=0)
    extra: dict[str, Any] = {}
    for k, v in d.items():
        at = f"{where}.{k}"
        if k in ("proto", "status"):
            setattr(r, k, _as_str(v, at))
        elif k in ("proto_major", "proto_minor", "content_length", "code"):
            setattr(r, k, _as_int(v, at))
        elif k == "body":
            r.body = _as_body(v, at)
        elif k == "headers":
            r.headers = _as_header_map(v, at)
        elif k == "duration":
            if v is None:
                r.duration_ns = 0
            elif isinstance(v, str):
                try:
                    r.duration_ns = parse_go_duration(v)
                except ValueError as e:
                    raise _Invalid(at, str(e)) from None
            else:
                raise _Invalid(at, f"expected a Go duration like '1.5s', got {_short(v)}")
        elif k == "trailer":
            r.trailer = None if v is None else _as_header_map(v, at)
        elif k == "transfer_encoding":
            r.transfer_encoding = None if v is None else _as_str_list(v, at)
        elif k == "uncompressed":
            r.uncompressed = None if v is None else _as_bool(v, at)
        else:
            extra[str(k)] = v
    r.extra = extra
    r.key_order = [str(k) for k in d]
    return r


def _build_interaction(raw: Any, index: int) -> Interaction:
    where = f"interactions[{index}]"
    d = _mapping(raw, where)
    request = _build_request(_mapping(d.get("request", {}) or {}, f"{where}.request"),
                             f"{where}.request")
    response = _build_response(_mapping(d.get("response", {}) or {}, f"{where}.response"),
                               f"{where}.response")
    i = Interaction(id=_as_int(d.get("id"), f"{where}.id"), request=request, response=response)
    i.extra = {str(k): v for k, v in d.items() if k not in INTERACTION_KEYS}
    i.key_order = [str(k) for k in d]
    return i


def _is_complete(raw: Any) -> bool:
    """Whether a parsed last interaction is whole: a cut-off one lacks keys (or is empty).

    Wrong types are not a sign of a cut (they are reported as errors), missing keys are.
    """
    if raw is None:
        return False
    if not isinstance(raw, dict):
        return True
    if "id" not in raw:
        return False
    for key, required in (("request", _REQUIRED_REQUEST), ("response", _REQUIRED_RESPONSE)):
        part = raw.get(key)
        if part is None or (isinstance(part, dict) and not all(k in part for k in required)):
            return False
    return True


_INTERACTIONS_LINE_RE = re.compile(r"^interactions:[ \t]*(?:#.*)?\n", re.M)
_FIRST_ITEM_RE = re.compile(r"(?:[ \t]*(?:#.*)?\n)*( *)-(?:[ \t\n]|\Z)")


def _detect_layout(text: str) -> tuple[str | None, int, int] | None:
    """(layout if there is a first item, its indent, offset after the `interactions:` line)."""
    m = _INTERACTIONS_LINE_RE.search(text)
    if m is None:
        return None
    item = _FIRST_ITEM_RE.match(text, m.end())
    if item is None:
        return None, 0, m.end()
    return ("indented" if item[1] else "compact"), len(item[1]), m.end()


def _yaml_error(e: yaml.YAMLError, source: str) -> CassetteError:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    context = getattr(e, "context", None)
    what = f"{context}: {problem}" if context else problem
    what = " ".join(str(what).split())
    if mark is not None:
        return CassetteError(f"{source}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {what}")
    return CassetteError(f"{source}: invalid YAML: {what}")


def _parse(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass


def _warn_dropped(source: str, what: str, line: int) -> None:
    msg = f"{source}: dropped incomplete interaction {what} at line {line} (file cut off mid-write)"
    log.warning("%s", msg)
    warnings.warn(msg, CassetteTruncatedWarning, stacklevel=4)


_ITEM_ID_RE = re.compile(r" *- id: *(-?[0-9]+)")


def _last_item_start(text: str, indent: int, after: int) -> int:
    """Offset of the last top-level `- ` item line of the interactions list (or -1)."""
    marker = "\n" + " " * indent + "-"
    pos = len(text)
    while True:
        pos = text.rfind(marker, after - 1, pos)
        if pos < 0:
            return -1
        nxt = pos + len(marker)
        if nxt == len(text) or text[nxt] in " \n":
            return pos + 1
        # `-` followed by something else at that column is not an item; keep looking.


def _loads(text: str, source: str) -> tuple[Cassette, bool]:
    """Parse cassette text; returns the cassette and whether a cut-off interaction was dropped."""
    if text.startswith("\ufeff"):
        text = text[1:]
    layout_info = _detect_layout(text)
    try:
        data = _parse(text)
        parse_error: yaml.YAMLError | None = None
    except yaml.YAMLError as e:
        data, parse_error = None, e
    dropped = False
    if isinstance(parse_error, _Refused):
        raise _yaml_error(parse_error, source) from None
    if parse_error is not None:
        # A write cut off mid-interaction leaves a prefix of valid YAML that fails inside its
        # last item: a node that does not construct (`!!bi`, base64 cut short, even at a line
        # end), or a syntax error mid-line (a quoted scalar or an escape cut short) or right at
        # the end of the text. The text before that item must then parse on its own.
        start = -1
        if layout_info is not None:
            start = _last_item_start(text, layout_info[1], layout_info[2])
        mark = getattr(parse_error, "problem_mark", None)
        in_last = mark is not None and start >= 0 and mark.index >= start and (
            isinstance(parse_error, yaml.constructor.ConstructorError)
            or not text.endswith("\n")
            or mark.index >= len(text) - 2
        )
        if not in_last:
            raise _yaml_error(parse_error, source) from None
        try:
            data = _parse(text[:start])
        except yaml.YAMLError:
            raise _yaml_error(parse_error, source) from None
        if not isinstance(data, dict) or not isinstance(data.get("interactions") or [], list):
            raise _yaml_error(parse_error, source) from None
        m = _ITEM_ID_RE.match(text, start)
        n = len(data.get("interactions") or [])
        _warn_dropped(source, m[1] if m else f"#{n}", text.count("\n", 0, start) + 1)
        dropped = True
    if data is None:
        raise CassetteError(f"{source}: empty cassette file (expected go-vcr `version: 2`)")
    if not isinstance(data, dict):
        raise CassetteError(f"{source}: not a go-vcr cassette (top level is not a mapping)")
    version = data.get("version")
    if version != 2 or isinstance(version, bool):
        raise CassetteError(
            f"{source}: unsupported cassette version {_short(version)} (go-vcr version 2 expected)"
        )
    raw_items = data.get("interactions")
    if raw_items is None:
        raw_items = []
    if not isinstance(raw_items, list):
        raise CassetteError(f"{source}: interactions: expected a list, got {_short(raw_items)}")
    keys = [str(k) for k in data]
    if (
        raw_items and not dropped and keys[-1] == "interactions"
        # (trailing spaces may be the indentation of a next item that was cut off)
        and (not text.rstrip(" ").endswith("\n") or not _is_complete(raw_items[-1]))
        and layout_info is not None
    ):
        # The last interaction's text was not fully written (no final newline, or keys missing).
        start = _last_item_start(text, layout_info[1], layout_info[2])
        last = raw_items.pop()
        rid = last.get("id") if isinstance(last, dict) else None
        what = str(rid) if isinstance(rid, int) else f"#{len(raw_items)}"
        _warn_dropped(source, what, text.count("\n", 0, max(start, 0)) + 1)
        dropped = True
    try:
        interactions = [_build_interaction(raw, i) for i, raw in enumerate(raw_items)]
    except _Invalid as e:
        raise CassetteError(f"{source}: {e}") from None
    return Cassette(
        interactions=interactions,
        version=2,
        extra={k: v for k, v in zip(keys, data.values(), strict=True) if k not in CASSETTE_KEYS},
        layout=(layout_info and layout_info[0]) or "compact",
        key_order=keys,
    ), dropped


def loads_cassette(text: str, source: str = "<string>") -> Cassette:
    """Parse the text of a go-vcr `version: 2` cassette (either layout)."""
    return _loads(text, source)[0]


_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
               (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def not_regular(mode: int) -> str | None:
    """What a file of this st_mode is when it is not a regular file ("a FIFO"...), else None."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _FILE_KINDS if test(mode)), "not a regular file")


def open_regular(path: str, flags: int = os.O_RDONLY) -> int:
    """os.open(path, flags) for a regular file only; CassetteError (one line) for anything else.

    Opened non-blocking, then checked with fstat: a FIFO would otherwise block the open (or the
    read) until some other process writes to it, and a device could be read forever.
    """
    try:
        fd = os.open(path, flags | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise CassetteError(f"{path}: cassette file not found") from None
    except OSError as e:
        raise CassetteError(f"{path}: cannot open cassette: {e.strerror or e}") from None
    what = not_regular(os.fstat(fd).st_mode)
    if what is not None:
        os.close(fd)
        raise CassetteError(f"{path}: is {what}, not a cassette file")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd


def _read_text(path: str) -> str:
    fd = open_regular(path)
    try:
        with open(fd, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise CassetteError(f"{path}: cannot read cassette: {e.strerror or e}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        if len(raw) - e.start < 4 and e.reason == "unexpected end of data":
            return raw[: e.start].decode("utf-8")  # cut inside a multi-byte character
        raise CassetteError(f"{path}: not UTF-8 text (byte {e.start}): {e.reason}") from None


def _load_file(path: str) -> tuple[Cassette, bool]:
    cassette, dropped = _loads(_read_text(path), path)
    cassette.path = path
    return cassette, dropped


def load_cassette(path: str | os.PathLike[str]) -> Cassette:
    """Load a cassette file; a cut-off last interaction is dropped with a warning."""
    return _load_file(os.fspath(path))[0]


# --------------------------------------------------------------------------------------------
# Emitting: scalars (yaml.v3 emitterc.go yaml_emitter_analyze_scalar + select_scalar_style)

# Characters yaml.v3's is_printable rejects (plus tab, which it treats separately).
_SPECIAL_RE = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
_SPACE_BREAK_RE = re.compile(" [\n\u2028\u2029]")
# Characters the double-quoted writer escapes.
_ESCAPE_RE = re.compile('[^\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]|["\\\\\u2028\u2029]')
_NAMED_ESCAPES = {
    "\x00": "\\0", "\x07": "\\a", "\x08": "\\b", "\t": "\\t", "\n": "\\n", "\x0b": "\\v",
    "\x0c": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\", "\x85": "\\N",
    "\xa0": "\\_", "\u2028": "\\L", "\u2029": "\\P",
}
_INDICATORS_FIRST = frozenset("#,[]{}&*!|>'\"%@`")
_LSPS = ("\u2028", "\u2029")
_BREAK_CHARS = "\n\u2028\u2029"  # the line breaks a literal block can hold


def _escape_char(c: str) -> str:
    named = _NAMED_ESCAPES.get(c)
    if named is not None:
        return named
    v = ord(c)
    if v <= 0xFF:
        return f"\\x{v:02X}"
    if v <= 0xFFFF:
        return f"\\u{v:04X}"
    return f"\\U{v:08X}"


_escape_match = functools.lru_cache(maxsize=1024)(_escape_char)


def _double_quoted(s: str) -> str:
    if s.startswith("\ufeff"):
        # yaml.v3's is_bom() looks at the start of the value, so it escapes every character.
        return '"' + "".join(_escape_char(c) for c in s) + '"'
    return '"' + _ESCAPE_RE.sub(lambda m: _escape_match(m[0]), s) + '"'


def _single_quoted(s: str, indent: int) -> str:
    s = s.replace("'", "''")
    if "\u2028" not in s and "\u2029" not in s:
        return "'" + s + "'"
    # LS/PS are line breaks to yaml.v3: written raw, then the next line is indented.
    out = []
    after_break = False
    for c in s:
        if c in _LSPS:
            after_break = True
        elif after_break:
            out.append(" " * indent)
            after_break = False
        out.append(c)
    return "'" + "".join(out) + "'"


_LINE_START_RE = re.compile(r"^(?=.)", re.M)
_ANY_LINE_START_RE = re.compile("(?:^|(?<=[\n\u2028\u2029]))(?=[^\n\u2028\u2029])")


def _literal(s: str, indent: int, hint: int) -> str:
    """A literal block scalar (after `key:`), yaml.v3 write_block_scalar_hints + write_literal.

    `hint` is the indentation indicator used when the text starts with a space or break: the
    content's indent relative to the key or `-`. yaml.v3 always writes its best indent there,
    which is the same except in sequence items and under keys off its indent grid, where its
    output does not even read back in Go; there we write the indicator that is right.
    """
    hints = str(hint) if s[0] == " " or s[0] in _BREAK_CHARS else ""
    last = s[-1]
    if last not in _BREAK_CHARS:
        hints += "-"
    elif len(s) == 1 or s[-2] in _BREAK_CHARS:
        hints += "+"
    pad = " " * indent
    if "\u2028" in s or "\u2029" in s:
        body = _ANY_LINE_START_RE.sub(pad, s)
    else:
        body = _LINE_START_RE.sub(pad, s)
    return " |" + hints + "\n" + body + ("" if last in _BREAK_CHARS else "\n")


_PLAIN, _SINGLE, _DOUBLE, _LITERAL = 0, 1, 2, 3


def _scalar_style(s: str) -> int:
    """The style yaml.v3 writes the string `s` in (block context)."""
    if "\n" in s:
        if s[-1] == " " or _SPECIAL_RE.search(s) or _SPACE_BREAK_RE.search(s):
            return _DOUBLE
        return _LITERAL
    if not _plain_is_str(s):
        return _DOUBLE
    if "\t" in s or _SPECIAL_RE.search(s):
        return _DOUBLE
    has_lsps = "\u2028" in s or "\u2029" in s
    if has_lsps and (
        _SPACE_BREAK_RE.search(s) or re.search("[\u2028\u2029] ", s)
    ):
        return _DOUBLE  # space_break / break_space: neither plain nor single-quoted
    c = s[0]
    if (
        has_lsps
        or c == " "
        or s[-1] == " "
        or c in _INDICATORS_FIRST
        or (c in "?:-" and (len(s) == 1 or s[1] == " "))
        or (len(s) >= 3 and (s.startswith("---") or s.startswith("...")))
        or s.find(": ", 1) >= 0
        or (len(s) > 1 and s[-1] == ":")
        or " #" in s
    ):
        return _SINGLE
    return _PLAIN


def _binary(data: bytes, indent: int) -> str:
    """yaml.v3 for invalid UTF-8: `!!binary` base64, 70 characters a line (encodeBase64)."""
    b64 = base64.b64encode(data).decode("ascii")
    if len(b64) < 70:
        return " !!binary " + b64 + "\n"
    pad = " " * indent
    # Joined a block of 1,024 lines at a time: one list of every line of a 50 MB body (a million
    # small strings) took ~120 MB more at peak and more time (see tests/bench).
    parts = [" !!binary |\n"]
    step = 70 * 1024
    for j in range(0, len(b64), step):
        block = b64[j:j + step]
        parts.append("".join([pad + block[i:i + 70] + "\n" for i in range(0, len(block), 70)]))
    return "".join(parts)


_inline_cache: dict[str, str] = {}


def _str_scalar(s: str, indent: int, hint: int) -> str:
    """Text after `key:` / `-` for a string: ` value\\n`, or a block starting ` |`."""
    if len(s) <= 200:
        hit = _inline_cache.get(s)
        if hit is not None:
            return hit
    style = _scalar_style(s)
    if style == _PLAIN:
        out = " " + s + "\n"
    elif style == _SINGLE:
        out = " " + _single_quoted(s, indent) + "\n"
        if "\u2028" in s or "\u2029" in s:
            return out  # depends on the indent: not cached
    elif style == _LITERAL:
        return _literal(s, indent, hint)
    else:
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            # Lone surrogates: bytes that were not UTF-8 (surrogateescape); Go writes !!binary.
            return _binary(s.encode("utf-8", "surrogateescape"), indent)
        out = " " + _double_quoted(s) + "\n"
    if len(s) <= 200:
        if len(_inline_cache) > 20000:
            _inline_cache.clear()
        _inline_cache[s] = out
    return out


def _go_float(f: float) -> str:
    """yaml.v3 floatv: strconv.FormatFloat(f, 'g', -1, 64), with .inf/-.inf/.nan."""
    if math.isnan(f):
        return ".nan"
    if math.isinf(f):
        return ".inf" if f > 0 else "-.inf"
    r = repr(f)
    sign = "-" if r.startswith("-") else ""
    r = r.lstrip("-")
    mant, _, exp = r.partition("e")
    whole, _, frac = mant.partition(".")
    digits = (whole + frac).lstrip("0")
    # value = 0.<digits> * 10**dp
    dp = len(whole) + (int(exp) if exp else 0) - (len(whole + frac) - len(digits))
    digits = digits.rstrip("0")
    if not digits:
        return sign + "0"
    x = dp - 1
    if x < -4 or x >= 6:
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{m}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if dp <= 0:
        return sign + "0." + "0" * -dp + digits
    if dp >= len(digits):
        return sign + digits + "0" * (dp - len(digits))
    return sign + digits[:dp] + "." + digits[dp:]


def _flow_number(x: int | float) -> str:
    return str(x) if type(x) is int else _go_float(x)


class _Emitter:
    """Builds yaml.v3 block-style text into `out` (a list of strings)."""

    def __init__(self, layout: str) -> None:
        if layout not in LAYOUTS:
            raise CassetteError(f"unknown cassette layout {layout!r} (expected compact/indented)")
        self.best = 2 if layout == "compact" else 4
        self.compact = layout == "compact"
        self.out: list[str] = []

    def child_indent(self, m: int) -> int:
        # yaml.v3 increase_indent: "Everything else aligns to the chosen indentation".
        return self.best * ((m + self.best) // self.best)

    def scalar(self, v: Any, indent: int, parent: int) -> str:
        """Text after `key:` / `-` (at column `parent`) for a scalar whose lines go at `indent`."""
        if isinstance(v, str):
            return _str_scalar(v, indent, indent - parent)
        if isinstance(v, bool):
            return " true\n" if v else " false\n"
        if isinstance(v, int):
            return f" {v}\n"
        if isinstance(v, float):
            return " " + _go_float(v) + "\n"
        if v is None:
            return " null\n"
        if isinstance(v, (bytes, bytearray)):
            # Bytes in an extra key (a WebSocket binary frame) load from `!!binary`: written back
            # as `!!binary` even when valid UTF-8, so the file round-trips. (Bodies: see below.)
            return _binary(bytes(v), indent)
        raise CassetteError(f"cannot write a {type(v).__name__} value to a cassette: {_short(v)}")

    def key(self, k: Any) -> tuple[str, bool]:
        """(text, simple) for a mapping key; yaml.v3 uses `? key` past 128 bytes or on breaks."""
        if isinstance(k, str):
            simple = (
                not any(c in k for c in "\n\r\x85\u2028\u2029")
                and (len(k) <= 32 or len(k.encode("utf-8", "surrogatepass")) <= 128)
            )
            if simple:
                return _str_scalar(k, 0, 0)[1:-1], True  # (never a block)
            return k, False
        text = self.scalar(k, 0, 0)
        return text[1:-1], True

    def mapping(self, items: Iterable[tuple[Any, Any]], m: int, inline_first: bool) -> None:
        out = self.out
        first = inline_first
        for k, v in items:
            prefix = "" if first else " " * m
            first = False
            text, simple = self.key(k)
            if simple:
                out.append(prefix + text + ":")
                self.value(v, m)
            else:
                self.complex_entry(prefix, k, v, m)

    def complex_entry(self, prefix: str, k: str, v: Any, m: int) -> None:
        """`? key` / `: value` (yaml.v3's non-simple keys); the value starts on the `:` line."""
        out = self.out
        out.append(prefix + "?" + self.scalar(k, self.child_indent(m), m))
        out.append(" " * m + ":")
        if isinstance(v, dict) and v:
            c = self.child_indent(m)
            out.append(" " * (c - m - 1))
            self.mapping(v.items(), c, True)
        elif isinstance(v, (list, tuple)) and v:
            s = self.child_indent(m)  # not compact here: yaml.v3 is at an indentation point
            out.append(" " * (s - m - 1))
            self.sequence(v, s, True)
        else:
            self.value(v, m)

    def value(self, v: Any, m: int) -> None:
        """The value of a key written at indent m (after `key:`)."""
        out = self.out
        if isinstance(v, dict):
            if not v:
                out.append(" {}\n")
                return
            out.append("\n")
            self.mapping(v.items(), self.child_indent(m), False)
        elif isinstance(v, (list, tuple)):
            if not v:
                out.append(" []\n")
                return
            out.append("\n")
            self.sequence(v, self.child_indent(m) - (2 if self.compact else 0), False)
        else:
            out.append(self.scalar(v, self.child_indent(m), m))

    def sequence(self, items: Iterable[Any], s: int, inline_first: bool) -> None:
        out = self.out
        first = inline_first
        for v in items:
            out.append("-" if first else " " * s + "-")
            first = False
            if isinstance(v, dict) and v:
                out.append(" ")
                self.mapping(v.items(), s + 2, True)
            elif isinstance(v, (list, tuple)) and v:
                out.append(" ")
                self.sequence(v, s + 2, True)
            elif isinstance(v, dict):
                out.append(" {}\n")
            elif isinstance(v, (list, tuple)):
                out.append(" []\n")
            else:
                out.append(self.scalar(v, s + 2, s))

    def chunks(self, v: Any, m: int) -> None:
        """CHUNKS_KEY's value: one flow-style line of [offset_ms, size] pairs."""
        if isinstance(v, list) and all(
            isinstance(p, (list, tuple)) and len(p) == 2
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in p)
            for p in v
        ):
            num = _flow_number
            parts = [f"[{num(a)}, {num(b)}]" for a, b in v]
            self.out.append(" [" + ", ".join(parts) + "]\n")
        else:
            self.value(v, m)


def _ordered_keys(
    key_order: list[str] | None, canonical: tuple[str, ...], present: dict[str, bool],
    extra: dict[str, Any],
) -> list[str]:
    """Keys to write: loaded order when known, else go-vcr's; new keys at their go-vcr place."""
    keys = [k for k in canonical if present[k]] + [k for k in extra if k not in present]
    if key_order is None:
        return keys
    order = [k for k in key_order if (present[k] if k in present else k in extra)]
    if len(order) == len(keys):
        return order
    seen = set(order)
    rank = {k: i for i, k in enumerate(canonical)}
    for k in keys:
        if k in seen:
            continue
        pos = len(order)
        if k in rank:  # after the last key that comes before it in go-vcr's order
            pos = 0
            for j, o in enumerate(order):
                if rank.get(o, -1) < rank[k] and o in rank:
                    pos = j + 1
        order.insert(pos, k)
        seen.add(k)
    return order


def _present(
    obj: Request | Response, keys: tuple[str, ...], zero: dict[str, Any]
) -> dict[str, bool]:
    """Which model keys to write: optional ones when not None; others when loaded or non-zero."""
    loaded = set(obj.key_order) if obj.key_order is not None else None
    present = {}
    for k in keys:
        v = obj.duration_ns if k == "duration" else getattr(obj, k)  # type: ignore[union-attr]
        if k in _OPTIONAL:
            present[k] = v is not None
        elif loaded is None or k in loaded:
            present[k] = True
        else:
            present[k] = v != zero.get(k)  # absent from the file: write only if set since
    return present


_REQUEST_ZERO = {"proto": "", "proto_major": 0, "proto_minor": 0, "content_length": 0, "host": "",
                 "body": "", "headers": {}, "url": "", "method": ""}
_RESPONSE_ZERO = {"proto": "", "proto_major": 0, "proto_minor": 0, "content_length": 0, "body": "",
                  "headers": {}, "status": "", "code": 0, "duration": 0}
_INT_FIELDS = frozenset(("proto_major", "proto_minor", "content_length", "code"))


def _emit_http(em: _Emitter, obj: Request | Response, keys: tuple[str, ...],
               zero: dict[str, Any], m: int, where: str) -> None:
    out = em.out
    pad = " " * m
    child = em.child_indent(m)
    for k in _ordered_keys(obj.key_order, keys, _present(obj, keys, zero), obj.extra):
        if k not in keys:  # an extra key
            v = obj.extra[k]
            text, simple = em.key(k)
            if not simple:
                em.complex_entry(pad, k, v, m)
                continue
            out.append(pad + text + ":")
            if k == CHUNKS_KEY:
                em.chunks(v, m)
            else:
                em.value(v, m)
            continue
        out.append(pad + k + ":")
        if k == "duration":
            ns = obj.duration_ns  # type: ignore[union-attr]
            try:
                out.append(" " + format_go_duration(ns) + "\n")
            except ValueError as e:
                raise CassetteError(f"{where}.duration: {e}") from None
            continue
        v = getattr(obj, k)
        if k in _INT_FIELDS:
            if not isinstance(v, int) or isinstance(v, bool):
                raise CassetteError(f"{where}.{k}: expected an integer, got {_short(v)}")
            out.append(f" {v}\n")
        elif k == "body":
            if isinstance(v, (bytes, bytearray)):
                try:  # go-vcr's body is a string: valid UTF-8 is written as text
                    v = bytes(v).decode("utf-8")
                except UnicodeDecodeError:
                    pass
            if isinstance(v, str):
                out.append(_str_scalar(v, child, child - m))
            else:
                out.append(em.scalar(v, child, m))
        else:
            em.value(v, m)


def _emit_interaction(em: _Emitter, i: Interaction, s: int) -> None:
    """One list item of `interactions:`: `- id: N` with its `-` at column s."""
    out = em.out
    m = s + 2
    pad = " " * m
    out.append(" " * s + "-")
    present = {"id": True, "request": True, "response": True}
    first = True
    for k in _ordered_keys(i.key_order, INTERACTION_KEYS, present, i.extra):
        out.append(" " if first else pad)
        first = False
        if k == "id":
            if not isinstance(i.id, int) or isinstance(i.id, bool):
                raise CassetteError(f"interaction id must be an integer, got {_short(i.id)}")
            out.append(f"id: {i.id}\n")
        elif k == "request":
            out.append("request:\n")
            _emit_http(em, i.request, REQUEST_KEYS, _REQUEST_ZERO, em.child_indent(m),
                       f"interaction {i.id}: request")
        elif k == "response":
            out.append("response:\n")
            _emit_http(em, i.response, RESPONSE_KEYS, _RESPONSE_ZERO, em.child_indent(m),
                       f"interaction {i.id}: response")
        else:
            em.mapping([(k, i.extra[k])], m, True)


def _item_indent(layout: str) -> int:
    return 0 if layout == "compact" else 4


def dumps_interaction(interaction: Interaction, layout: str = "compact") -> str:
    """The text of one `interactions:` list item (`- id: N ...`), ending with a newline."""
    em = _Emitter(layout)
    _emit_interaction(em, interaction, _item_indent(layout))
    return "".join(em.out)


def dumps_cassette(cassette: Cassette) -> str:
    """The exact file text go-vcr (yaml.v3) would write for this cassette, in its layout."""
    em = _Emitter(cassette.layout)
    out = em.out
    out.append("---\n")
    present = {"version": True, "interactions": True}
    for k in _ordered_keys(cassette.key_order, CASSETTE_KEYS, present, cassette.extra):
        if k == "version":
            if not isinstance(cassette.version, int) or isinstance(cassette.version, bool):
                raise CassetteError(f"cassette version must be an integer: {cassette.version!r}")
            out.append(f"version: {cassette.version}\n")
        elif k == "interactions":
            if not cassette.interactions:
                out.append("interactions: []\n")
                continue
            out.append("interactions:\n")
            s = _item_indent(cassette.layout)
            for i in cassette.interactions:
                _emit_interaction(em, i, s)
        else:
            em.mapping([(k, cassette.extra[k])], 0, False)
    return "".join(out)


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory
    finally:
        os.close(fd)


def _atomic_write(path: str, data: bytes) -> None:
    """Write through a temp file in the same directory, fsync, rename over `path`."""
    directory = os.path.dirname(path)
    base = os.path.basename(path)
    tmp = ""
    try:
        for n in range(100):
            tmp = os.path.join(directory, f".{base}.{os.getpid()}.{n}.tmp")
            try:
                # 0o666 & ~umask like a normally created file (mkstemp would make it 0600).
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(f"cannot create a temporary file next to {path}")
        try:
            try:
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)  # keep an existing file's mode
            except FileNotFoundError:
                pass
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        tmp = ""
        _fsync_dir(directory)
    except OSError as e:
        raise CassetteError(f"{path}: cannot write cassette: {e.strerror or e}") from None
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def save_cassette(cassette: Cassette, path: str | os.PathLike[str]) -> None:
    """Rewrite the whole file atomically (temp file + fsync + rename): never half-written."""
    path = os.fspath(path)
    _atomic_write(path, dumps_cassette(cassette).encode("utf-8", "surrogateescape"))
    cassette.path = path


# --------------------------------------------------------------------------------------------
# Appending


LOCK_TIMEOUT_S = 30.0  # a writer waiting longer for another process's lock fails loudly


def file_stamp(path: str) -> tuple[int, int, int] | None:
    """(inode, size, mtime ns) of `path`, None when missing: changes whenever anyone writes it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


@contextlib.contextmanager
def cassette_lock(path: str | os.PathLike[str], timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive OS lock for a read-modify-write of the cassette at `path`.

    The lock is `flock` on the cassette's folder: the file itself cannot carry it (an atomic
    rewrite renames a new inode over it, and creating it just to lock it would leave an empty,
    invalid cassette), and a lock file next to it would litter a committed folder. flock locks
    are per open file description, so they also exclude threads of one process, and the kernel
    drops them when a process dies. Waits up to `timeout` seconds, then CassetteError. Where
    there is no flock (Windows) or the filesystem refuses it, writes go unlocked.
    """
    directory = os.path.dirname(os.path.abspath(os.fspath(path)))
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        yield  # no folder yet (the write will say why) or not openable: nothing to lock
        return
    try:
        if fcntl is not None:
            deadline = time.monotonic() + timeout
            delay = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise CassetteError(
                            f"{path}: another process holds the cassette folder's lock for over "
                            f"{timeout:.0f} s; not written") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
                except OSError:
                    break  # a filesystem without flock: unlocked, as before
        yield
    finally:
        os.close(fd)  # (releases the lock)


def _in_child(work: Callable[[], None]) -> None:
    """Run `work` in a forked child process and wait for it; CassetteError with the child's
    one-line message if it fails.

    The child is a copy-on-write snapshot of this process, so the interaction it writes is not
    copied or pickled across; it holds the same locked descriptors. It only runs `work` and
    leaves with os._exit (no cleanup of the parent's loop, threads or buffers). waitpid and the
    pipe read release the GIL: the parent's event loop keeps running meanwhile.
    """
    r, w = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # (3.12+: fork with threads)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (its result is checked by the parent)
        code = 0
        try:
            os.close(r)
            try:
                os.nice(10)  # background work: the proxy's own process comes first for the CPU
            except OSError:
                pass
            work()
        except BaseException as e:  # noqa: BLE001 - everything goes back as one line
            code = 1
            try:
                os.write(w, (str(e) or type(e).__name__).encode("utf-8", "replace")[:4000])
            except OSError:
                pass
        os._exit(code)
    os.close(w)
    try:
        message = b""
        while chunk := os.read(r, 4096):  # until the child exits (closing its end)
            message += chunk
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        text = message.decode("utf-8", "replace").strip() or f"writer process exit code {code}"
        raise CassetteError(" ".join(text.split()))


class CassetteWriter:
    """Durable, O(interaction) appends of interactions to a cassette file others may share.

    Each `append` holds `cassette_lock` while it checks the file, writes one interaction's text at
    its end in one write and fsyncs; the file is always a valid cassette (a crash mid-write
    leaves a tail the loader drops with a warning). If the file changed since this writer last
    saw it (another process or writer appended or rewrote it), it is read again first, so what
    others wrote is kept and ids stay unique: nothing is lost silently. The file is created (or
    repaired, or converted from `interactions: []`) by an atomic whole-file rewrite; if
    appending is impossible (top-level keys after `interactions`), every append rewrites the
    whole file. The file is opened per append, so any number of writers hold no descriptors.

    `cassette` is this writer's model of the file: appended interactions are added to
    `cassette.interactions` (if not already its last item); a re-read replaces it. `seen` is the
    file's `file_stamp` when `cassette` was read from it (default: now). With `fresh=True`
    (record mode) the first append starts a new file, unless the file changed after `seen`: then
    another recorder has started it afresh already and this one appends to it.
    """

    def __init__(self, path: str | os.PathLike[str], cassette: Cassette | None = None, *,
                 fresh: bool = False, seen: object = "now") -> None:
        self.path = os.fspath(path)
        exists = os.path.exists(self.path)
        if cassette is None:
            cassette = _load_file(self.path)[0] if exists and not fresh else Cassette(
                path=self.path)
        self.cassette = cassette
        self._lock = threading.Lock()
        self._fresh = fresh
        self._stale = False  # the model differs from the file (see append(isolate=True))
        stamp = file_stamp(self.path) if seen == "now" else seen
        self._since = stamp if fresh else None
        self._known = None if fresh else stamp  # the file as this model has it
        self._reset_view(exists and not fresh)

    def _reset_view(self, exists: bool) -> None:
        keys = self.cassette.key_order
        self._rewrite_always = keys is not None and "interactions" in keys and keys[-1] != (
            "interactions"
        )
        # Append only if the file ends exactly with what we would write for the last interaction.
        self._appendable = exists and not self._rewrite_always and self._tail_matches()
        self._next_id = self.cassette.next_id()

    def _tail_matches(self) -> bool:
        if not self.cassette.interactions:
            return False
        tail = dumps_interaction(self.cassette.interactions[-1], self.cassette.layout).encode(
            "utf-8", "surrogateescape"
        )
        try:
            fd = open_regular(self.path)
        except CassetteError:
            return False
        try:
            with open(fd, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                if size < len(tail):
                    return False
                f.seek(size - len(tail))
                return f.read() == tail
        except OSError:
            return False

    def _sync_with_file(self) -> None:
        """Under the lock: take in what others wrote since we last saw the file."""
        now = file_stamp(self.path)
        if self._fresh:
            self._fresh = False
            if now is None or now == self._since:
                self.cassette.interactions.clear()  # ours to start afresh
                self._reset_view(False)
                return
            # Changed since the caller looked: another recorder started it afresh; keep theirs.
        elif now == self._known and not (self._stale and not self._appendable):
            return  # (a stale model is re-read before it would be written whole)
        if now is None:  # deleted meanwhile: start a new file with what we know
            self._reset_view(False)
            return
        layout = self.cassette.layout
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CassetteTruncatedWarning)  # (repaired on write)
            self.cassette = _load_file(self.path)[0]
        if not self.cassette.interactions:
            self.cassette.layout = layout
        self._stale = False
        self._reset_view(True)

    def append(self, interaction: Interaction, *, new_id: bool = False,
               prepare: Callable[[Interaction], Interaction] | None = None,
               isolate: bool = False) -> Interaction:
        """Add one interaction to the file (and to the cassette model); returns it.

        `new_id=True` gives it the next free id, counted from the file as it is now (what other
        writers appended included); otherwise its id is kept as it is. `prepare` (redaction) is
        applied to it first, under the lock. `isolate=True` (for a large body) runs `prepare`,
        the serialisation and the write in a forked child process, where minutes of CPU-bound
        work on hundreds of MB cannot hold this process's GIL (a worker thread would: regex and
        codec calls on one huge string do not let go of it); the model then keeps the
        interaction as given and is re-read from the file before it is ever written whole.
        """
        with self._lock, cassette_lock(self.path):
            self._sync_with_file()
            if new_id:
                interaction.id = self._next_id
            self._next_id = max(self._next_id, interaction.id + 1)
            if isolate and hasattr(os, "fork"):
                try:
                    _in_child(lambda: self._write(prepare(interaction) if prepare else
                                                  interaction))
                except CassetteError:
                    self._appendable = False  # maybe a partial item: rewritten whole next time
                    self._known = file_stamp(self.path)
                    raise
                self.cassette.interactions.append(interaction)
                self._appendable = not self._rewrite_always
                self._stale = True  # (the file holds the prepared form, the model does not)
                self._known = file_stamp(self.path)
                return interaction
            if prepare is not None:
                interaction = prepare(interaction)
            self._write(interaction)
            return interaction

    def _write(self, interaction: Interaction) -> None:
        """Append (or rewrite the file with) one interaction; the caller holds the locks."""
        items = self.cassette.interactions
        if not items or items[-1] is not interaction:
            items.append(interaction)
        if not self._appendable:
            save_cassette(self.cassette, self.path)
            self._appendable = not self._rewrite_always
            self._known = file_stamp(self.path)
            return
        data = dumps_interaction(interaction, self.cassette.layout).encode(
            "utf-8", "surrogateescape"
        )
        try:
            fd = open_regular(self.path, os.O_WRONLY | os.O_APPEND)
            try:
                view = memoryview(data)
                while view:  # one write() in practice; loop only if the kernel writes less
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
        except (OSError, CassetteError) as e:
            # The file may now end with a partial item: the next append rewrites it whole,
            # from this model (which still holds this interaction), unless others wrote.
            self._appendable = False
            self._known = file_stamp(self.path)
            if isinstance(e, CassetteError):
                raise
            raise CassetteError(f"{self.path}: cannot append interaction: {e.strerror or e}") \
                from None
        self._known = file_stamp(self.path)

    def close(self) -> None:
        """Nothing stays open between appends; kept for callers that close writers."""

    def __enter__(self) -> CassetteWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# Helpers for other modules


def _go_key_less(a: str, b: str) -> bool:
    """yaml.v3 sorter.go keyList.Less for two strings (how Go writes map keys, e.g. headers)."""
    digits = False
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            digits = ca.isdecimal()
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return al if digits else bl
        an = bn = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and a[j].isdecimal():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and a[ai].isdecimal():
            an = an * 10 + ord(a[ai]) - 48
            ai += 1
        bi = i
        while bi < len(b) and b[bi].isdecimal():
            bn = bn * 10 + ord(b[bi]) - 48
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return len(a) < len(b)


def go_key_sorted(keys: Iterable[str]) -> list[str]:
    """Keys in the order yaml.v3 writes a Go map's keys (http.Header, url.Values)."""
    return sorted(
        keys,
        key=functools.cmp_to_key(
            lambda a, b: -1 if _go_key_less(a, b) else (1 if _go_key_less(b, a) else 0)
        ),
    )
