"""vcrpy-style function matchers, one per request part: None when the part agrees, else its
differences. Only the tests compare one part at a time; the proxy uses `Matcher` and
`differences` (vcrproxy.matching)."""

from __future__ import annotations

from collections.abc import Callable

from vcrproxy.cassette import Request
from vcrproxy.matching import (
    DEFAULT_MATCH,
    MatchConfig,
    Prepared,
    _describe,
    differences,
    part_equal,
    prepare,
)
from vcrproxy.redaction import DEFAULT_REDACTION


def _matcher(part: str) -> Callable[..., list[str] | None]:
    def match(
        live: Request | Prepared,
        recorded: Request | Prepared,
        config: MatchConfig = DEFAULT_MATCH,
    ) -> list[str] | None:
        a, b = prepare(live, config), prepare(recorded, config)
        if part_equal(part, a, b):
            return None
        return _describe(part, a, b, DEFAULT_REDACTION)

    match.__name__ = match.__qualname__ = part
    return match


method = _matcher("method")
scheme = _matcher("scheme")
host = _matcher("host")
path = _matcher("path")
query = _matcher("query")
body = _matcher("body")
headers = _matcher("headers")
MATCHERS: dict[str, Callable[..., list[str] | None]] = {
    "method": method,
    "scheme": scheme,
    "host": host,
    "path": path,
    "query": query,
    "body": body,
    "headers": headers,
}


def requests_match(
    live: Request | Prepared, recorded: Request | Prepared, config: MatchConfig = DEFAULT_MATCH
) -> bool:
    return not differences(live, recorded, config)
