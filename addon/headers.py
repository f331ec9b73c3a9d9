"""Header helpers shared by the codec, the flow conversion, the matchers and `check`: canonical
names, and the one rule for what a field value (or reason phrase) may hold on the wire."""

from __future__ import annotations

import re
from functools import lru_cache

# RFC 9110 5.5: CR, LF and NUL in a field value are "invalid and dangerous" (a recipient replaces
# each with SP or rejects the message), every other CTL but HTAB "also invalid"; the value has
# no leading or trailing whitespace (that is OWS around it). RFC 9112 4: a reason phrase is HTAB,
# SP, VCHAR or obs-text. HTTP/2 clients enforce this for the whole response: nghttp2 (curl) and
# Go's http2 reset the stream (PROTOCOL_ERROR) over a DEL, an ESC or a trailing space.
_CTL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_CR_LF_NUL = re.compile("[\r\n\x00]")
_OWS = " \t"


def clean_field_value(value: str, *, strip: bool = True) -> str:
    """`value` as it may be sent: each CTL but HTAB replaced with SP (the RFC 9110 5.5 rule for
    CR, LF and NUL, applied to every CTL it calls invalid), then (`strip`) surrounding SP/HTAB
    removed. A valid value comes back unchanged, the same object: replay stays byte for byte."""
    if _CTL.search(value):
        value = _CTL.sub(" ", value)
    if strip and value and (value[0] in _OWS or value[-1] in _OWS):
        value = value.strip(_OWS)
    return value


def field_value_problem(value: str, *, strip: bool = True) -> str | None:
    """What `clean_field_value` would change in `value`, for `vcrproxy check`: None if nothing.
    CR, LF and NUL are named apart (replay refuses a response holding them: schema.py)."""
    if _CR_LF_NUL.search(value):
        return "holds CR, LF or NUL"
    if _CTL.search(value):
        return "holds control characters (RFC 9110 5.5; replay sends a space for each)"
    if strip and value and (value[0] in _OWS or value[-1] in _OWS):
        return "has leading or trailing whitespace (replay sends it without)"
    return None


@lru_cache(maxsize=4096)
def canonical_header_name(name: str) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey: `content-type` -> `Content-Type`.

    Like Go, names holding a space or a byte outside token characters are returned unchanged.
    """
    if not name or any(c == " " or not (c.isascii() and (c.isalnum() or c in "!#$%&'*+-.^_`|~"))
                       for c in name):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))
