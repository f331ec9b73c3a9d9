"""A fast reader for the block YAML that go-vcr (yaml.v3) and vcrproxy write, giving exactly what
yamlv3's PyYAML loader gives for the same text, or refusing (`Unsupported`) so that the caller
parses it with that loader instead.

Why: PyYAML (even with libyaml) builds a Python event and node per scalar and calls back into
Python to resolve each plain scalar: ~5 µs a node, ~10 s for a 10,000-interaction (51 MB)
cassette. Cassettes use a small part of YAML, written one way: block mappings and sequences,
one-line plain and quoted scalars, literal blocks (`|`, `|-`, `|2+`...) for multi-line text,
`!!binary` base64, and vcrproxy's one-line `[[offset, size], ...]` chunk list. This reader takes
each line whole (a literal block in one slice), so a 51 MB cassette reads in about a second.

Equivalence, not leniency: every construct it is not sure of makes it refuse the whole text,
and the PyYAML loader then gives its value or its error (with its line and column). Refused:
comments, anchors, aliases, tags other than `!!binary`, flow collections other than `[]`, `{}`
and the chunk list, multi-line plain or quoted scalars, folded blocks, `? ` keys, several
documents, directives, tabs or trailing spaces outside scalars, a literal block without its
first line or with an empty value, nesting deeper than 64 levels, escapes libyaml would refuse,
line breaks other than `\\n` (`\\r`, NEL, LS, PS), characters YAML does not allow, a text not
ending with a line break (a cut-off file: codec.py's recovery needs PyYAML's error), a plain
`<<` key (a merge key) or a key that resolves to null. Scalars resolve with yamlv3.go_plain and
keys are their text, as the loader does. tests/test_blockyaml.py compares both
readers on generated and mutated cassettes.
"""

from __future__ import annotations

import binascii
import functools
import json
import re
from typing import Any

from .yamlv3 import go_b64decode, go_plain, go_resolve

__all__ = ["Unsupported", "load"]


def _unique_pairs(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise Unsupported("duplicate key")
    return out


class Unsupported(Exception):
    """The text uses YAML this reader does not handle: parse it with the full loader."""




@functools.cache
def _refused_chars_re() -> re.Pattern[str]:
    """Characters libyaml refuses, line breaks other than LF, and a BOM past the start: refused.
    Compiled on first use (a text beyond Latin-1): `re` builds this class's table one code
    point at a time, ~8 ms that every start paid before."""
    return re.compile(
        "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
    )


# A plain scalar's first character: indicators refused (`-`, `?`, `:` only before a space).
_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
_BLOCK_HEADER = re.compile(r"\|(?:([1-9])([-+]?)|([-+])([1-9])?)?")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPES = {
    "0": "\0", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n", "v": "\x0b",
    "f": "\x0c", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_NUMBER = r"[-+]?[0-9][0-9.eE+-]*"
_PAIRS = re.compile(rf"\[(?:\[{_NUMBER}, {_NUMBER}\](?:, \[{_NUMBER}, {_NUMBER}\])*)?\]")
_DECIMAL = r"(?:0|[1-9][0-9]{0,17})(?:\.[0-9]+)?"  # below 10**18: an int64 for go_resolve too
_SIMPLE_PAIRS = re.compile(
    rf"\[(?:\[{_DECIMAL}, {_DECIMAL}\](?:, \[{_DECIMAL}, {_DECIMAL}\])*)?\]"
)
_PAIR = re.compile(rf"\[({_NUMBER}), ({_NUMBER})\]")
# _refused_chars_re's check for a text of code points below 256 (most cassettes), made on its
# Latin-1 bytes by deleting the allowed ones: ~10x faster than the regex on 51 MB.
_LATIN1_ALLOWED = bytes([9, 10, *range(0x20, 0x7F), *range(0xA0, 0x100)])
# A Go duration (`1.899226064s`, `1m18.5s`): go_resolve reads it as a string, more slowly.
_GO_DURATION = re.compile("(?:[0-9]+(?:\\.[0-9]+)?(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+")
_MAX_DEPTH = 64
_CACHE_LIMIT = 8192  # one-line entries remembered (a cassette repeats most of its lines)
_keys: dict[str, str] = {}  # plain keys read before (keys repeat)


def _unescape(m: re.Match[str]) -> str:
    e = m[1]
    if len(e) == 1:
        c = _ESCAPES.get(e)
        if c is None:
            raise Unsupported(f"escape \\{e}")
        return c
    v = int(e[1:], 16)
    if 0xD800 <= v <= 0xDFFF or v > 0x10FFFF:
        raise Unsupported("escape of a surrogate or beyond Unicode")  # libyaml refuses it
    return chr(v)


def _plain_ok(s: str) -> bool:
    """`s` reads as one plain scalar on its own line (block context), nothing else."""
    c = s[0]
    if c in _INDICATORS or c == " " or (c in "-?:" and (len(s) == 1 or s[1] == " ")):
        return False
    return not (": " in s or " #" in s or "\t" in s or s[-1] in " :")


def _scalar(s: str) -> Any:
    """The value of a one-line scalar in a block (plain or quoted); Unsupported otherwise."""
    c = s[0]
    last = len(s) - 1
    if c == "'":
        end = s.find("'", 1)
        while 0 < end < last and s[end + 1] == "'":  # '' is a quote inside
            end = s.find("'", end + 2)
        if end != last:
            raise Unsupported("single-quoted scalar")
        return s[1:last].replace("''", "'")
    if c == '"':
        if "\\" not in s:
            if s.find('"', 1) != last:
                raise Unsupported("double-quoted scalar")
            return s[1:last]
        m = _DOUBLE.match(s)
        if m is None or m.end() != len(s):
            raise Unsupported("double-quoted scalar")
        return _ESCAPE.sub(_unescape, m[1])
    if not _plain_ok(s):
        raise Unsupported("plain scalar")
    if _GO_DURATION.fullmatch(s):
        return s  # (what go_resolve makes of it: digits and a unit are no number)
    return go_plain(s)


def _split_key(s: str) -> tuple[Any, str | None] | None:
    """(key, text after `: `, or None when the line ends at the colon) if `s` is `key: ...`."""
    c = s[0]
    if c == "'" or c == '"':
        m = (_SINGLE if c == "'" else _DOUBLE).match(s)
        if m is None:
            return None
        end = m.end()
        if s[end:end + 1] != ":":
            return None
        if end > 1000:
            raise Unsupported("long key")  # libyaml: a key ends within 1024 characters
        after = s[end + 1:]
        if after and after[0] != " ":
            raise Unsupported("quoted key")
        return _scalar(s[:end]), (after[1:] or None) if after else None
    pos = s.find(": ")
    if pos < 0:
        if s[-1] != ":":
            return None
        key, after = s[:-1], None
    else:
        key, after = s[:pos], s[pos + 2:]
    hit = _keys.get(key)
    if hit is None:
        if not key or len(key) > 1000 or not _plain_ok(key):
            raise Unsupported("key")
        if key == "<<" or go_resolve(key)[0] == "null":
            raise Unsupported("merge or null key")  # (the loader merges, refuses or skips)
        # A key is its text, as yaml.v3 reads a key into go-vcr's structs and string-keyed
        # maps (a header named `1.10` is "1.10", not a number).
        hit = key
        if len(_keys) < _CACHE_LIMIT:
            _keys[key] = hit
    return hit, after


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _Reader:
    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.i = start
        self.depth = 0
        self.cache: dict[str, tuple[Any, Any]] = {}

    def _next_content(self) -> int:
        """Index of the next line that is not blank (spaces only), from self.i; may be len."""
        lines, i, n = self.lines, self.i, len(self.lines)
        while i < n:
            line = lines[i]
            if line and (line[-1] != " " or line.strip(" ")):
                break
            i += 1
        self.i = i
        return i

    def _block_line(self, col: int, pad: str) -> str | None:
        """The next line that is not blank (self.i moves to it) when it is in the block at
        column `col` (`pad`: `col` spaces), else None: the end, or a less indented line."""
        lines, i, n = self.lines, self.i, len(self.lines)
        while i < n:  # (_next_content inlined: this runs for every entry, it is hot)
            line = lines[i]
            if line and (line[-1] != " " or line.strip(" ")):
                break
            i += 1
        self.i = i
        if i >= n:
            return None
        line = lines[i]
        if not line.startswith(pad):
            return None
        if line[col] == " ":
            raise Unsupported("indentation")
        return line

    def mapping(self, col: int, out: dict[Any, Any]) -> dict[Any, Any]:
        """Entries of the block mapping at column `col` (from self.i) into `out`."""
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise Unsupported("nesting")
        pad = " " * col
        while (line := self._block_line(col, pad)) is not None:
            c = line[col]
            if c == "-" and (len(line) == col + 1 or line[col + 1] == " "):
                raise Unsupported("sequence entry in a mapping")
            if col == 0 and line.startswith(("---", "...")):
                raise Unsupported("document marker")  # (only a column-0 line can be one)
            self.entry(line, col, out)
        self.depth -= 1
        return out

    def entry(self, line: str, col: int, out: dict[Any, Any]) -> None:
        """One `key: value` whose key starts at `col` of line self.i; moves past its value."""
        hit = self.cache.get(line)
        if hit is not None:
            if hit[0] in out:
                raise Unsupported("duplicate key")  # (the loader says it as an error)
            out[hit[0]] = hit[1]
            self.i += 1
            return
        if line[-1] == " ":
            raise Unsupported("trailing space")
        split = _split_key(line[col:])
        if split is None:
            raise Unsupported("not a key")
        key, after = split
        if key in out:
            raise Unsupported("duplicate key")  # (the loader says it as an error)
        if after is None:
            self.i += 1
            out[key] = self.nested(col)
            return
        c = after[0]
        if c == " ":
            raise Unsupported("spaces after the colon")
        if c == "|":
            out[key] = self.literal(after, col)
            return
        if c == "!":
            if not after.startswith("!!binary "):
                raise Unsupported("tag")
            out[key] = self.binary(after[9:], col)
            return
        if c == "[" or c == "{":
            value = self.flow(after)
        else:
            value = _scalar(after)
        out[key] = value
        self.i += 1
        if len(line) <= 200 and (value is None or isinstance(value, (str, int, float))):
            if len(self.cache) >= _CACHE_LIMIT:
                self.cache.clear()
            self.cache[line] = (key, value)

    def binary(self, rest: str, col: int) -> bytes:
        """The bytes of a `!!binary` scalar (`rest`: the text after the tag) of a key or `-`
        at `col`, one line or a literal block; moves past it."""
        if rest[0] == "|":
            text = self.literal(rest, col)
        else:
            if not _plain_ok(rest):
                raise Unsupported("binary scalar")
            text = rest
            self.i += 1
        try:
            return go_b64decode(text)
        except (ValueError, binascii.Error):  # (PyYAML's loader then says what is wrong)
            raise Unsupported("base64") from None

    def flow(self, s: str) -> Any:
        if s == "[]":
            return []
        if s == "{}":
            return {}
        if _SIMPLE_PAIRS.fullmatch(s):
            # (decimal ints and floats: what go_resolve makes of them)
            return json.loads(s, object_pairs_hook=_unique_pairs)
        if _PAIRS.fullmatch(s):
            return [[go_plain(a), go_plain(b)] for a, b in _PAIR.findall(s)]
        raise Unsupported("flow collection")

    def nested(self, col: int) -> Any:
        """The value after `key:` at the end of a line: a block node below, or null."""
        lines, n = self.lines, len(self.lines)
        if self._next_content() >= n:
            return None
        line = lines[self.i]
        ind = _indent(line)
        entry = line[ind] == "-" and (len(line) == ind + 1 or line[ind + 1] == " ")
        if ind > col:
            return self.sequence(ind) if entry else self.mapping(ind, {})
        if ind == col and entry:
            return self.sequence(ind)  # (an "indentless" sequence, as go-vcr's compact layout)
        return None

    def sequence(self, col: int) -> list[Any]:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise Unsupported("nesting")
        pad = " " * col
        items: list[Any] = []
        while (line := self._block_line(col, pad)) is not None:
            c = line[col]
            if c != "-" or (len(line) > col + 1 and line[col + 1] != " "):
                break  # a key of the mapping around an indentless sequence
            if line[-1] == " " or len(line) == col + 1:
                raise Unsupported("sequence entry")
            at = col + 2  # (the line is at least `- x`: no trailing space)
            if line[at] == " ":
                at = _indent(line[col + 1:]) + col + 1
            rest = line[at:]
            if rest[0] == "-" and (len(rest) == 1 or rest[1] == " "):
                raise Unsupported("nested sequence entry")
            if _split_key(rest) is not None:  # `- key: value`: a mapping at the key's column
                item: dict[Any, Any] = {}
                self.entry(line, at, item)
                items.append(self.mapping(at, item))
                continue
            if rest.startswith("!!binary "):  # (a header value that is not UTF-8: obs-text)
                items.append(self.binary(rest[9:], col))
                continue
            if rest[0] in "|!>":
                raise Unsupported("block or tag in a sequence")
            items.append(self.flow(rest) if rest[0] in "[{" else _scalar(rest))
            self.i += 1
        self.depth -= 1
        return items

    def literal(self, header: str, col: int) -> str:
        """A literal block scalar after `key: ` at `col` (yaml.v3's and libyaml's rules)."""
        m = _BLOCK_HEADER.fullmatch(header)
        if m is None:
            raise Unsupported("block header")
        digit = m[1] or m[4]
        chomp = m[2] or m[3] or ""
        lines, n = self.lines, len(self.lines)
        start = self.i + 1
        if digit:
            width = col + int(digit)
        else:
            if start >= n or not lines[start].strip(" "):
                raise Unsupported("block starting with an empty line")
            width = _indent(lines[start])
            if width <= col:
                raise Unsupported("block indentation")
            if lines[start][width] == "\t":
                raise Unsupported("tab after the indentation")  # libyaml: an error
        pad = " " * width
        j = start
        short = False  # a blank line of 1..width-1 spaces (it reads as an empty line)
        while j < n:
            line = lines[j]
            if line.startswith(pad) or not line:
                j += 1
            elif not line.strip(" "):
                short = True
                j += 1
            else:
                break
        self.i = j
        if short:
            text = "\n".join([line[width:] for line in lines[start:j]])
        else:  # every line is "" or starts with pad: drop pad after each line break
            text = ("\n" + "\n".join(lines[start:j])).replace("\n" + pad, "\n")[1:]
        content = text.rstrip("\n")
        if not content:
            raise Unsupported("empty block")
        if chomp == "-":
            return content
        if chomp == "+":
            return content + "\n" * (len(text) - len(content) + 1)
        return content + "\n"


def _refused_chars(text: str) -> bool:
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return _refused_chars_re().search(text) is not None
    return bool(raw.translate(None, _LATIN1_ALLOWED))


def load(text: str) -> Any:
    """The value of a cassette's text as yamlv3's loader reads it; Unsupported if unsure."""
    if not text.endswith("\n") or _refused_chars(text):
        raise Unsupported("line breaks or characters")
    lines = text[:-1].split("\n")
    start = 1 if lines and lines[0] == "---" else 0
    reader = _Reader(lines, start)
    try:
        if reader._next_content() >= len(lines) or _indent(lines[reader.i]) != 0:
            raise Unsupported("no top-level mapping")
        value = reader.mapping(0, {})
    except (IndexError, RecursionError):
        raise Unsupported("structure") from None
    if reader._next_content() != len(lines):
        raise Unsupported("text after the mapping")
    return value
