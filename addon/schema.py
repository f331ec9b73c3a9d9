"""What go-vcr (and replay) need of a loaded cassette beyond parsing: required fields, types,
unique ids, values that can be sent.

The loader already refuses what cannot be read at all (wrong types, bad YAML, aliases, versions
other than 2). `validate` then finds what parses but is wrong, one `Problem` per finding:

- fatal (replay cannot match on it or send it): no `request` / `response`, a request without an
  absolute http(s)/ws(s) `url` or a `method` token, a `code` outside 100-999 (a
  three-digit code, RFC 9112 section 4 `status-code = 3DIGIT`; Go's `http.ReadResponse`, h11
  and mitmproxy read any such code, and real servers send some beyond 599, e.g. LinkedIn's 999:
  recorded as it came, replayed as recorded, as go-vcr does), a status line, response header
  or trailer holding CR/LF/NUL or a header name that is not an RFC 9110 token;
- not fatal (go-vcr ignores or tolerates it, `vcrproxy check` still reports it): unknown keys
  (a `vcrproxy_*` key other than ours too: fatal on a 101 without its `vcrproxy_websocket`,
  which replay would play as an empty session), a missing `interactions`, `id`, `status`;
  duplicate or negative ids; a negative `duration`; a `status` text naming another code than
  `code` (replay sends `code`, the text only gives the reason phrase: go-vcr's rule,
  flows.reason_phrase); a `vcrproxy_chunks` that is not a list of
  `[finite offset_ms >= 0, size >= 0]` pairs summing to the body length; a `vcrproxy_websocket`
  on a response that is not a 101 (replay ignores it); a 1xx `code` other than 101 (an interim
  status: replay answers its request as a miss, as it does a request that is not a WebSocket
  handshake matching a 101); a header or trailer value holding another CTL than HTAB or
  surrounding whitespace, a reason phrase holding a CTL (RFC 9110 5.5, RFC 9112 4: replay
  sends them cleaned, headers.clean_field_value, as recording keeps them).
- fatal too: a `vcrproxy_websocket` that is not in its documented shape (websocket.py), or that
  holds a key it does not define, in the session, a message or the close (`messagez:`, `att:`):
  replay could not play the session, or would play it without what the typo holds.

Sources: dnaeon/go-vcr v2 `cassette.go` (the keys), yaml.v3 (unknown keys are ignored), RFC 9110.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .cassette import (
    CHUNKS_KEY,
    WEBSOCKET_KEY,
    Cassette,
    CassetteError,
    Interaction,
    Request,
    Response,
    status_parts,
)
from .headers import field_value_problem
from .hosts import is_bare_ipv6
from .yamlio import REQUEST_KEYS, RESPONSE_KEYS
from .yamlv3 import quoted
from .yamlv3 import quoted_name as _quoted_name

__all__ = ["Problem", "validate", "sendable_problems", "status_parts"]

_TOP_KEYS = frozenset(("version", "interactions"))
_INTERACTION_KEYS = frozenset(("id", "request", "response"))
_OWN_PREFIX = "vcrproxy_"
_RESPONSE_KEYS = frozenset((*RESPONSE_KEYS, CHUNKS_KEY, WEBSOCKET_KEY))  # our only own keys
_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE_RE = re.compile(r"[\r\n\x00]")
_BAD_URL_RE = re.compile(r"[\x00-\x20\x7f]")
_SCHEMES = ("http", "https", "ws", "wss")
_MAX_INT64 = (1 << 63) - 1


def quoted_name(name: object) -> str:
    """yamlv3.quoted_name, but a name holding a secret's shape (a key pasted where a name
    belongs: `sk-...:` as a YAML key) described, never quoted: errors reach CI logs."""
    if isinstance(name, str) and len(name) >= 8:
        from .redaction import redact_text

        if redact_text(name) != name:
            return f"a {len(name)}-character name holding what looks like a secret"
    return _quoted_name(name)


@dataclass(frozen=True)
class Problem:
    """One finding: `where` is a cassette path such as `interactions[3].response.code`."""

    where: str
    message: str
    fatal: bool  # True: replay would have to send or match something invalid

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def _unknown(keys: list[str] | None, known: frozenset[str] | tuple[str, ...]) -> list[str]:
    return [k for k in keys or () if k not in known]


def _unknown_key(where: str, key: str, fatal: bool = False) -> Problem:
    """An unknown key; one in our own namespace is a typo of ours (`vcrproxy_websockt:`)."""
    if key.startswith(_OWN_PREFIX):
        return Problem(where, f"unknown key {quoted_name(key)}: vcrproxy writes only {CHUNKS_KEY} "
                       f"and {WEBSOCKET_KEY}, in a response (a typo?)", fatal)
    return Problem(where, f"unknown key {quoted_name(key)} (go-vcr ignores it)", False)


def _has(keys: list[str] | None, key: str) -> bool:
    return keys is None or key in keys  # no key order: built in code, every field is set


def _check_headers(headers: dict[str, list[str]], where: str, fatal: bool,
                   key: str = "headers") -> list[Problem]:
    """Names that are not tokens and values with CR/LF/NUL (`fatal` for what replay sends:
    it cannot), other CTLs or surrounding whitespace (never fatal: replay sends them cleaned,
    headers.clean_field_value)."""
    out = []
    for name, values in headers.items():
        if not _TOKEN_RE.fullmatch(name):
            out.append(Problem(f"{where}.{key}", f"header name {quoted_name(name)} is not a token",
                               fatal))
        for v in values:
            why = field_value_problem(v)
            if why is not None:
                out.append(Problem(f"{where}.{key}.{name}", f"value {quoted(v)} {why}",
                                   fatal and _BAD_VALUE_RE.search(v) is not None))
    return out


def _check_request(r: Request, where: str) -> list[Problem]:
    out = [_unknown_key(where, k) for k in _unknown(r.key_order, REQUEST_KEYS)]
    if not _has(r.key_order, "url") or not r.url:
        out.append(Problem(f"{where}.url", "missing (replay matches on it)", True))
    else:
        out += _check_url(r.url, f"{where}.url")
    if not _has(r.key_order, "method") or not r.method:
        out.append(Problem(f"{where}.method", "missing (replay matches on it)", True))
    elif (bad := method_problem(r.method)) is not None:
        out.append(Problem(f"{where}.method", bad, True))
    if r.content_length < -1:
        out.append(Problem(f"{where}.content_length", f"{r.content_length} is below -1", False))
    out += _check_headers(r.headers, where, False)
    return out


def method_problem(method: str) -> str | None:
    """Why `method` cannot be recorded or replayed (not an RFC 9110 token), or None."""
    return None if _TOKEN_RE.fullmatch(method) else f"{quoted(method)} is not an HTTP method"


def _check_url(url: str, where: str) -> list[Problem]:
    found = _url_problem(url)
    return [] if found is None else [Problem(where, *found)]


@functools.lru_cache(maxsize=256)  # (a cassette repeats a few URLs thousands of times)
def _url_problem(url: str) -> tuple[str, bool] | None:
    """(message, fatal) of what is wrong with a request URL, or None."""
    if _BAD_URL_RE.search(url):
        return f"{quoted(url)} holds spaces or control characters", True
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as e:
        if is_bare_ipv6(url.partition("://")[2].partition("/")[0]):
            # earlier vcrproxy wrote mitmproxy's bare form; matching reads it as the same host
            return (f"{quoted(url)}: IPv6 host without brackets (Go writes "
                    "https://[::1]:PORT/...); replay matches it all the same", False)
        return f"{quoted(url)} is not a URL: {e}", True
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        return f"{quoted(url)} is not an absolute http(s) URL", True
    return None


def _check_response(r: Response, where: str) -> list[Problem]:
    # (a 101 whose session key is misspelt would replay an empty session: fatal there)
    lost = r.code == 101 and WEBSOCKET_KEY not in r.extra
    out = [_unknown_key(where, k, lost) for k in _unknown(r.key_order, _RESPONSE_KEYS)]
    if not _has(r.key_order, "code"):
        out.append(Problem(f"{where}.code", "missing (the status code replay sends)", True))
    elif not 100 <= r.code <= 999:
        out.append(Problem(f"{where}.code", f"{r.code} is not an HTTP status code (100-999)",
                           True))
    elif r.code < 200 and r.code != 101:
        out.append(Problem(f"{where}.code", f"{r.code} is an interim (1xx) status, not a final "
                           "answer: replay answers its request as a miss", False))
    if not _has(r.key_order, "status"):
        out.append(Problem(f"{where}.status", "missing (go-vcr writes e.g. '200 OK')", False))
    elif _BAD_VALUE_RE.search(r.status):
        out.append(Problem(f"{where}.status", f"{quoted(r.status)} holds CR, LF or NUL", True))
    elif field_value_problem(r.status, strip=False) is not None:
        out.append(Problem(f"{where}.status", f"{quoted(r.status)} holds control characters "
                           "(RFC 9112 4; replay sends a space for each)", False))
    elif (_has(r.key_order, "code") and 100 <= r.code <= 999
          and status_parts(r.status)[0] not in (None, r.code)):
        out.append(Problem(f"{where}.status", f"{quoted(r.status)} names another code than "
                           f"code: {r.code} (replay sends {r.code}, as go-vcr does)", False))
    if r.duration_ns < 0:
        out.append(Problem(f"{where}.duration", "is negative", False))
    out += _check_headers(r.headers, where, True)
    if r.trailer:
        out += _check_headers(r.trailer, where, True, "trailer")
    if CHUNKS_KEY in r.extra:
        body = r.body
        # (the body's size in bytes: its length when ASCII, without encoding it)
        size = len(body) if isinstance(body, bytes) or body.isascii() else len(r.body_bytes)
        out += _check_chunks(r.extra[CHUNKS_KEY], f"{where}.{CHUNKS_KEY}", size)
    if WEBSOCKET_KEY in r.extra:
        out += _check_websocket(r, where)
    return out


def _check_websocket(r: Response, where: str) -> list[Problem]:
    from .websocket import session_from_response

    out = _websocket_keys(r.extra[WEBSOCKET_KEY], f"{where}.{WEBSOCKET_KEY}")
    try:
        session_from_response(r)
    except CassetteError as e:  # its message starts with `response.vcrproxy_websocket...`
        path, _, message = str(e).partition(": ")
        return [*out, Problem(f"{where}{path.removeprefix('response')}", message, True)]
    raw = r.extra[WEBSOCKET_KEY]
    count = raw.get("count") if isinstance(raw, dict) else None
    messages = raw.get("messages") if isinstance(raw, dict) else None
    n = len(messages) if isinstance(messages, list) else 0
    if isinstance(raw, dict) and "count" in raw and count != n:
        out.append(Problem(f"{where}.{WEBSOCKET_KEY}.count", f"{quoted(count)}, but {n} "
                           "message(s) follow (edited by hand? fix it too)", False))
    if r.code != 101:
        out.append(Problem(f"{where}.{WEBSOCKET_KEY}", f"on a {r.code} response, not a 101 "
                           "upgrade (replay ignores it)", False))
    return out


def _websocket_keys(raw: object, where: str) -> list[Problem]:
    """An unknown key in a WebSocket session, a message or its close: fatal, unlike elsewhere
    (go-vcr never reads these; replay does, and a typo such as `messagez:` or `att:` would
    replay as an empty session or a message at 0 ms, every client message then a miss)."""
    from .websocket import CLOSE_KEYS, MESSAGE_KEYS, SESSION_KEYS

    def unknown(value: object, known: tuple[str, ...], at: str) -> list[Problem]:
        if not isinstance(value, dict):
            return []  # (the shape is session_from_response's to report)
        return [Problem(at, f"unknown key {quoted_name(k)}: replay reads only "
                        f"{', '.join(known)} here", True) for k in value if k not in known]

    out = unknown(raw, SESSION_KEYS, where)
    if isinstance(raw, dict):
        messages = raw.get("messages")
        for n, m in enumerate(messages if isinstance(messages, list) else ()):
            out += unknown(m, MESSAGE_KEYS, f"{where}.messages[{n}]")
        out += unknown(raw.get("close"), CLOSE_KEYS, f"{where}.close")
    return out


def _check_chunks(raw: object, where: str, body_len: int) -> list[Problem]:
    def bad() -> list[Problem]:
        return [Problem(where, "expected a list of [offset_ms >= 0, size >= 0] pairs (finite "
                        "numbers, integer sizes); --pace recorded sends the body whole instead",
                        False)]

    if not isinstance(raw, list):
        return bad()
    total = 0
    for pair in raw:
        if not isinstance(pair, list) or len(pair) != 2:
            return bad()
        at, size = pair
        kind = type(at)  # (type(), not isinstance: a bool is not a number here)
        if (
            not (kind is float or kind is int) or not math.isfinite(at) or at < 0
            or type(size) is not int or size < 0
        ):
            return bad()
        total += size
    if total != body_len:
        return [Problem(where, f"sizes sum to {total}, the body has {body_len} bytes; --pace "
                        "recorded sends the body whole instead", False)]
    return []


def _check_interaction(i: Interaction, where: str) -> list[Problem]:
    keys = i.key_order
    out = [_unknown_key(where, k) for k in _unknown(keys, _INTERACTION_KEYS)]
    if not _has(keys, "id"):
        out.append(Problem(f"{where}.id", "missing", False))
    elif not 0 <= i.id <= _MAX_INT64:
        out.append(Problem(f"{where}.id", f"{quoted(i.id)} is negative or beyond Go's int64",
                           False))
    if not _has(keys, "request"):
        out.append(Problem(f"{where}.request", "missing", True))
    else:
        out += _check_request(i.request, f"{where}.request")
    if not _has(keys, "response"):
        out.append(Problem(f"{where}.response", "missing", True))
    else:
        out += _check_response(i.response, f"{where}.response")
    return out


def validate(cassette: Cassette) -> list[Problem]:
    """Every problem of a loaded cassette, in file order (empty: fine for go-vcr and replay)."""
    out = [Problem("", f"unknown top-level key {quoted_name(k)} (go-vcr reads version and "
                       "interactions)", False) for k in _unknown(cassette.key_order, _TOP_KEYS)]
    if not _has(cassette.key_order, "interactions"):
        out.append(Problem("", "no `interactions` key", False))
    seen: dict[int, int] = {}
    for n, i in enumerate(cassette.interactions):
        where = f"interactions[{n}]"
        out += _check_interaction(i, where)
        if _has(i.key_order, "id"):
            if i.id in seen:
                out.append(Problem(f"{where}.id", f"{i.id} repeats interactions[{seen[i.id]}]",
                                   False))
            else:
                seen[i.id] = n
    return out


def sendable_problems(cassette: Cassette) -> list[Problem]:
    """The fatal problems: what replay must refuse rather than match or send."""
    return [p for p in validate(cassette) if p.fatal]
