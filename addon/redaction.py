"""Redaction: secrets never reach disk.

Small composable filters in the style of vcrpy's `vcr/filters.py`, applied to a copy of an
interaction before it is written:

- headers named in the config lose their value (`Authorization: Bearer sk-...` keeps its scheme:
  `Bearer <REDACTED>`);
- query parameters named in the config lose their value, in `url`, `request_uri` and `form`
  (and in an `application/x-www-form-urlencoded` request body);
- anything shaped like a key (see `SECRET_PATTERNS`) is replaced wherever it appears: header
  values, the URL, form values, request and response bodies (text, JSON, SSE, and ASCII byte runs
  inside binary bodies);
- the values those named headers and parameters carried (8+ characters) are also replaced
  wherever else they appear in the same interaction (a server echoing a Cookie or an org id).

Every secret becomes the fixed marker `<REDACTED>`, so the cassette keeps its shape and the matcher
can treat the marker as a wildcard. Redaction is idempotent: the marker matches no pattern.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import unquote_plus

from .cassette import (
    CHUNKS_KEY,
    REDACTED,
    WEBSOCKET_KEY,
    Cassette,
    Headers,
    Interaction,
    Request,
    Response,
)

REDACTED_BYTES = REDACTED.encode()

DEFAULT_REQUEST_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",  # Anthropic (incl. sk-ant-admin keys), many gateways
        "api-key",  # Azure OpenAI
        "x-goog-api-key",
        "ocp-apim-subscription-key",  # Azure AI services
        "cookie",
        "openai-organization",
        "openai-project",
        "x-amz-security-token",
    }
)
# OpenAI echoes the organization and project in its responses: redact them there too.
DEFAULT_RESPONSE_HEADERS = frozenset({"set-cookie", "openai-organization", "openai-project"})
DEFAULT_QUERY_PARAMS = frozenset(
    {
        "key",
        "api_key",
        "apikey",
        "access_token",
        "token",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "sig",
        "signature",
    }
)

# Key-shaped strings. Minimum lengths keep ordinary words and provider ids (`chatcmpl-...`,
# `msg_...`, `call_...`, `resp_...`, `toolu_...`) out. A pattern with a `secret` group replaces
# only that group (the `Bearer ` scheme stays). Earlier patterns win when two overlap, so the
# specific ones come first. Patterns must be ASCII: binary bodies use a bytes version.
_TOKEN = r"[A-Za-z0-9_-]"
SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "anthropic": re.compile(rf"\bsk-ant-{_TOKEN}{{20,}}"),
    # sk-, sk-proj-, sk-svcacct-, sk-admin-, and other OpenAI-style keys (OpenRouter, DeepSeek).
    # At least one digit, so long kebab-case words after "sk-" are left alone.
    "openai": re.compile(rf"\bsk-(?!ant-)(?=[A-Za-z_-]*[0-9]){_TOKEN}{{20,}}"),
    "google": re.compile(rf"\bAIza{_TOKEN}{{30,}}"),
    "google-oauth": re.compile(rf"\bya29\.{_TOKEN}{{20,}}"),
    "aws-access-key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "github": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"),
    "xai": re.compile(r"\bxai-[A-Za-z0-9]{30,}"),
    "groq": re.compile(r"\bgsk_[A-Za-z0-9]{30,}"),
    "huggingface": re.compile(r"\bhf_[A-Za-z0-9]{30,}"),
    "jwt": re.compile(rf"\beyJ{_TOKEN}{{8,}}\.eyJ{_TOKEN}{{8,}}\.{_TOKEN}{{8,}}"),
    # `Bearer <token>` anywhere (bodies, unlisted headers). The token must look random: 16+
    # characters with a digit or an inner lower-to-upper case change, so prose stays.
    "bearer": re.compile(
        r"(?i:\bbearer)\s+(?P<secret>(?=[A-Za-z0-9._~+/-]*(?:[0-9]|[a-z][A-Z]))"
        r"[A-Za-z0-9._~+/-]{16,}=*)"
    ),
}
_LABELS: dict[str, str] = {
    SECRET_PATTERNS["anthropic"].pattern: "an Anthropic key (sk-ant-...)",
    SECRET_PATTERNS["openai"].pattern: "an OpenAI key (sk-...)",
    SECRET_PATTERNS["google"].pattern: "a Google API key (AIza...)",
    SECRET_PATTERNS["google-oauth"].pattern: "a Google OAuth token (ya29....)",
    SECRET_PATTERNS["aws-access-key"].pattern: "an AWS access key id (AKIA.../ASIA...)",
    SECRET_PATTERNS["github"].pattern: "a GitHub token (ghp_.../github_pat_...)",
    SECRET_PATTERNS["xai"].pattern: "an xAI key (xai-...)",
    SECRET_PATTERNS["groq"].pattern: "a Groq key (gsk_...)",
    SECRET_PATTERNS["huggingface"].pattern: "a Hugging Face token (hf_...)",
    SECRET_PATTERNS["jwt"].pattern: "a JSON Web Token (eyJ...)",
    SECRET_PATTERNS["bearer"].pattern: "a bearer token (Bearer ...)",
}

# `<REDACTED>` alone, or after an auth scheme: `Bearer <REDACTED>`.
_SCHEME = r"[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*"
_REDACTED_VALUE = re.compile(rf"(?:{_SCHEME} +)?{re.escape(REDACTED)}")
_AUTH_SCHEME = re.compile(rf"({_SCHEME}) +\S")


def split_names(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Names from an iterable or a comma-separated string (never a string's characters)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(v.strip() for v in value if v and v.strip())


def split_patterns(text: str) -> list[str]:
    """Split comma-separated regexes, keeping commas inside (), [] and {} (`[a-z]{20,}`)."""
    items, current, depth, escaped = [], [], 0, False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    items.append("".join(current).strip())
    return [i for i in items if i]


def _compile(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        return pattern
    try:
        return re.compile(pattern)
    except re.error as e:
        raise ValueError(f"bad secret pattern {pattern!r}: {e}") from None


def _pattern_source(item: str | re.Pattern[str]) -> str:
    if isinstance(item, re.Pattern):
        return item.pattern
    named = SECRET_PATTERNS.get(item.strip().lower())
    return named.pattern if named is not None else item


def label_of(pattern: re.Pattern[str]) -> str:
    """What a pattern finds, for messages: "an OpenAI key (sk-...)"."""
    return _LABELS.get(pattern.pattern, "a secret matching a custom pattern")


@dataclass(frozen=True)
class RedactionConfig:
    """What to redact. Names are stored lowercase; all fields accept any iterable."""

    request_headers: frozenset[str] = DEFAULT_REQUEST_HEADERS
    response_headers: frozenset[str] = DEFAULT_RESPONSE_HEADERS
    query_params: frozenset[str] = DEFAULT_QUERY_PARAMS
    patterns: tuple[re.Pattern[str], ...] = tuple(SECRET_PATTERNS.values())

    def __post_init__(self) -> None:
        for name in ("request_headers", "response_headers", "query_params"):
            names = frozenset(n.lower() for n in split_names(getattr(self, name)))
            object.__setattr__(self, name, names)
        patterns = self.patterns
        if isinstance(patterns, str | re.Pattern):
            patterns = [patterns]
        object.__setattr__(self, "patterns", tuple(_compile(p) for p in patterns))

    @classmethod
    def default(cls) -> RedactionConfig:
        return DEFAULT_REDACTION

    def with_changes(
        self,
        *,
        add_headers: Iterable[str] | str = (),
        remove_headers: Iterable[str] | str = (),
        add_response_headers: Iterable[str] | str = (),
        remove_response_headers: Iterable[str] | str = (),
        add_query: Iterable[str] | str = (),
        remove_query: Iterable[str] | str = (),
        add_patterns: Iterable[str | re.Pattern[str]] | str | re.Pattern[str] = (),
        remove_patterns: Iterable[str | re.Pattern[str]] | str = (),
    ) -> RedactionConfig:
        """A copy with entries added and removed (removals win).

        `*_headers` change request headers, `*_response_headers` response headers. Patterns are
        removed by name (a key of `SECRET_PATTERNS`, e.g. "bearer") or by regex source.
        """

        def lower(names: Iterable[str] | str) -> set[str]:
            return {n.lower() for n in split_names(names)}

        if isinstance(add_patterns, str | re.Pattern):
            add_patterns = [add_patterns]
        if isinstance(remove_patterns, str):
            remove_patterns = split_names(remove_patterns)
        dropped = {_pattern_source(p) for p in remove_patterns}
        patterns = [*self.patterns, *(_compile(p) for p in add_patterns)]
        return replace(
            self,
            request_headers=(self.request_headers | lower(add_headers)) - lower(remove_headers),
            response_headers=(self.response_headers | lower(add_response_headers))
            - lower(remove_response_headers),
            query_params=(self.query_params | lower(add_query)) - lower(remove_query),
            patterns=tuple(p for p in patterns if p.pattern not in dropped),
        )

    @classmethod
    def from_strings(
        cls,
        headers: str | Iterable[str] | None = None,
        query: str | Iterable[str] | None = None,
        patterns: str | Iterable[str] | None = None,
    ) -> RedactionConfig:
        """The defaults changed by CLI-style lists: "X-My-Key,-Cookie" adds X-My-Key and keeps
        Cookie. Header names apply to request and response headers. Patterns are extra regexes,
        comma-separated (a "-name" entry drops a built-in pattern, e.g. "-bearer")."""

        def split(items: str | Iterable[str] | None) -> tuple[list[str], list[str]]:
            names = split_names(items)
            return (
                [n for n in names if not n.startswith("-")],
                [n[1:] for n in names if n.startswith("-")],
            )

        add_h, remove_h = split(headers)
        add_q, remove_q = split(query)
        add_p, remove_p = [], []
        items = split_patterns(patterns) if isinstance(patterns, str) else list(patterns or ())
        for item in items:
            name = item[1:].strip().lower()
            if item.startswith("-") and name in SECRET_PATTERNS:
                remove_p.append(name)
            elif item:
                add_p.append(item)
        return DEFAULT_REDACTION.with_changes(
            add_headers=add_h,
            remove_headers=remove_h,
            add_response_headers=add_h,
            remove_response_headers=remove_h,
            add_query=add_q,
            remove_query=remove_q,
            add_patterns=add_p,
            remove_patterns=remove_p,
        )


DEFAULT_REDACTION = RedactionConfig()


def is_redacted(value: str) -> bool:
    """True for the marker alone or after an auth scheme (`Bearer <REDACTED>`)."""
    return _REDACTED_VALUE.fullmatch(value) is not None


# -- finding key-shaped strings ------------------------------------------------------------------

Span = tuple[int, int, int]  # start, end, index of the pattern that found it


@lru_cache(maxsize=256)
def _bytes_pattern(pattern: re.Pattern[str]) -> re.Pattern[bytes]:
    return re.compile(pattern.pattern.encode("utf-8"), pattern.flags & ~re.UNICODE)


# Performance: a leading `\b` stops `re` from jumping to a pattern's literal start with its fast
# substring search; it then tries the pattern at every position, ~10x slower (about 5 s of
# redaction, blocking the proxy, for a 50 MB recorded body; see tests/bench). The built-in
# patterns start with `\b`: `_spans` searches them without it and checks the word boundary at
# each match start itself, which yields exactly the matches of the original pattern.
_UNBOUNDED: dict[str, re.Pattern[str]] = {
    p.pattern: re.compile(p.pattern[2:], p.flags)
    for p in SECRET_PATTERNS.values()
    if p.pattern.startswith(r"\b")
}
_WORD = re.compile(r"\w")
_WORD_BYTES = re.compile(rb"\w")


def _bounded(regex: re.Pattern, text: str | bytes) -> Iterable[re.Match]:
    """The matches of `\b` + `regex` in `text` (same as finditer of the original pattern)."""
    word = _WORD_BYTES if isinstance(text, bytes) else _WORD
    pos = 0
    while (m := regex.search(text, pos)) is not None:  # type: ignore[arg-type]
        start = m.start()
        before = start > 0 and word.match(text, start - 1) is not None  # type: ignore[arg-type]
        after = word.match(text, start) is not None  # type: ignore[arg-type]
        if before != after:
            yield m
            pos = max(m.end(), start + 1)
        else:
            pos = start + 1


def _spans(text: str | bytes, patterns: tuple[re.Pattern[str], ...]) -> list[Span]:
    """Where secrets are, sorted, overlaps merged (labelled by the earliest pattern)."""
    found: list[Span] = []
    is_bytes = isinstance(text, bytes)
    for index, pattern in enumerate(patterns):
        regex = _bytes_pattern(pattern) if is_bytes else pattern
        group = "secret" if "secret" in regex.groupindex else 0
        fast = _UNBOUNDED.get(pattern.pattern)
        if fast is not None and fast.flags == pattern.flags:
            matches = _bounded(_bytes_pattern(fast) if is_bytes else fast, text)
        else:
            matches = regex.finditer(text)  # type: ignore[arg-type]
        for m in matches:
            start, end = m.span(group)
            if end > start:
                found.append((start, end, index))
    if len(found) < 2:
        return found
    found.sort()
    merged = [found[0]]
    for start, end, index in found[1:]:
        last_start, last_end, last_index = merged[-1]
        if start < last_end:
            merged[-1] = (last_start, max(last_end, end), min(last_index, index))
        else:
            merged.append((start, end, index))
    return merged


def _replace_spans(text, spans: list[Span], marker):
    pieces, pos = [], 0
    for start, end, _ in spans:
        pieces += [text[pos:start], marker]
        pos = end
    pieces.append(text[pos:])
    return marker[:0].join(pieces)


def scrub_text(text: str, config: RedactionConfig = DEFAULT_REDACTION) -> str:
    """`text` with every key-shaped string replaced by the marker."""
    spans = _spans(text, config.patterns)
    return _replace_spans(text, spans, REDACTED) if spans else text


def scrub_bytes(data: bytes, config: RedactionConfig = DEFAULT_REDACTION) -> bytes:
    """Like `scrub_text` over the ASCII runs of a binary body."""
    spans = _spans(data, config.patterns)
    return _replace_spans(data, spans, REDACTED_BYTES) if spans else data


# -- filters -------------------------------------------------------------------------------------


def _mask_header_value(lower_name: str, value: str) -> str:
    if not value or is_redacted(value):
        return value
    if lower_name.endswith("authorization"):
        m = _AUTH_SCHEME.match(value)
        if m:
            return f"{m.group(1)} {REDACTED}"
    return REDACTED


def redact_headers(headers: Headers, names: frozenset[str], config: RedactionConfig) -> Headers:
    """A new header map: named headers masked, key-shaped strings in the others scrubbed."""
    out: Headers = {}
    for name, values in headers.items():
        lower = name.lower()
        if lower in names:
            out[name] = [_mask_header_value(lower, v) for v in values]
        else:
            out[name] = [scrub_text(v, config) for v in values]
    return out


def redact_query_string(query: str, names: frozenset[str]) -> str:
    """`a=1&key=secret` -> `a=1&key=<REDACTED>` for names in `names` (case-insensitive); the rest
    keeps its exact encoding. Empty values stay empty."""
    if not query or not names:
        return query
    parts = query.split("&")
    changed = False
    for i, part in enumerate(parts):
        name, eq, value = part.partition("=")
        if (
            eq
            and value
            and unquote_plus(name).lower() in names
            and not is_redacted(unquote_plus(value))
        ):
            parts[i] = f"{name}={REDACTED}"
            changed = True
    return "&".join(parts) if changed else query


def redact_url(url: str, config: RedactionConfig = DEFAULT_REDACTION) -> str:
    """Named query parameters masked, then key-shaped strings scrubbed (path included).

    The marker is written unencoded (`?key=<REDACTED>`): readable, and accepted by Go's url.Parse
    and Python's urlsplit. The matcher accepts it percent-encoded as well.
    """
    base, hash_, fragment = url.partition("#")
    path, question, query = base.partition("?")
    if question:
        base = f"{path}?{redact_query_string(query, config.query_params)}"
    return scrub_text(base + hash_ + fragment, config)


def _redact_body(body: str | bytes, config: RedactionConfig) -> tuple[str | bytes, list[Span]]:
    """Scrub a body as bytes, so spans are byte offsets (the unit of CHUNKS_KEY sizes). Patterns
    and marker are ASCII, so a text body stays valid UTF-8."""
    data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape")
    spans = _spans(data, config.patterns)
    if not spans:
        return body, []
    new = _replace_spans(data, spans, REDACTED_BYTES)
    return (new if isinstance(body, bytes) else new.decode("utf-8", "surrogateescape")), spans


def _map_offset(pos: int, spans: list[Span], marker_len: int) -> int:
    """Where byte offset `pos` of the old body lands in the new one. An offset inside a replaced
    span moves to the end of its marker; one at a span's start stays before the marker."""
    delta = 0
    for start, end, _ in spans:
        if pos <= start:
            break
        if pos < end:
            return start + delta + marker_len
        delta += marker_len - (end - start)
    return pos + delta


def adjust_chunks(raw: list, spans: list[Span], marker_len: int = len(REDACTED_BYTES)) -> list:
    """CHUNKS_KEY entries with sizes moved through the replacements: every chunk boundary maps to
    its place in the new body, so the sizes still sum to the body length. Offsets are kept."""
    out, boundary, previous = [], 0, 0
    for at, size in raw:
        boundary += int(size)
        mapped = _map_offset(boundary, spans, marker_len)
        out.append([at, mapped - previous])
        previous = mapped
    return out


def _fix_length(message: Request | Response, headers: Headers, old: int, new: int) -> None:
    # content_length records what went over the wire. It is only ours to change when it describes
    # the body we hold (it equals the old body length); when it differs (a decoded body, -1 for
    # a stream, 0 for unknown) it says something else and stays as recorded.
    if old == new:
        return
    if message.content_length == old:
        message.content_length = new
    for name, values in headers.items():
        if name.lower() == "content-length":
            headers[name] = [str(new) if v.strip() == str(old) else v for v in values]


def _is_form(headers: Headers) -> bool:
    return any(
        name.lower() == "content-type"
        and any("application/x-www-form-urlencoded" in v.lower() for v in values)
        for name, values in headers.items()
    )


def _redact_request_in_place(r: Request, config: RedactionConfig) -> None:
    old_body = r.body
    r.headers = redact_headers(r.headers, config.request_headers, config)
    if r.trailer:
        r.trailer = redact_headers(r.trailer, config.request_headers, config)
    r.url = redact_url(r.url, config)
    if r.request_uri:
        r.request_uri = redact_url(r.request_uri, config)
    if r.form:
        r.form = {
            name: [
                REDACTED
                if name.lower() in config.query_params and v and not is_redacted(v)
                else scrub_text(v, config)
                for v in values
            ]
            for name, values in r.form.items()
        }
    body = old_body
    if isinstance(body, str) and _is_form(r.headers):
        body = redact_query_string(body, config.query_params)
    body, _ = _redact_body(body, config)
    if body != old_body:
        r.body = body
        old_len = len(old_body if isinstance(old_body, bytes) else old_body.encode())
        _fix_length(r, r.headers, old_len, len(r.body_bytes))


def _redact_response_in_place(r: Response, config: RedactionConfig) -> None:
    r.headers = redact_headers(r.headers, config.response_headers, config)
    if r.trailer:
        r.trailer = redact_headers(r.trailer, config.response_headers, config)
    if WEBSOCKET_KEY in r.extra:  # WebSocket payloads: the same rules as bodies
        from .websocket import redact_session

        r.extra[WEBSOCKET_KEY] = redact_session(
            r.extra[WEBSOCKET_KEY], lambda data: _redact_body(data, config)[0]
        )
    old_len = len(r.body_bytes)
    body, spans = _redact_body(r.body, config)
    if not spans:
        return
    r.body = body
    if r.chunks is not None:
        r.extra[CHUNKS_KEY] = adjust_chunks(r.extra[CHUNKS_KEY], spans)
    _fix_length(r, r.headers, old_len, len(r.body_bytes))


def redact_request(request: Request, config: RedactionConfig = DEFAULT_REDACTION) -> Request:
    """A redacted copy of `request`."""
    r = copy.deepcopy(request)
    _redact_request_in_place(r, config)
    return r


def redact_response(response: Response, config: RedactionConfig = DEFAULT_REDACTION) -> Response:
    """A redacted copy of `response` (chunk sizes follow a body that changed length)."""
    r = copy.deepcopy(response)
    _redact_response_in_place(r, config)
    return r


_MIN_ECHOED = 8  # shorter values of named headers/parameters are not hunted down elsewhere


def _named_values(i: Interaction, config: RedactionConfig) -> list[str]:
    """The values this interaction's named headers and query parameters carry (a Cookie, an
    OpenAI-Organization id, a ?key=), so they are also scrubbed where a server echoes them."""
    found: set[str] = set()

    def add(value: str) -> None:
        value = value.strip()
        if len(value) >= _MIN_ECHOED and REDACTED not in value:
            found.add(value)

    for headers, names in (
        (i.request.headers, config.request_headers),
        (i.response.headers, config.response_headers),
    ):
        for name, values in headers.items():
            lower = name.lower()
            if lower not in names:
                continue
            for value in values:
                m = _AUTH_SCHEME.match(value) if lower.endswith("authorization") else None
                add(value[m.end() - 1 :] if m else value)
                if lower in ("cookie", "set-cookie"):
                    for part in value.split(";"):
                        add(part.partition("=")[2])
    query = i.request.url.partition("#")[0].partition("?")[2]
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        if unquote_plus(name).lower() in config.query_params:
            add(unquote_plus(value))
    return sorted(found, key=len, reverse=True)


def _redact_interaction_in_place(i: Interaction, config: RedactionConfig) -> None:
    known = _named_values(i, config)
    if known:
        extra = tuple(re.compile(re.escape(v)) for v in known)
        config = replace(config, patterns=config.patterns + extra)
    _redact_request_in_place(i.request, config)
    _redact_response_in_place(i.response, config)


def redact_interaction(
    interaction: Interaction, config: RedactionConfig = DEFAULT_REDACTION
) -> Interaction:
    """A redacted copy of `interaction`; the input is never changed."""
    i = copy.deepcopy(interaction)
    _redact_interaction_in_place(i, config)
    return i


def redact_cassette(cassette: Cassette, config: RedactionConfig = DEFAULT_REDACTION) -> Cassette:
    """A copy of `cassette` with every interaction redacted."""
    c = copy.deepcopy(cassette)
    for i in c.interactions:
        _redact_interaction_in_place(i, config)
    return c


# -- auditing ------------------------------------------------------------------------------------


def _prefix(secret: str | bytes) -> str:
    if isinstance(secret, bytes):
        secret = secret.decode("ascii", "replace")
    return secret[:6]


def _pattern_findings(text: str | bytes, config: RedactionConfig) -> list[str]:
    """One "holds <label> starting "xxxxxx"" phrase per kind of secret found in `text`."""
    seen: dict[int, str] = {}
    for start, end, index in _spans(text, config.patterns):
        if index not in seen:
            label = label_of(config.patterns[index])
            seen[index] = f'holds {label} starting "{_prefix(text[start:end])}"'
    return list(seen.values())


def find_secrets(
    interaction: Interaction, config: RedactionConfig = DEFAULT_REDACTION
) -> list[str]:
    """Human-readable findings of secrets `redact_interaction` would remove, e.g.
    "interaction 3: request header Authorization holds an unredacted secret". A finding never
    shows a secret, at most its first 6 characters."""
    where = f"interaction {interaction.id}"
    out: list[str] = []

    def scan(place: str, text: str | bytes) -> None:
        out.extend(f"{where}: {place} {finding}" for finding in _pattern_findings(text, config))

    def headers(kind: str, hdrs: Headers | None, names: frozenset[str]) -> None:
        for name, values in (hdrs or {}).items():
            if name.lower() in names:
                if any(v and not is_redacted(v) for v in values):
                    out.append(f"{where}: {kind} {name} holds an unredacted secret")
            else:
                for v in values:
                    scan(f"{kind} {name}", v)

    def query(place: str, url: str | None) -> None:
        if not url:
            return
        query_string = url.partition("#")[0].partition("?")[2]
        flagged = set()
        for part in query_string.split("&") if query_string else ():
            name, _, value = part.partition("=")
            name = unquote_plus(name)
            if (
                name.lower() in config.query_params
                and value
                and not is_redacted(unquote_plus(value))
                and name not in flagged
            ):
                flagged.add(name)
                out.append(f"{where}: {place} query parameter {name} holds an unredacted secret")
        base, question, rest = url.partition("?")
        scan(place, base + question + redact_query_string(rest, config.query_params))

    req, resp = interaction.request, interaction.response
    headers("request header", req.headers, config.request_headers)
    headers("request trailer", req.trailer, config.request_headers)
    query("request URL", req.url)
    if req.request_uri != req.url:
        query("request URI", req.request_uri)
    for name, values in (req.form or {}).items():
        if name.lower() in config.query_params and any(v and not is_redacted(v) for v in values):
            out.append(f"{where}: request form field {name} holds an unredacted secret")
        else:
            for v in values:
                scan(f"request form field {name}", v)
    if isinstance(req.body, str) and _is_form(req.headers):
        if redact_query_string(req.body, config.query_params) != req.body:
            out.append(f"{where}: request body holds an unredacted form secret")
    scan("request body", req.body)
    headers("response header", resp.headers, config.response_headers)
    headers("response trailer", resp.trailer, config.response_headers)
    scan("response body", resp.body)
    ws = resp.extra.get(WEBSOCKET_KEY)
    for n, m in enumerate(ws.get("messages") or [] if isinstance(ws, dict) else []):
        if isinstance(m, dict) and isinstance(m.get("data"), str | bytes):
            scan(f"WebSocket message {n + 1}", m["data"])
    return out
