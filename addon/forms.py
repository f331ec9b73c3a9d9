"""Request bodies by content type: urlencoded forms and multipart bodies taken apart.

Used by matching (compare field by field and part by part, whatever boundary a client picked)
and by miss explanations (name the field or part that differs). Parsing multipart bodies is the
`multipart` library's job (`PushMultipartParser`, strict about framing); this module only says
which content types are which and returns plain tuples.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

import multipart

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
    urlencoded parser: `+` is a space, blank values kept; bytes that are not UTF-8 are replaced)."""
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


@dataclass(frozen=True)
class Part:
    """One part of a multipart body: its headers as sent (names title-cased, values stripped),
    the `name` and `filename` of its Content-Disposition, and its body bytes."""

    name: str | None
    filename: str | None
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def label(self) -> str:
        """`part "file" (filename "a.wav")` for miss texts."""
        out = f'part "{self.name}"' if self.name is not None else "unnamed part"
        return out + (f' (filename "{self.filename}")' if self.filename is not None else "")


def multipart_parts(content_type: str, body: bytes) -> list[Part] | None:
    """The parts of a multipart body (RFC 2046 5.1, RFC 7578), or None when the content type has
    no boundary or the body is not well-formed multipart under it."""
    _, options = multipart.parse_options_header(content_type)
    boundary = options.get("boundary")
    if not boundary:
        return None
    parts: list[Part] = []
    segment: multipart.MultipartSegment | None = None
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
