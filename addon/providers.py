"""The AI APIs vcrproxy knows, one descriptor each: how a request is recognised, the error body
its SDK expects, and the marker of a complete stream.

Used by misses.py (a miss answered in the provider's error shape), faults.py (status faults),
recording.py (whether a stream the client hung up on had ended) and aiformats.py (what `show`,
`diff` and the LLM contentview read a body as), so they never disagree about a request: the path
decides first (Gemini's OpenAI-compatible `/v1beta/openai/chat/completions` is OpenAI chat
everywhere, even on a googleapis host), then the host and headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

MISS_STATUS = 400


@dataclass(frozen=True)
class Provider:
    """One API. `api` is the name `show` uses (aiformats' constants); `errors` the family whose
    error shape its SDK parses (openai, anthropic, gemini, bedrock); `stream_end` byte markers of
    which one ends a complete stream (empty: not a streaming API, or none known)."""

    api: str
    errors: str
    stream_end: tuple[bytes, ...] = ()

    def error_body(self, message: str, status: int = MISS_STATUS) -> dict:
        """The JSON error object this API's SDK turns into an exception carrying `message`."""
        if self.errors == "anthropic":
            return {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
        if self.errors == "gemini":
            return {"error": {"code": status, "message": message, "status": "INVALID_ARGUMENT"}}
        if self.errors == "bedrock":
            return {"message": message}  # the error type is a header (error_headers)
        return {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": None,
                "code": "vcrproxy_cassette_miss",
            }
        }

    def error_headers(self, error_type: str) -> dict[str, str]:
        """Headers naming the error where the API puts it there: AWS's restJson protocol
        (botocore reads the exception class from x-amzn-ErrorType)."""
        if self.errors != "bedrock":
            return {}
        return {
            "x-amzn-ErrorType": f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/",
            "x-amzn-RequestId": "00000000-0000-0000-0000-00000000fa17",
        }


OPENAI_CHAT = Provider("openai-chat", "openai", (b"data: [DONE]",))
OPENAI_RESPONSES = Provider("openai-responses", "openai", (b"response.completed",))
ANTHROPIC_MESSAGES = Provider("anthropic-messages", "anthropic", (b"message_stop",))
GEMINI = Provider("gemini", "gemini", (b'"finishReason"',))
BEDROCK_EVENTSTREAM = Provider("bedrock-eventstream", "bedrock", (b"messageStop", b"message_stop"))
BEDROCK_CONVERSE = Provider("bedrock-converse", "bedrock")
# Nothing recognised: OpenAI-compatible gateways are the common case, so OpenAI's error shape.
UNKNOWN = Provider("unknown", "openai")

PROVIDERS = (
    OPENAI_CHAT, OPENAI_RESPONSES, ANTHROPIC_MESSAGES, GEMINI, BEDROCK_EVENTSTREAM,
    BEDROCK_CONVERSE,
)
# Any API's end-of-stream marker, for a stream whose API is not recognised.
ANY_STREAM_END: tuple[bytes, ...] = tuple(m for p in PROVIDERS for m in p.stream_end)


def _split(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url or "")
        return (parts.hostname or "").lower(), unquote(parts.path).lower().rstrip("/")
    except ValueError:
        return "", ""


def by_path(url: str) -> Provider | None:
    """The API a URL's path names, else None (the rule every caller applies first)."""
    _, p = _split(url)
    if p.endswith("/chat/completions"):
        return OPENAI_CHAT
    if p.endswith("/responses"):
        return OPENAI_RESPONSES
    if p.endswith("/messages") and "/threads/" not in p:
        return ANTHROPIC_MESSAGES
    if ":generatecontent" in p or ":streamgeneratecontent" in p:
        return GEMINI
    if p.endswith("/invoke-with-response-stream") or p.endswith("/converse-stream"):
        return BEDROCK_EVENTSTREAM
    if p.endswith("/converse"):
        return BEDROCK_CONVERSE
    return None


def _has(headers: Mapping[str, Any] | Any | None, name: str) -> bool:
    if headers is None:
        return False
    try:
        return name in headers  # mitmproxy Headers: case-insensitive
    except TypeError:
        return False


def recognise(url: str, headers: Mapping[str, Any] | Any | None = None) -> Provider:
    """The API of a request from its URL (path first, then host) and headers; UNKNOWN when
    nothing says (answered in OpenAI's shape)."""
    found = by_path(url)
    if found is not None:
        return found
    host, _ = _split(url)
    if host.startswith("bedrock") and host.endswith(".amazonaws.com"):
        return BEDROCK_CONVERSE  # Claude on Bedrock (invoke) takes Bedrock's errors too
    if "anthropic" in host or _has(headers, "anthropic-version"):
        return ANTHROPIC_MESSAGES
    if "googleapis" in host:
        return GEMINI
    return UNKNOWN
