"""Request bodies by content type: urlencoded forms and multipart bodies taken apart.

Used by matching (compare field by field and part by part, whatever boundary a client picked)
and by miss explanations (name the field or part that differs). Parsing multipart bodies is the
`multipart` library's job (`PushMultipartParser`, strict about framing); this module only says
which content types are which and returns plain tuples.

That library is imported when a multipart body first needs it, not with this module: the addon
loads under `mitmdump -s addon/vcr.py` with mitmproxy and PyYAML alone (README). Without it,
multipart bodies are compared byte for byte (a client's random boundary then misses in replay),
and one warning line says so.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from types import ModuleType
from urllib.parse import parse_qsl, unquote_to_bytes

log = logging.getLogger(__name__)
_missing_warned = False

FORM_TYPE = "application/x-www-form-urlencoded"


def media_type(content_type: str) -> str:
    """`"Multipart/Form-Data; boundary=x"` -> `"multipart/form-data"`."""
    return content_type.partition(";")[0].strip().lower()


def is_form(content_type: str) -> bool:
    return media_type(content_type) == FORM_TYPE


def is_multipart(content_type: str) -> bool:
    return media_type(content_type).startswith("multipart/")


def form_pairs(body: bytes) -> list[tuple[str, str]]:
    """An `application/x-www-form-urlencoded` body as (name, value) pairs in order (HTML's
    urlencoded parser: `+` is a space, blank values kept; bytes that are not UTF-8, raw or
    percent-encoded, are kept as surrogateescape's U+DC80-U+DCFF, so `q=%E9` and `q=%E8` differ,
    as they do in Go's Request.Form)."""
    return parse_qsl(body.decode("utf-8", "surrogateescape"), keep_blank_values=True,
                     errors="surrogateescape")


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def go_query_pairs(text: str) -> list[tuple[str, str]]:
    """`text` (a URL query or a urlencoded body) as Go's `url.ParseQuery` reads it, pairs in
    order: `+` is a space, blank values kept, and a pair Go refuses is left out (one holding
    `;`, an old separator; one with a `%` not followed by two hex digits). Bytes that are not
    UTF-8 stay surrogateescape's U+DC80-U+DCFF, as in a Go string. What go-vcr records in
    `form` (net/http `Request.ParseForm`)."""
    out: list[tuple[str, str]] = []
    for pair in text.split("&"):
        if ";" in pair or not pair or _BAD_ESCAPE.search(pair):
            continue
        key, _, value = pair.partition("=")
        out.append((_go_unescape(key), _go_unescape(value)))
    return out


def _go_unescape(text: str) -> str:
    raw = text.replace("+", " ").encode("utf-8", "surrogateescape")
    return unquote_to_bytes(raw).decode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Part:
    """One part of a multipart body: its headers as sent (names title-cased, values stripped),
    the `name` and `filename` of its Content-Disposition, and its body bytes."""

    name: str | None
    filename: str | None
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def content_type(self) -> str:
        """The part's Content-Type (any capitalisation), "" when it has none."""
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")

    def label(self, index: int) -> str:
        """`part "file" (filename "a.wav")` for miss texts; a part without a name (multipart/
        related) by its 1-based place and type: `part 2 (audio/wav)`."""
        if self.name is None:
            ctype = self.content_type
            return f"part {index + 1}" + (f" ({media_type(ctype)})" if ctype else "")
        out = f'part "{self.name}"'
        return out + (f' (filename "{self.filename}")' if self.filename is not None else "")


def _multipart() -> ModuleType | None:
    """The `multipart` library, or None (warned once) where it is not installed."""
    global _missing_warned
    try:
        import multipart
    except ImportError:
        if not _missing_warned:
            _missing_warned = True
            log.warning("multipart bodies are compared byte for byte: the `multipart` package "
                        "is not installed (pip install multipart)")
        return None
    return multipart


def multipart_parts(content_type: str, body: bytes) -> list[Part] | None:
    """The parts of a multipart body (RFC 2046 5.1, RFC 7578), or None when the content type has
    no boundary or the body is not well-formed multipart under it. `multipart/form-data` goes
    through the `multipart` library; other subtypes (`multipart/related`, `mixed`: parts without
    a Content-Disposition, which that library refuses) through `_split_parts`. None as well
    when that library is not installed (`_multipart`)."""
    multipart = _multipart()
    if multipart is None:
        return None
    mtype, options = multipart.parse_options_header(content_type)
    boundary = options.get("boundary")
    if not boundary:
        return None
    if mtype.lower() != "multipart/form-data":
        return _split_parts(multipart, boundary.encode("latin-1", "replace"), body)
    parts: list[Part] = []
    segment = None  # the multipart.MultipartSegment whose body is being read
    pieces: list[bytes] = []
    try:
        with multipart.PushMultipartParser(
            boundary, max_header_count=64, max_header_size=16384
        ) as parser:
            for event in parser.parse(body):
                if isinstance(event, multipart.MultipartSegment):
                    segment, pieces = event, []
                elif event is None:
                    assert segment is not None
                    parts.append(
                        Part(
                            name=segment.name,
                            filename=segment.filename,
                            headers=tuple(segment.headerlist),
                            body=b"".join(pieces),
                        )
                    )
                    segment = None
                else:
                    pieces.append(bytes(event))
        # leaving the block closed the parser, which checked for the final delimiter
    except (multipart.MultipartError, ValueError, AssertionError):
        return None
    return parts


def _split_parts(multipart: ModuleType, boundary: bytes, body: bytes) -> list[Part] | None:
    """RFC 2046 5.1.1 framing only: delimiter lines `--boundary`, a part's header fields up to
    the first empty line, the close delimiter `--boundary--`. None when it is not there."""
    delimiter = b"--" + boundary
    data = body if body.startswith(delimiter) else None
    if data is None:
        at = body.find(b"\r\n" + delimiter)
        if at < 0:
            return None
        data = body[at + 2 :]
    parts: list[Part] = []
    pieces = data.split(b"\r\n" + delimiter)
    pieces[0] = pieces[0][len(delimiter) :]
    for piece in pieces:
        if piece.startswith(b"--"):  # the close delimiter: what follows is the epilogue
            return parts
        if not piece.startswith(b"\r\n"):
            return None  # a delimiter line must end there (transport padding aside)
        rest = piece[2:]
        if rest.startswith(b"\r\n"):  # no header fields at all
            head, content = b"", rest[2:]
        else:
            head, sep, content = rest.partition(b"\r\n\r\n")
            if not sep:
                return None  # the header section never ends
        headers: list[tuple[str, str]] = []
        # (surrogateescape: a latin-1 filename keeps its bytes, two of them are not one)
        for line in head.decode("utf-8", "surrogateescape").split("\r\n"):
            if not line:
                continue
            name, colon, value = line.partition(":")
            if not colon:
                return None
            headers.append((name.strip().title(), value.strip()))
        name = filename = None
        for key, value in headers:
            if key == "Content-Disposition":
                _, name, filename = multipart.parse_content_disposition(value)
        parts.append(Part(name=name, filename=filename, headers=tuple(headers), body=content))
    return None  # no close delimiter: cut short
