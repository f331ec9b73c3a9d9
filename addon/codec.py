"""The go-vcr `version: 2` cassette codec: text <-> Cassette (load with validation, dump, one
interaction for an append). No file access: storage is store.py.

Loading uses blockyaml (the block YAML go-vcr and vcrproxy write), else PyYAML (CSafeLoader when
available, imported only then), both with yaml.v3's own rules for plain scalars, so a
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

Three deliberate differences from yaml.v3, all where yaml.v3's output does not read back as
written (checked with the Go oracle in tests/go): a literal block whose text starts with a line
break (a body starting with a newline) gets its own header line break, where yaml.v3 lets the
text's first break end the header and so loses it; a literal block's indentation indicator is the
real offset of its lines from the key or `-`, where yaml.v3 writes its best indent (4) even in
sequence items whose lines are 2 in, which Go itself cannot read back; and a key `<<` (a query
parameter so named) is written `"<<"`, where yaml.v3 writes it plain and its parser then reads a
merge key (go-vcr cannot load the file).

Loading reads each field as yaml.v3 decodes it into go-vcr's structs: a string field (body, header
names and values, form keys and values, url, method, status...) written as a plain scalar keeps
the scalar's text whatever it resolves to (yamlv3.go_plain; `body: 1.50` is "1.50"), keys are
their text, a null list item or key is none, and a plain `<<` key merges a mapping in.

vcrproxy's own extra key CHUNKS_KEY (`vcrproxy_chunks`, ignored by go-vcr) is the last key of a
response and holds the arrival time and size of each streamed chunk as `[offset_ms, size]` pairs.
It is written on ONE line in flow style, `vcrproxy_chunks: [[0.52, 312], [150.3, 290]]`, because it
can hold thousands of pairs; numbers use Go's formatting (strconv 'g', shortest).

Appending (CassetteWriter) writes one interaction's text at the end of the file with a single
write + fsync. A file cut off in the middle of such a write loads with every complete interaction
and a warning naming the dropped one.
"""

from __future__ import annotations

import gc
import re
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import blockyaml, yamlv3
from .cassette import (
    CHUNKS_KEY,
    WEBSOCKET_KEY,
    Cassette,
    CassetteError,
    Interaction,
    Request,
    Response,
)
from .durations import format_go_duration, parse_go_duration
from .yamlv3 import (
    LARGE_SCALAR,
    LAYOUTS,
    PLAIN_TYPES,
    EmitError,
    PlainBool,
    StreamedScalar,
    _Emitter,
    _go_float,
    _str_scalar,
    binary_parts,
    quoted,
    scalar_parts,
    utf8_text,
)

if TYPE_CHECKING:  # PyYAML is imported only for a text blockyaml does not read (_parse)
    import yaml

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


# ... of which a response's last, `duration`, is no sign of a cut when it is missing: an
# interaction cut right before it is whole but for its timing (go-vcr reads it as 0 too), and
# hand-written cassettes often leave it out.
_CUT_SIGNS_RESPONSE = _REQUIRED_RESPONSE[:-1]
assert _REQUIRED_RESPONSE[-1] == "duration"


class CassetteTruncatedWarning(UserWarning):
    """A cassette file ended in the middle of an interaction, which was dropped."""




class _Invalid(Exception):
    """A value of the wrong type at a cassette path (becomes a one-line CassetteError)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)


def _as_str(v: Any, where: str) -> str:
    """A Go string field's value: a plain scalar's own text whatever it resolves to (yaml.v3
    decode.go `scalar`: `out.SetString(n.Value)`; `body: 1.50` is "1.50", `- 0x1F` "0x1F"),
    null the zero value, `!!binary` its bytes."""
    if isinstance(v, str):
        return v
    if type(v) in PLAIN_TYPES:
        return v.text
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
    raise _Invalid(where, f"expected a string, got {type(v).__name__} {quoted(v)}")


_GO_INT_MAX = (1 << 63) - 1  # go-vcr's int and int64 fields (64-bit Go)


def _as_int(v: Any, where: str) -> int:
    """An integer field, into Go's int64 as go-vcr reads it: a number beyond int64 fails
    go-vcr's Load (yaml.v3 decode.go: "cannot unmarshal !!int ... into int64"), so it is
    refused here too."""
    if isinstance(v, int) and not isinstance(v, (bool, PlainBool)):
        if v > _GO_INT_MAX:
            raise _Invalid(where, "a number beyond Go's int64 (go-vcr cannot load this file)")
        return int(v)
    if v is None:
        return 0
    if isinstance(v, float) and v.is_integer():
        if v >= 2.0**63:
            raise _Invalid(where, "a number beyond Go's int64 (go-vcr cannot load this file)")
        return int(v)
    raise _Invalid(where, f"expected an integer, got {quoted(v)}")


# The YAML 1.1 words yaml.v3 decodes into a Go bool field (decode.go: "compatibility with the
# 1.1 spec"), plain or quoted; anywhere else they are strings.
_GO_BOOL_WORDS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF"), False),
}


def _as_bool(v: Any, where: str) -> bool:
    if isinstance(v, (bool, PlainBool)):
        return bool(v)
    if v is None:
        return False
    if isinstance(v, str) and v in _GO_BOOL_WORDS:
        return _GO_BOOL_WORDS[v]
    raise _Invalid(where, f"expected true or false, got {quoted(v)}")


def _as_str_list(v: Any, where: str) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise _Invalid(where, f"expected a list of strings, got {quoted(v)}")
    # (a null item is none: yaml.v3 decode.go `sequence` keeps only the items that decode, and
    # null does not decode into a Go string)
    return [_as_str(x, where) for x in v if x is not None]


def _as_header_map(v: Any, where: str) -> dict[str, list[str]]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise _Invalid(where, f"expected a map of string lists, got {quoted(v)}")
    out: dict[str, list[str]] = {}
    for k, vals in v.items():
        name = _as_str(k, where)
        if vals is not None and not isinstance(vals, list):
            raise _Invalid(f"{where}.{name}", f"expected a list of strings, got {quoted(vals)}")
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
        raise _Invalid(where, f"expected a mapping, got {quoted(v)}")
    return v


# Fields taken as they are when the loaded value already has the model's type (the checks and
# the cassette path for an error message below cost ~1 s per 10,000 interactions).
_REQUEST_STR = frozenset(("proto", "host", "url", "method", "body"))
_RESPONSE_STR = frozenset(("proto", "status", "body"))
_REQUEST_INT = frozenset(("proto_major", "proto_minor", "content_length"))
_RESPONSE_INT = frozenset(("proto_major", "proto_minor", "content_length", "code"))


def _plain_headers(v: Any) -> bool:
    """`v` is already a header map: str -> list of str (used as it is, not copied)."""
    if type(v) is not dict:
        return False
    for name, values in v.items():
        if type(name) is not str or type(values) is not list:
            return False
        for x in values:
            if type(x) is not str:
                return False
    return True


def _fill(r: Any, d: dict[Any, Any], where: str, strs: frozenset[str], ints: frozenset[str],
          other: Callable[[Any, str, Any, str], bool]) -> Any:
    """Set the model fields of a request or response `r` from its loaded mapping `d`: a value
    already of the field's type is taken as it is; `other(r, key, value, at)` converts the rest
    (False: not a field, kept in `extra`). _Invalid names the place of a wrong value."""
    extra: dict[str, Any] = {}
    for k, v in d.items():
        t = type(v)
        if (t is str and k in strs) or (t is int and k in ints and v <= _GO_INT_MAX) or (
            k == "headers" and _plain_headers(v)
        ):
            setattr(r, k, v)
            continue
        at = f"{where}.{k}"
        if k in strs:
            setattr(r, k, _as_body(v, at) if k == "body" else _as_str(v, at))
        elif k in ints:
            setattr(r, k, _as_int(v, at))
        elif k in ("headers", "trailer"):
            setattr(r, k, _as_header_map(v, at) if k == "headers" or v is not None else None)
        elif k == "transfer_encoding":
            r.transfer_encoding = None if v is None else _as_str_list(v, at)
        elif not other(r, k, v, at):
            extra[str(k)] = v
    r.extra = extra
    r.key_order = [str(k) for k in d]
    return r


def _request_field(r: Request, k: str, v: Any, at: str) -> bool:
    if k == "form":
        r.form = None if v is None else _as_header_map(v, at)
    elif k in ("remote_addr", "request_uri"):
        setattr(r, k, None if v is None else _as_str(v, at))
    else:
        return False
    return True


def _response_field(r: Response, k: str, v: Any, at: str) -> bool:
    if k == "duration":
        if v is None:
            r.duration_ns = 0
        elif isinstance(v, str):
            try:
                r.duration_ns = parse_go_duration(v)
            except ValueError as e:
                raise _Invalid(at, str(e)) from None
        else:
            raise _Invalid(at, f"expected a Go duration like '1.5s', got {quoted(v)}")
    elif k == "uncompressed":
        r.uncompressed = None if v is None else _as_bool(v, at)
    else:
        return False
    return True


def _build_request(d: dict[Any, Any], where: str) -> Request:
    r = Request(proto="", proto_major=0, proto_minor=0, host="", url="", method="")
    return _fill(r, d, where, _REQUEST_STR, _REQUEST_INT, _request_field)


def _build_response(d: dict[Any, Any], where: str) -> Response:
    r = Response(proto="", proto_major=0, proto_minor=0, content_length=0, status="", code=0)
    return _fill(r, d, where, _RESPONSE_STR, _RESPONSE_INT, _response_field)


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


def _builds(raw: Any) -> bool:
    try:
        _build_interaction(raw, 0)
    except _Invalid:
        return False
    return True


def _is_torn(raw: Any, previous: Any = None) -> bool:
    """Whether a parsed last interaction is what an append cut off mid-write leaves.

    The writer (CassetteWriter) writes an interaction's keys in go-vcr's order, so a cut leaves
    every key up to some point and none after it: some key go-vcr always writes is missing and
    no key written after it is present. An interaction whose missing keys are not such a tail
    (a hand-written one with `url` and `method` but no `proto`) is whole, whatever it lacks;
    so is one that lacks only keys the interaction before it (`previous`) lacks too (the
    file's own style, e.g. no `headers` anywhere). Wrong types are no sign of a cut (they are
    reported as errors).
    """
    style = _missing_ranks(previous)
    ranks = _missing_ranks(raw)
    if ranks is None:
        return raw is None  # `- ` and nothing else
    present, missing = ranks
    if style is not None:
        missing = missing - style[1]
    return bool(missing) and (not present or max(present) < min(missing))


# A WebSocket close's keys as the writer writes them (websocket.WsSession.to_extra).
_WS_CLOSE_KEYS = ("at", "from", "code", "reason")
_BARE_KEY_RE = re.compile(r"\n *(?:close|vcrproxy_websocket):[ \t]*(?:\n[ \t]*)*\Z")


def _session_torn(raw: Any, text: str) -> bool:
    """Whether the WebSocket session (WEBSOCKET_KEY) of a parsed last interaction, whose text
    ends `text`, is what an append cut off mid-write leaves. go-vcr's keys all come before it,
    so `_is_torn` cannot tell: a cut between two messages (or inside a multi-line message)
    leaves a shorter session that reads as whole. The writer writes `count` first and `close`
    last, always (`close: null` for a session still open), so in a session that starts with
    `count` a cut leaves `close` missing, cut short (some of its keys missing, or a scalar in a
    file without its final newline) or bare (`close:` and nothing after it: the end of the
    file). In any recording, a cut leaves a session key with no mapping (`vcrproxy_websocket:`
    and nothing after it, or a cut-off scalar). Sessions recorded before `count` was written
    end with their messages: no sign of a cut in them. A 101 without the key is whole (a
    hand-written one, or go-vcr's): a cut right before the key cannot be told from it."""
    response = raw.get("response") if isinstance(raw, dict) else None
    if not isinstance(response, dict):
        return False
    ended = text.rstrip(" ").endswith("\n")
    if WEBSOCKET_KEY not in response:
        return False  # (a cut right before it is a 101 as hand-written ones are: kept)
    bare = _BARE_KEY_RE.search(text, max(0, len(text) - 200)) is not None
    session = response[WEBSOCKET_KEY]
    if session is None:
        return bare  # (`vcrproxy_websocket: null` is written so, an empty session)
    if not isinstance(session, dict | list) and not ended:
        return True
    if not isinstance(session, dict) or next(iter(session), None) != "count":
        return False
    if "close" not in session:
        return True
    close = session["close"]
    if close is None:
        return bare
    if not isinstance(close, dict):
        return not ended
    return any(k not in close for k in _WS_CLOSE_KEYS)


def _missing_ranks(raw: Any) -> tuple[list[int], set[int]] | None:
    """(ranks in the writer's order of the keys `raw` has, ranks of the keys go-vcr always
    writes that it lacks); None if `raw` is no mapping (or a part of it is neither a mapping
    nor empty)."""
    if not isinstance(raw, dict):
        return None
    present: list[int] = []  # ranks in the writer's order of the keys that are there
    missing: list[int] = []  # ranks of the keys go-vcr always writes that are not
    rank = 0

    def place(part: dict[Any, Any], order: tuple[str, ...], required: tuple[str, ...]) -> None:
        nonlocal rank
        ranks = {k: rank + n for n, k in enumerate(order)}
        end = rank + len(order)  # (keys of our own or unknown ones come last)
        present.extend(ranks.get(k, end) if isinstance(k, str) else end for k in part)
        missing.extend(ranks[k] for k in required if k not in part)
        rank = end + 1

    place({k: v for k, v in raw.items() if k not in ("request", "response")}, ("id",), ("id",))
    for key, order, required in (("request", REQUEST_KEYS, _REQUIRED_REQUEST),
                                 ("response", RESPONSE_KEYS, _CUT_SIGNS_RESPONSE)):
        if key in raw:
            present.append(rank)
        else:
            missing.append(rank)
        rank += 1
        part = raw.get(key)
        if part is not None and not isinstance(part, dict):
            return None
        place(part or {}, order, required)
    return present, set(missing)


# The last line of a newline-less file when an append was cut inside it, after every key that
# is a sign of a cut was there: a Go duration ends in its unit `s` (time.Duration.String:
# `1m30s`, `579.736709ms`, `0s`), so `579.736709m` or `579` was cut; a status code has three
# digits, so `code: 20` was cut; a key with no value yet was cut after its colon.
_CUT_LAST_LINE_RE = re.compile(
    r"""\n *(?:duration:[ \t]*(?:[^\s#]*[^\s#s"'])?|code:[ \t]*[0-9]{1,2}|[A-Za-z_]+:)[ \t]*\Z""")


def _cut_in_last_line(text: str) -> bool:
    """Whether a text without a final line break ends in a line the writer had not finished."""
    return _CUT_LAST_LINE_RE.search(text, max(0, len(text) - 200)) is not None


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


def _parse(text: str) -> tuple[Any, yaml.YAMLError | None]:
    """(the YAML value of `text`, None), or (None, PyYAML's error). The block YAML go-vcr and
    vcrproxy write is read by blockyaml, ~5-10x faster than PyYAML and the same value, and
    without importing PyYAML (~15 ms of a start); anything else by PyYAML."""
    try:
        return blockyaml.load(text), None
    except blockyaml.Unsupported:
        pass
    import yaml

    try:
        # a SafeLoader subclass: anything else, errors
        return yaml.load(text, Loader=yamlv3._Loader), None
    except yaml.composer.ComposerError as e:
        # yaml.v3's Unmarshal (go-vcr) reads the first document of a stream: one followed by
        # empty documents only (a trailing `---`) is that document, nothing lost. Others stay
        # an error: what follows would be dropped silently.
        if "single document" in str(e.context):
            try:
                docs = list(yaml.load_all(text, Loader=yamlv3._Loader))
            except yaml.YAMLError:
                return None, e
            if len(docs) > 1 and all(d is None for d in docs[1:]):
                return docs[0], None
        return None, e
    except yaml.YAMLError as e:
        return None, e


def _dropped_note(source: str, what: str, line: int) -> str:
    return (f"{source}: dropped incomplete interaction {what} at line {line}"
            " (file cut off mid-write)")


def warn_notes(notes: list[str], stacklevel: int = 3) -> None:
    """Say the loader's repair notes to a library caller, once each, as CassetteTruncatedWarning
    (the proxy logs them instead: one channel per caller, never both)."""
    for note in notes:
        warnings.warn(note, CassetteTruncatedWarning, stacklevel=stacklevel)


_ITEM_ID_RE = re.compile(r" *- id: *(-?[0-9]+)")


# A key line of an interaction (codec's keys, at any indentation).
_KEY_NAMES = "|".join(sorted({*INTERACTION_KEYS, *REQUEST_KEYS, *RESPONSE_KEYS}, key=len,
                             reverse=True))
_KEY_LINE_RE = re.compile(rf"\n *(?:{_KEY_NAMES}):")


def _swallows_keys(error: Exception, text: str) -> bool:
    """Whether a quoted scalar left open by hand (`- "application/json`) runs over key lines
    to the end of the file: an author's mistake, not a cut append (the writer writes a quoted
    scalar on one line, and a cut leaves nothing after it), to be said, not dropped."""
    context = getattr(error, "context_mark", None)
    if context is None or "quoted scalar" not in (getattr(error, "context", "") or ""):
        return False
    return _KEY_LINE_RE.search(text, context.index) is not None


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


def _loads(text: str, source: str) -> tuple[Cassette, list[str]]:
    """Parse cassette text; returns the cassette and the repair notes (one line each: a cut-off
    last interaction that was dropped). Nothing is logged or warned here: the caller says them."""
    # A large cassette allocates millions of objects and none of them is garbage: the cyclic
    # collector's passes over them were ~15% of a 10,000-interaction load. Paused meanwhile
    # (a pause, not a leak: collection resumes, with everything, right after).
    paused = gc.isenabled()
    gc.disable()
    try:
        return _loads_text(text, source)
    finally:
        if paused:
            gc.enable()


_VERSION_DIRECTIVE_RE = re.compile(r"%YAML[ \t]+([0-9]+)\.([0-9]+)(?=[ \t]|#|$)")


def _check_version_directive(text: str, source: str) -> None:
    """Refuse a `%YAML` directive of another version than 1.1, as yaml.v3 does (parserc.go:
    "found incompatible YAML document"; go-vcr cannot load the file, so neither do we): PyYAML
    takes `%YAML 1.2` (ruamel.yaml writes it). Directives come before the first document's
    `---`, after blank and comment lines only."""
    head = text[:4096]  # (a directive after 4 KB of comments goes unseen: PyYAML's to judge)
    if "%YAML" not in head:
        return
    for n, line in enumerate(head.splitlines()):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line.startswith("%"):
            return
        if line.startswith("%YAML"):
            m = _VERSION_DIRECTIVE_RE.match(line)
            if m is not None and (int(m[1]), int(m[2])) != (1, 1):
                raise CassetteError(
                    f"{source}:{n + 1}:1: invalid YAML: found incompatible YAML document: "
                    f"{line.split('#')[0].strip()} (go-vcr's yaml.v3 reads only YAML 1.1: "
                    "drop the directive or write %YAML 1.1)")


def _loads_text(text: str, source: str) -> tuple[Cassette, list[str]]:
    if text.startswith("\ufeff"):
        text = text[1:]
    _check_version_directive(text, source)
    layout_info = _detect_layout(text)
    data, parse_error = _parse(text)
    notes: list[str] = []
    if parse_error is not None:
        import yaml  # (imported already: the error is PyYAML's)

        if isinstance(parse_error, yamlv3._Refused):
            raise _yaml_error(parse_error, source) from None
        # A write cut off mid-interaction leaves a prefix of valid YAML that fails inside its
        # last item: a node that does not construct (`!!bi`, base64 cut short, even at a line
        # end), or a syntax error mid-line (a quoted scalar or an escape cut short) or right at
        # the end of the text. The text before that item must then parse on its own.
        start = -1
        if layout_info is not None:
            start = _last_item_start(text, layout_info[1], layout_info[2])
        mark = getattr(parse_error, "problem_mark", None)
        # (A mistake further up, in a file that only lacks its final newline, is an error: a
        # cut leaves the error on the last line, and dropping the item would lose it for good.)
        # (A node that does not construct is a cut only when it is the last thing written: a
        # key after it means the item ended whole, e.g. a hand edit's unknown `!binary` tag.)
        in_last = mark is not None and start >= 0 and mark.index >= start and (
            (isinstance(parse_error, yaml.constructor.ConstructorError)
             and _KEY_LINE_RE.search(text, mark.index) is None)
            or (not text.endswith("\n") and mark.line >= text.count("\n", 0, len(text) - 1))
            or mark.index >= len(text) - 2
        )
        if not in_last or _swallows_keys(parse_error, text):
            raise _yaml_error(parse_error, source) from None
        data, prefix_error = _parse(text[:start])
        if prefix_error is not None:
            raise _yaml_error(parse_error, source) from None
        if not isinstance(data, dict) or not isinstance(data.get("interactions") or [], list):
            raise _yaml_error(parse_error, source) from None
        m = _ITEM_ID_RE.match(text, start)
        n = len(data.get("interactions") or [])
        notes.append(_dropped_note(source, m[1] if m else f"#{n}", text.count("\n", 0, start) + 1))
    if data is None:
        raise CassetteError(f"{source}: empty cassette file (expected go-vcr `version: 2`)")
    if not isinstance(data, dict):
        raise CassetteError(f"{source}: not a go-vcr cassette (top level is not a mapping)")
    version = data.get("version")
    if version != 2 or isinstance(version, bool):
        raise CassetteError(
            f"{source}: unsupported cassette version {quoted(version)} (go-vcr version 2 expected)"
        )
    raw_items = data.get("interactions")
    if raw_items is None:
        raw_items = []
    if not isinstance(raw_items, list):
        raise CassetteError(f"{source}: interactions: expected a list, got {quoted(raw_items)}")
    keys = [str(k) for k in data]
    if (
        raw_items and not notes and keys[-1] == "interactions" and layout_info is not None
        and (_is_torn(raw_items[-1], raw_items[-2] if len(raw_items) > 1 else None)
             or _session_torn(raw_items[-1], text) or (
            # (trailing spaces may be the indentation of a next item that was cut off; a literal
            # block's last line break may be LS or PS, after which the emitters write no "\n")
            not text.rstrip(" ").endswith(("\n", "\u2028", "\u2029"))
            and (_cut_in_last_line(text.rstrip(" ")) or not _builds(raw_items[-1])))
        )
    ):
        # The last interaction's text was not fully written: keys missing from the end on, or
        # (no final newline: an editor's save, `.rstrip()`, or a cut inside the last line) its
        # last line unfinished. A whole interaction that only lacks the final newline is kept.
        start = _last_item_start(text, layout_info[1], layout_info[2])
        last = raw_items.pop()
        rid = last.get("id") if isinstance(last, dict) else None
        what = str(rid) if isinstance(rid, int) else f"#{len(raw_items)}"
        notes.append(_dropped_note(source, what, text.count("\n", 0, max(start, 0)) + 1))
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
    ), notes


def loads_cassette(text: str, source: str = "<string>") -> Cassette:
    """Parse the text of a go-vcr `version: 2` cassette (either layout); a cut-off last
    interaction is dropped with a CassetteTruncatedWarning. CassetteError if it is no cassette."""
    cassette, notes = _loads(text, source)
    warn_notes(notes)
    return cassette



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
                raise CassetteError(f"{where}.{k}: expected an integer, got {quoted(v)}")
            out.append(f" {v}\n")
        elif k == "body":
            if isinstance(v, StreamedScalar):  # (written while it streamed: recording.py)
                if em.large_as_bytes and v.finish().fits(child, child - m):
                    out.extend(v.parts)
                    continue
                v = v.data()
            if isinstance(v, (bytes, bytearray)):
                # go-vcr's body is a string: valid UTF-8 is written as text
                text = utf8_text(bytes(v))
                v = bytes(v) if text is None else text
            if em.large_as_bytes and len(v) >= LARGE_SCALAR:
                # (bytes in `out`: see interaction_parts)
                out.extend(scalar_parts(v, child, child - m) if isinstance(v, str)
                           else binary_parts(v, child))
            elif isinstance(v, str):
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
                raise CassetteError(f"interaction id must be an integer, got {quoted(i.id)}")
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


def response_body_columns(layout: str = "compact") -> tuple[int, int]:
    """(indent, hint) of a response body's scalar in a cassette of this layout: the column its
    block lines start at, and a literal block's indentation indicator (the `indent` and `hint`
    of a yamlv3.StreamedScalar that `interaction_parts` writes as it is).
    CassetteError for an unknown layout."""
    em = _emitter(layout)
    m = em.child_indent(_item_indent(layout) + 2)
    child = em.child_indent(m)
    return child, child - m


def _item_indent(layout: str) -> int:
    return 0 if layout == "compact" else 4


def _emitter(layout: str) -> _Emitter:
    if layout not in LAYOUTS:
        raise CassetteError(f"unknown cassette layout {layout!r} (expected compact/indented)")
    return _Emitter(layout)


def _unwritable(e: EmitError) -> CassetteError:
    return CassetteError(
        f"cannot write a {type(e.value).__name__} value to a cassette: {quoted(e.value)}"
    )


def dumps_interaction(interaction: Interaction, layout: str = "compact") -> str:
    """The text of one `interactions:` list item (`- id: N ...`), ending with a newline.
    CassetteError for an unknown layout or a value yaml.v3 cannot write."""
    em = _emitter(layout)
    try:
        _emit_interaction(em, interaction, _item_indent(layout))
    except EmitError as e:
        raise _unwritable(e) from None
    return "".join(em.out)


def _as_parts(out: list[str | bytes]) -> list[bytes]:
    parts: list[bytes] = []
    texts: list[str] = []
    for piece in out:
        if not isinstance(piece, str):  # (bytes, or a buffer: a StreamedScalar's mapped text)
            if texts:
                parts.append("".join(texts).encode("utf-8", "surrogateescape"))
                texts = []
            parts.append(piece)
        else:
            texts.append(piece)
    if texts:
        parts.append("".join(texts).encode("utf-8", "surrogateescape"))
    return parts


def interaction_parts(interaction: Interaction, layout: str = "compact") -> list[bytes]:
    """`dumps_interaction(...)` as the bytes a file holds (UTF-8, surrogateescape), in pieces
    to write one after the other: a body from LARGE_SCALAR on is its own piece, built as bytes
    (no second copy of it for the encoding, no joining it with the rest)."""
    em = _emitter(layout)
    em.large_as_bytes = True
    try:
        _emit_interaction(em, interaction, _item_indent(layout))
    except EmitError as e:
        raise _unwritable(e) from None
    return _as_parts(em.out)


def cassette_parts(cassette: Cassette) -> list[bytes]:
    """`dumps_cassette(cassette)` as the bytes a file holds, in pieces (see interaction_parts)."""
    em = _emitter(cassette.layout)
    em.large_as_bytes = True
    try:
        _emit_cassette(em, cassette)
    except EmitError as e:
        raise _unwritable(e) from None
    return _as_parts(em.out)


def dumps_cassette(cassette: Cassette) -> str:
    """The exact file text go-vcr (yaml.v3) would write for this cassette, in its layout.
    CassetteError for an unknown layout or a value yaml.v3 cannot write."""
    em = _emitter(cassette.layout)
    try:
        _emit_cassette(em, cassette)
    except EmitError as e:
        raise _unwritable(e) from None
    return "".join(em.out)


def _emit_cassette(em: _Emitter, cassette: Cassette) -> None:
    out = em.out
    out.append("---\n")
    present = {"version": True, "interactions": True}
    for k in _ordered_keys(cassette.key_order, CASSETTE_KEYS, present, cassette.extra):
        if k == "version":
            if not isinstance(cassette.version, int) or isinstance(cassette.version, bool):
                raise CassetteError(
                    f"cassette version must be an integer, not {quoted(cassette.version)}")
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
