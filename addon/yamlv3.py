"""yaml.v3's rules, knowing nothing of cassettes: how a plain scalar resolves (resolve.go), a
PyYAML loader that reads scalars that way, the string-building emitter that writes what yaml.v3
writes (encode.go stringv, emitterc.go), and Go's map key order (sorter.go). See codec.py for
what a cassette makes of them."""


from __future__ import annotations

import base64
import binascii
import codecs
import functools
import logging
import math
import re
import struct
import threading
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("vcrproxy")

LAYOUTS = ("compact", "indented")  # 2-space charm/yaml v4 compact, or yaml.v3's 4-space


def quoted(v: Any) -> str:
    """A value as an error quotes it, never a secret: a short string or number as it is; a
    longer string (a header's `token ghp_...` written where a list belongs) or a collection
    holding text as its kind and size. Errors go to CI logs and `git diff` (a textconv)."""
    if isinstance(v, (bytes, str)) and len(v) > _QUOTED_MAX:
        return f"a {len(v)}-character {'string' if isinstance(v, str) else 'bytes value'}"
    text = repr(v)
    if isinstance(v, (list, tuple, dict)) and len(text) > _QUOTED_MAX + 8:
        return f"a {type(v).__name__} of {len(v)} item{'s' if len(v) != 1 else ''}"
    return text if len(text) <= 60 else text[:57] + "..."


def quoted_name(name: Any) -> str:
    """A key or header name as an error quotes it (a name, not a value: shown, shortened)."""
    text = repr(name)
    return text if len(text) <= 60 else text[:57] + "..."


_QUOTED_MAX = 16  # characters of a string an error quotes (a key is longer)

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


class PlainInt(int):
    """An int read from a plain scalar written otherwise than Go prints it (`0x1F`, `1_000`,
    `+5`, `007`): `text` is that text. A Go string field given a plain scalar keeps its text
    whatever it resolves to (yaml.v3 decode.go `scalar`: `out.SetString(n.Value)`), so the
    codec takes `text` for a string field; as a number it is the int."""

    text: str


class PlainFloat(float):
    """A float read from a plain scalar written otherwise than Go prints it (`1.50`, `1e5`,
    `.Inf`): `text` is that text (see PlainInt)."""

    text: str


class PlainBool(int):
    """A bool read from `True`, `TRUE`, `False` or `FALSE` (bool cannot be subclassed: 1 or 0):
    `text` is that text, for a string field (see PlainInt); `bool(v)` for a bool field."""

    text: str


PLAIN_TYPES = (PlainInt, PlainFloat, PlainBool)


def go_plain(s: str) -> Any:
    """The value go-vcr's yaml.v3 gives the plain scalar `s`: go_resolve's value, except that a
    number or bool written otherwise than Go writes it is a PlainInt / PlainFloat / PlainBool
    holding `s` as `text` (what a Go string field keeps). `1`, `true`, `1.5` stay int, bool,
    float: their text is the value's."""
    tag, value = go_resolve(s)
    if tag == _STR or tag == _NULL or tag == _TIMESTAMP:
        return value
    if tag == _INT:
        if str(value) == s:
            return value
        out: Any = PlainInt(value)
    elif tag == _FLOAT:
        if _go_float(value) == s:
            return value
        out = PlainFloat(value)
    else:  # _BOOL
        if s == "true" or s == "false":
            return value
        out = PlainBool(value)
    out.text = s
    return out


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
#
# PyYAML is imported when its loader is first needed (`_Loader`, `_Refused`: see __getattr__ at
# the end): blockyaml reads the files go-vcr and vcrproxy write without it, and importing it
# (its Reader compiles a large character class) is ~15 ms of every `vcrproxy` start.

_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = _TAG_PREFIX + "str"
_SEQ_TAG = _TAG_PREFIX + "seq"
_MAP_TAG = _TAG_PREFIX + "map"
_MERGE_TAG = _TAG_PREFIX + "merge"
_NULL_TAG = _TAG_PREFIX + "null"
_KEY_AS_TEXT = frozenset(_TAG_PREFIX + t for t in (_INT, _FLOAT, _BOOL, _TIMESTAMP))


def _go_mapping_keys(node: Any, refused: type) -> None:
    """A mapping node's keys as yaml.v3 decodes go-vcr's structs and string-keyed maps, before
    PyYAML constructs it (in place):

    - a key repeated (same kind, same text) is refused (decode.go, uniqueKeys: go-vcr cannot
      load the file; PyYAML would keep the last), a plain `<<` too;
    - a plain `<<` is a merge key (parser.go): its value must be a mapping or a list of
      mappings (decode.go merge, "map merge requires map or sequence of maps as the value"),
      merged with the mapping's own keys winning; anything else is refused, as go-vcr cannot
      load the file;
    - every other scalar key is a string: its text (a key `0x1F` or `1.10` into Go's string
      key is "0x1F" / "1.10", not a number), and a key that resolves to null (`~`, `null`) is
      no entry at all (yaml.v3 skips it).
    """
    import yaml

    seen: dict[tuple[type, str], Any] = {}
    kept = []
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            ident = (type(key_node), key_node.value)
            if ident in seen:
                raise refused(
                    None, None,
                    f"mapping key {key_node.value[:80]!r} already defined at line "
                    f"{seen[ident].line + 1} (go-vcr refuses repeated keys)",
                    key_node.start_mark,
                )
            seen[ident] = key_node.start_mark
            tag = key_node.tag
            if tag == _MERGE_TAG:
                if not isinstance(value_node, yaml.MappingNode) and not (
                    isinstance(value_node, yaml.SequenceNode)
                    and all(isinstance(n, yaml.MappingNode) for n in value_node.value)
                ):
                    raise refused(
                        None, None,
                        "a plain << key is a YAML merge key: its value must be a mapping or a "
                        "list of mappings (yaml.v3: \"map merge requires map or sequence of "
                        "maps as the value\"; go-vcr cannot load this file); a key named << "
                        "must be quoted: \"<<\"",
                        key_node.start_mark,
                    )
            elif tag == _NULL_TAG:
                continue
            elif tag in _KEY_AS_TEXT:
                key_node.tag = _STR_TAG
        kept.append((key_node, value_node))
    node.value = kept


def _construct_go_number(loader: Any, node: Any) -> Any:
    text = loader.construct_scalar(node)
    tag = go_resolve(text)[0]
    wanted = node.tag[len(_TAG_PREFIX):]
    if tag == wanted or (tag == _INT and wanted == _FLOAT):
        return go_plain(text)  # (its text kept for a string field, as yaml.v3 keeps n.Value)
    import yaml

    raise yaml.constructor.ConstructorError(
        None, None, f"cannot read {node.value!r} as {node.tag}", node.start_mark
    )


_pyyaml_lock = threading.RLock()
_pyyaml_made: dict[str, type] = {}


def _pyyaml_class(name: str) -> type:
    """`_Refused` or `_Loader`, made (and PyYAML imported) once, on first use. Under a lock:
    every loader must raise, and codec check for, the one `_Refused` class."""
    with _pyyaml_lock:
        if "_Refused" not in _pyyaml_made:
            import yaml

            class _Refused(yaml.constructor.ConstructorError):
                """YAML that is valid but refused in a cassette (an alias): an error, never a
                cut-off file."""

            _pyyaml_made["_Refused"] = _Refused
        if name == "_Loader" and name not in _pyyaml_made:
            import yaml

            _pyyaml_made[name] = _make_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return _pyyaml_made[name]


def _make_loader(base: type) -> type:
    """A PyYAML safe loader class resolving plain scalars exactly like yaml.v3, refusing aliases.

    go-vcr never writes anchors or aliases; refusing every alias (`*name`) makes alias bombs
    (a few KB expanding to gigabytes when walked) and self-referencing nodes impossible, at no
    cost to real cassettes. Composing keeps one node per anchor, so a bomb costs nothing until
    its first reuse, which is refused here.
    """
    import yaml

    _Refused = _pyyaml_class("_Refused")

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

        def flatten_mapping(self, node: Any) -> None:
            # (PyYAML's construct_mapping calls this first, and it calls itself for each
            # mapping a merge key brings in: each mapping is read here as yaml.v3 reads it)
            _go_mapping_keys(node, _Refused)
            super().flatten_mapping(node)

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is yaml.ScalarNode:
                if implicit[0] and (not value or value[0] in _RESOLVE_HINT):
                    return _TAG_PREFIX + go_resolve(value)[0]
                if implicit[0] and value == "<<":
                    return _MERGE_TAG  # (yaml.v3 parser: a plain `<<` is a merge key)
                return _STR_TAG
            return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG

    Loader.add_constructor(_TAG_PREFIX + "int", _construct_go_number)
    Loader.add_constructor(_TAG_PREFIX + "float", _construct_go_number)
    Loader.add_constructor(_TAG_PREFIX + "bool", _construct_go_number)
    Loader.add_constructor(_TAG_PREFIX + "binary", _construct_go_binary)
    # A plain `<<` anywhere but a key is the text "<<" to yaml.v3 (a Go string, an interface{}).
    Loader.add_constructor(_MERGE_TAG, Loader.construct_yaml_str)
    # yaml.v3 keeps timestamps as text when the target is a string: so do we.
    Loader.add_constructor(_TAG_PREFIX + "timestamp", Loader.construct_yaml_str)
    return Loader


# Compiled on first use (writing), as functools.cache'd accessors: `re` builds these classes'
# tables one code point at a time in Python, ~4-8 ms each, a cost every start paid before.
@functools.cache
def _special_re() -> re.Pattern[str]:
    """Characters yaml.v3's is_printable rejects (plus tab, which it treats separately)."""
    return re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]")


def prepare_for_fork() -> None:
    """Compile what a StreamedScalar's `feed` compiles on first use, before a fork: a child of a
    threaded process must not take locks another thread may have held (re's cache, imports)."""
    _special_re()
    _not_literal_db()


@functools.cache
def _escape_re() -> re.Pattern[str]:
    """Characters the double-quoted writer escapes."""
    return re.compile('[^\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]|["\\\\\u2028\u2029]')


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
    return '"' + _escape_re().sub(lambda m: _escape_match(m[0]), s) + '"'


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
    pad = " " * indent
    if "\u2028" in s or "\u2029" in s:
        body = _ANY_LINE_START_RE.sub(pad, s)
    else:
        body = _LINE_START_RE.sub(pad, s)
    return _literal_header(s, hint) + body + ("" if s[-1] in _BREAK_CHARS else "\n")


def _literal_header(s: str, hint: int) -> str:
    """` |` with the indentation and chomping indicators, and its line break. A text starting
    with a tab gets the indicator too, unlike yaml.v3: without it libyaml, yaml.v3 and PyYAML
    all refuse the block ("found a tab character where an indentation space is expected")."""
    hints = str(hint) if s[0] == " " or s[0] == "\t" or s[0] in _BREAK_CHARS else ""
    if s[-1] not in _BREAK_CHARS:
        hints += "-"
    elif len(s) == 1 or s[-2] in _BREAK_CHARS:
        hints += "+"
    return " |" + hints + "\n"


_PLAIN, _SINGLE, _DOUBLE, _LITERAL = 0, 1, 2, 3


def _scalar_style(s: str, special: bool | None = None) -> int:
    """The style yaml.v3 writes the string `s` in (block context). `special`: whether `s` holds
    a character `_special_re()` finds, when the caller knows it already."""
    has_lsps = "\u2028" in s or "\u2029" in s
    # (a space before a break, as substring searches: a regex takes 10x longer on long text)
    space_break = " \n" in s or (has_lsps and (" \u2028" in s or " \u2029" in s))
    if "\n" in s:
        if s[-1] == " " or space_break:
            return _DOUBLE
        if special is None:
            special = _special_re().search(s) is not None
        return _DOUBLE if special else _LITERAL
    if not _plain_is_str(s) or "\t" in s:
        return _DOUBLE
    if special if special is not None else _special_re().search(s):
        return _DOUBLE
    if has_lsps and (space_break or re.search("[\u2028\u2029] ", s)):
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


# Large bodies are written through the functions below, as bytes, straight into the file: the
# same text as `_binary` / `_str_scalar`, without a million small strings or a second 70 MB copy
# for the UTF-8 encoding (recording a 50 MB stream spent ~1 s of its end-of-body wait in them).
LARGE_SCALAR = 1 << 20

try:
    from pybase64 import b64decode as _b64decode_fast
    from pybase64 import b64encode as _b64encode  # (SIMD; same output as binascii)

    def _b64decode(text: bytes) -> bytes:
        return _b64decode_fast(text, validate=False)  # (skips what is not base64: the layout)
except ImportError:  # pragma: no cover - a checkout without it: the same bytes, slower
    def _b64encode(data: memoryview) -> bytes:
        return binascii.b2a_base64(data, newline=False)

    def _b64decode(text: bytes) -> bytes:
        return binascii.a2b_base64(text)  # (not strict: skips what is not base64)

def go_b64decode(text: str) -> bytes:
    """A `!!binary` scalar's bytes as yaml.v3 decodes them (resolve.go: Go's
    base64.StdEncoding, which skips line breaks and nothing else); binascii.Error for what Go
    refuses ("!!binary value contains invalid base64 data": go-vcr cannot load the file): a
    space or another character outside the alphabet, missing or excess padding."""
    return base64.b64decode(text.replace("\n", "").replace("\r", ""), validate=True)


def _construct_go_binary(loader: Any, node: Any) -> bytes:
    import yaml

    try:
        return go_b64decode(loader.construct_scalar(node))
    except (binascii.Error, ValueError):
        raise yaml.constructor.ConstructorError(
            None, None, "!!binary value contains invalid base64 data (go-vcr cannot load it)",
            node.start_mark) from None


_B64_BLOCK = 105 * 1000  # input bytes per step: 140,000 base64 characters = 2,000 whole lines
_B64_LINES = struct.Struct("70s" * 2000).unpack


def binary_parts(data: bytes, indent: int) -> list[bytes]:
    """`_binary(data, indent)` as ASCII bytes, in pieces to write one after the other, built in
    C-sized steps (BinaryScalar: 2,000 lines at a time, no copy of the whole)."""
    block = BinaryScalar(indent)
    block.feed(data)
    return block.finish().parts


class StreamedScalar:
    """A large body written as its YAML scalar while it arrives, so that the end of a recording
    only writes it: `feed` the body's pieces in order (one thread at a time), then `finish`
    once. Then, if `usable`, `parts` is the exact text the codec writes for the body after a
    key whose value lines go at column `indent` (`hint`: the indentation indicator a literal
    block would carry); otherwise the codec decodes it back (`data()`) and writes the body as
    usual. The body itself is not kept: `data()` gives it back from the text. `size`: the
    body's length in bytes.

    Fed in another process (scanprocess.py): there `take()` hands over what the pieces added
    to `parts` and `_raw` (bytes the text could not take) after each `feed`, and `state()` the
    rest, which `restore` puts into this process's copy, with the handed-over bytes as buffers
    (maps of the memory file they were written to), before `finish`. Pieces never need what an
    earlier piece added to `parts`, so the other process keeps none of it."""

    __slots__ = ("indent", "hint", "size", "parts", "usable", "_finished", "_raw", "_taken")

    def __init__(self, indent: int, hint: int) -> None:
        self.indent = indent
        self.hint = hint
        self.size = 0
        self.parts: list[bytes] = []
        self.usable = True
        self._finished = False
        self._raw: list[bytes] = []  # the body's bytes after the text stopped qualifying
        self._taken = False  # `take` hands the pieces over: nothing may read `parts` back

    def feed(self, data: bytes) -> None:
        if self._finished:
            raise ValueError(f"{type(self).__name__}.feed after finish")
        self.size += len(data)
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        raise NotImplementedError

    def take(self) -> tuple[list[bytes], list[bytes]]:
        """(what the last pieces added to `parts`, and to the raw bytes), let go of here."""
        self._taken = True
        parts, raw = self.parts, self._raw
        self.parts, self._raw = [], []
        return parts, raw

    def state(self) -> dict[str, Any]:
        """Everything but `parts` and the raw bytes, to `restore` elsewhere (picklable)."""
        return {name: getattr(self, name) for cls in type(self).__mro__
                for name in getattr(cls, "__slots__", ()) if name not in ("parts", "_raw")}

    def restore(self, state: dict[str, Any], parts: list[bytes], raw: list[bytes]) -> None:
        """Take on what `state()` gave in another process that was fed this body, with the
        bytes its `take()` handed over, in order: `parts` (text) and `raw`."""
        for name, value in state.items():
            setattr(self, name, value)
        self.parts, self._raw = parts, raw
        self._taken = False

    def finish(self) -> StreamedScalar:
        """Frame what was fed (header, last piece, line break); returns self."""
        if not self._finished:
            self._finished = True
            self._finish()
        return self

    def _finish(self) -> None:
        raise NotImplementedError

    def data(self) -> bytes:
        raise NotImplementedError

    def fits(self, indent: int, hint: int) -> bool:
        """Whether `parts` can be written as they are at this place of a cassette."""
        return self.usable and self.indent == indent and self.hint == hint

    def __len__(self) -> int:
        return self.size


class BinaryScalar(StreamedScalar):
    """A body that is not UTF-8, as yaml.v3 writes it: `!!binary` base64 in 70-character lines
    (encodeBase64 in encode.go); `parts` equals `binary_parts(body, indent)`, built from whole
    105,000-byte blocks as they complete (between two blocks, a part of its own: the line break
    and indentation). Always usable."""

    __slots__ = ("_rest", "_blocks")

    def __init__(self, indent: int, hint: int = 0) -> None:
        super().__init__(indent, hint)
        self._rest = b""  # the bytes after the last whole block
        self._blocks = 0  # whole blocks made

    def fits(self, indent: int, hint: int) -> bool:
        return self.indent == indent  # (no indicator)

    def _feed(self, data: bytes) -> None:
        # Blocks are encoded from views of the piece: only a block that straddles two pieces is
        # copied (joining the rest to each piece, and each block to its separator, copied the
        # body and its text once more: 45 -> 30 ms per 50 MB).
        view = memoryview(data)
        if self._rest:
            need = _B64_BLOCK - len(self._rest)
            if len(view) < need:
                self._rest += view
                return
            self._block(self._rest + view[:need])
            view = view[need:]
        whole = len(view) - len(view) % _B64_BLOCK
        for j in range(0, whole, _B64_BLOCK):
            self._block(view[j:j + _B64_BLOCK])
        self._rest = bytes(view[whole:])

    def _block(self, data: memoryview | bytes) -> None:
        sep = b"\n" + b" " * self.indent
        if self._blocks:
            self.parts.append(sep)
        self.parts.append(sep.join(_B64_LINES(_b64encode(data))))
        self._blocks += 1

    def _finish(self) -> None:
        if self.size < 52:  # (under 70 base64 characters: one line; no block completed)
            self.parts = [_binary(self._rest, self.indent).encode("ascii")]
            self._rest = b""
            return
        sep = b"\n" + b" " * self.indent
        parts = [b" !!binary |\n" + b" " * self.indent, *self.parts]
        if self._rest:
            b64 = _b64encode(self._rest)
            last = sep.join([b64[i:i + 70] for i in range(0, len(b64), 70)])
            parts.append(sep + last if self._blocks else last)
            self._rest = b""
        parts.append(b"\n")
        self.parts = parts

    def data(self) -> bytes:
        """The body, decoded back from the finished text piece by piece: each piece holds whole
        4-character groups (a block of 105,000 bytes is 140,000 characters; a streamed text's
        file is whole blocks), and the decoder skips the line breaks, the indentation and the
        header's `|`. At its peak it holds the body decoded and the text, never the text
        joined, sliced or stripped (that held three copies of it at once: 3.8x the body)."""
        out = []
        for part in self.finish().parts:
            if part[:9] == b" !!binary":
                part = memoryview(part)[9:]
            if decoded := _b64decode(part):
                out.append(decoded)
        return b"".join(out)


class LiteralScalar(StreamedScalar):
    """A UTF-8 text body as a literal block (`|`), the style yaml.v3 gives a multi-line text
    with no special character, no space before a break or at the end, and (here) no U+2028 or
    U+2029: `parts` then equals `scalar_parts(text, indent, hint)`. Every non-empty line is
    indented as it arrives (the pieces' bytes, marked as `_literal_body` marks a text); whether
    the text qualifies is told from what was seen, and when it does not (`usable` False: not
    UTF-8, special characters, a quoted style), `data()` gives the bytes back for the codec to
    write as usual."""

    __slots__ = ("_pad", "_decoder", "_line_start", "_last", "_first", "_last2", "_breaks",
                 "_kept")

    def __init__(self, indent: int, hint: int) -> None:
        super().__init__(indent, hint)
        self._pad = b" " * indent
        self._decoder = codecs.getincrementaldecoder("utf-8")()  # (strict: validates too)
        self._line_start = True  # the next byte starts a line
        self._last = b""  # the last two bytes fed (a space before a break, LS/PS, across pieces)
        self._first = ""  # the first character and the last two (the block's header)
        self._last2 = ""
        self._breaks = False  # a line break seen
        self._kept = 0  # bytes in `parts`

    def _feed(self, data: bytes) -> None:
        if not data:
            return
        if not self.usable:
            self._raw.append(data)
            return
        seam = self._last + data[:2]
        is_ascii = data.isascii()
        text: str | None = None
        valid = True
        if not is_ascii or self._decoder.getstate()[0]:  # (else ASCII between characters)
            try:
                text = self._decoder.decode(data)  # (strict: validates)
            except UnicodeDecodeError:
                valid = False
        if not valid or _not_literal(data, text, seam):
            self.usable = False
            self._raw.append(data)
            return
        if text is None:  # (ASCII, between characters)
            head, tail = data[:1].decode("ascii"), data[-2:].decode("ascii")
        else:
            head, tail = text[:1], text[-2:]
        if not self._first:
            self._first = head
        self._last2 = (self._last2 + tail)[-2:]
        self._last = (self._last + data)[-2:]
        self._breaks = self._breaks or b"\n" in data
        # `_literal_body`, piece by piece; after a final break, the next piece tells whether
        # a line starts there. In steps of _MARK_STEP bytes (see there), each like a piece.
        pad, n = self._pad, len(self._pad)
        parts, kept, line_start = self.parts, self._kept, self._line_start
        for j in range(0, len(data), _MARK_STEP):
            step = data[j:j + _MARK_STEP] if len(data) > _MARK_STEP else data
            marked = step.replace(b"\n", b"\n" + pad)
            if b"\n\n" in step:
                marked = marked.replace(pad + b"\n", b"\n")
            if line_start and step[:1] != b"\n":
                parts.append(pad)
                kept += n
            line_start = step[-1:] == b"\n"
            if line_start:
                marked = marked[: len(marked) - n]
            parts.append(marked)
            kept += len(marked)
        self._kept, self._line_start = kept, line_start
        if self._kept > self.size * 3 // 2 + TEXT_SLACK and not self._taken:
            # Short lines: their indentation makes the text outgrow the body (4x for lines of
            # one character), where memory should hold about one copy of it (text handed over
            # by `take` is held by no one's memory: a file's): the bytes go back
            # to being kept as they are (written as before at the end).
            self._raw, self.parts = [self._plain()], []
            self.usable = False

    def _finish(self) -> None:
        if self.usable:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.usable = False
        if self.usable and (not self._breaks or self._last2[-1:] == " " or self.size < 3):
            self.usable = False  # (no break: not a block; a final space: double-quoted)
        if self.usable:
            header = _literal_header(self._first + self._last2, self.hint).encode()
            tail = b"" if self._last2[-1] in _BREAK_CHARS else b"\n"
            self.parts = [header, *self.parts, tail]

    def data(self) -> bytes:
        self.finish()
        return self._plain() + b"".join(self._raw)

    def _plain(self) -> bytes:
        """The bytes of the lines in `parts`, without their indentation."""
        body = self.parts[1:-1] if self._finished and self.usable else self.parts
        text = b"".join(body)
        if text.startswith(self._pad):
            text = text[len(self._pad):]
        return text.replace(b"\n" + self._pad, b"\n")


# LiteralScalar indents a piece this many bytes at a time: CPython searches for a pattern of 6
# bytes or more (the indentation before a break) in a text of 30,000 or more with its two-way
# algorithm, which is ~1.4x slower on SSE than its simple search (fastsearch.h); a step of SSE
# stays under that once indented (50 MB of SSE fed in 1 MiB pieces: 0.26 -> 0.21 s).
_MARK_STEP = 16 << 10

# A LiteralScalar's text may outgrow its body by this much and half the body before it gives
# the bytes back (a body of short lines: see LiteralScalar._feed).
TEXT_SLACK = 8 << 20


def _literal_body(s: str, pad: str) -> str:
    """`_LINE_START_RE.sub(pad, s)` for literal-style text (a line break and no space before
    one: `_scalar_style`): every non-empty line indented, in two str.replace passes (a regex
    substitution per line takes seconds for 50 MB). Each break is followed by `pad`; then each
    `pad` before a break (an empty line) goes. No space precedes a break in such a text, so
    every `pad + "\n"` is one put there, runs of empty lines included: the matches end at
    different breaks, so they never overlap and one pass takes them all."""
    t = s.replace("\n", "\n" + pad).replace(pad + "\n", "\n")
    if t.endswith("\n" + pad):
        t = t[: len(t) - len(pad)]
    return t if s[0] == "\n" else pad + t


_PRINTABLE_ASCII = bytes([9, 10, *range(0x20, 0x7F)])

# What keeps valid UTF-8 text from being a literal block (yaml.v3 analyze_scalar in
# emitterc.go: a character is_printable rejects, as _special_re() has it, or a space before a
# break; and U+2028 / U+2029, which LiteralScalar leaves to the codec), as bytes. Each starts
# with an ASCII or a lead byte, so none matches inside a character.
_NOT_LITERAL_BYTES = (
    rb"[\x00-\x08\x0b-\x1f\x7f]",  # C0 controls but tab and line feed; DEL
    rb"\xc2[\x80-\x9f]",  # C1 controls, U+0080-U+009F
    rb"\xef\xbb\xbf|\xef\xbf[\xbe\xbf]",  # U+FEFF, U+FFFE, U+FFFF
    rb"[\xf0-\xf4]",  # past U+FFFF
    rb"\xe2\x80[\xa8\xa9]",  # U+2028, U+2029
    rb" \n",
)


@functools.cache
def _not_literal_db() -> Any:
    """_NOT_LITERAL_BYTES as one hsmatch.Matcher, or None (the checks it replaces then)."""
    from .hsmatch import matcher

    return matcher(_NOT_LITERAL_BYTES, single_match=True)


def _not_literal(data: bytes, text: str | None, seam: bytes) -> bool:
    """Whether `data`, valid UTF-8 but for characters cut at its ends (`text`: its characters
    as decoded, None when it is ASCII between characters), holds what keeps a text from being
    a literal block (_NOT_LITERAL_BYTES); `seam`: the last two bytes before `data` and its
    first two, where a character or a space and a break can straddle a cut. One Hyperscan
    pass over the bytes (~6x faster on SSE than the translate and substring searches it
    replaces, which remain where Hyperscan cannot be had)."""
    db = _not_literal_db()
    if db is not None:
        found: list[int] = []
        for part in (data, seam):
            db.scan(part, lambda i, *_: found.append(i))
        return bool(found)
    if text is None:
        special = bool(data.translate(None, _PRINTABLE_ASCII))
    else:
        special = (_special_re().search(text) is not None or "\u2028" in text
                   or "\u2029" in text)
    return special or b" \n" in data or any(
        s in seam for s in (b" \n", b"\xe2\x80\xa8", b"\xe2\x80\xa9"))


def not_utf8_from_start(data: bytes) -> bool:
    """Whether `data` is surely not UTF-8, told from its first 64 KiB alone (a character cut by
    that slice does not count): go-vcr writes such a body as `!!binary` base64. False: it may
    be UTF-8."""
    try:
        data[: 1 << 16].decode("utf-8")
    except UnicodeDecodeError as e:
        return e.reason != "unexpected end of data"
    return False


def utf8_text(data: bytes) -> str | None:
    """`data` decoded as UTF-8, None when it is not UTF-8. A large binary body is told from its
    first 64 KiB when it can be (the decode error of the whole would copy all of it)."""
    if len(data) > 1 << 16 and not_utf8_from_start(data):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def scalar_parts(s: str, indent: int, hint: int) -> list[bytes]:
    """`_str_scalar(s, indent, hint)` encoded as the file holds it (UTF-8, surrogateescape), in
    pieces, for large strings."""
    special = None
    if s.isascii():  # (O(1)) a C pass over the bytes instead of a regex search per character
        special = bool(s.encode("ascii").translate(None, _PRINTABLE_ASCII))
    style = _scalar_style(s, special)
    if style == _LITERAL and "\u2028" not in s and "\u2029" not in s:
        tail = b"" if s[-1] in _BREAK_CHARS else b"\n"
        return [_literal_header(s, hint).encode(),
                _literal_body(s, " " * indent).encode("utf-8", "surrogateescape"), tail]
    if style == _DOUBLE:
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            return binary_parts(s.encode("utf-8", "surrogateescape"), indent)
    return [_str_scalar(s, indent, hint).encode("utf-8", "surrogateescape")]


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
    return str(int(x)) if isinstance(x, int) else _go_float(x)


class EmitError(ValueError):
    """A value the emitter cannot write (not str, bytes, int, float, bool, None, list or dict):
    `value` is it. The caller says it in its own terms (codec: a CassetteError)."""

    def __init__(self, value: Any) -> None:
        super().__init__(f"cannot write a {type(value).__name__} value: {quoted(value)}")
        self.value = value


class _Emitter:
    """Builds yaml.v3 block-style text into `out` (a list of strings). `layout` is one of
    LAYOUTS (ValueError otherwise); an unwritable value raises EmitError."""

    def __init__(self, layout: str) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r} (expected compact/indented)")
        self.best = 2 if layout == "compact" else 4
        self.compact = layout == "compact"
        self.out: list[str] = []
        self.large_as_bytes = False  # (codec.interaction_parts: large bodies go in as bytes)

    def child_indent(self, m: int) -> int:
        # yaml.v3 increase_indent: "Everything else aligns to the chosen indentation".
        return self.best * ((m + self.best) // self.best)

    def scalar(self, v: Any, indent: int, parent: int) -> str:
        """Text after `key:` / `-` (at column `parent`) for a scalar whose lines go at `indent`."""
        if isinstance(v, str):
            return _str_scalar(v, indent, indent - parent)
        if isinstance(v, PLAIN_TYPES):
            # As the file had it (`0x1F`, a 39-digit id Go reads as a float): a rewrite of a file
            # (redact) must not change a value it had no business with, nor lose its digits.
            return f" {v.text}\n"
        if isinstance(v, (bool, PlainBool)):
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
        raise EmitError(v)

    def key(self, k: Any) -> tuple[str, bool]:
        """(text, simple) for a mapping key; yaml.v3 uses `? key` past 128 bytes or on breaks."""
        if isinstance(k, str):
            if k == "<<":
                # Quoted, unlike yaml.v3's Marshal: a plain `<<` key is a merge key to yaml.v3's
                # parser, and go-vcr could not load the file (a query parameter named <<).
                return '"<<"', True
            simple = (
                not any(c in k for c in "\n\r\x85\u2028\u2029")
                and (len(k) <= 32 or len(k.encode("utf-8", "surrogatepass")) <= 128)
            )
            if not simple:
                try:
                    k.encode("utf-8")
                    return k, False
                except UnicodeEncodeError:
                    pass  # (bytes that are not UTF-8: decided on their `!!binary` text below)
            # Never a block; but a key of bytes that are not UTF-8 is `!!binary` base64, which
            # from 70 characters takes several lines: then `? key`, as yaml.v3's
            # check_simple_key has it for a multi-line scalar.
            text = _str_scalar(k, 0, 0)[1:-1]
            if "\n" in text:
                return k, False
            return text, True
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


def __getattr__(name: str) -> Any:
    """`_Loader` (the PyYAML loader class, libyaml's CSafeLoader when available) and `_Refused`
    (its error for aliases and repeated keys), made, and PyYAML imported, on first use."""
    if name in ("_Loader", "_Refused"):
        return _pyyaml_class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
