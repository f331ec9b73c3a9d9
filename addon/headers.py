"""Header-name helpers shared by the codec, the flow conversion and the matchers."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def canonical_header_name(name: str) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey: `content-type` -> `Content-Type`.

    Like Go, names holding a space or a byte outside token characters are returned unchanged.
    """
    if not name or any(c == " " or not (c.isascii() and (c.isalnum() or c in "!#$%&'*+-.^_`|~"))
                       for c in name):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))
