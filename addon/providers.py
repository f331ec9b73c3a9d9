"""The AI APIs vcrproxy knows, one descriptor each: how a request is recognised, the error body
its SDK expects, and the marker of a complete stream.

Used by misses.py (a miss answered in the provider's error shape), faults.py (status faults),
recording.py (whether a stream the client hung up on had ended) and aiformats.py (what `show`,
`diff` and the LLM contentview read a body as), so they never disagree about a request: the path
decides first (Gemini's OpenAI-compatible `/v1beta/openai/chat/completions` is OpenAI chat
everywhere, even on a googleapis host), then the host and headers.
"""

from __future__ import annotations

import base64
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

    def status_error(self, status: int, note: str = "") -> tuple[dict, dict[str, str]]:
        """(JSON body, headers) of this API's answer with HTTP `status` (429, 529, 503...): its
        own error type and usual text for that status (`STATUS_ERRORS`), `note` appended."""
        table = STATUS_ERRORS[self.errors]
        fallback = table[500 if status >= 500 else 400]
        etype, *rest = table.get(status, fallback)
        message = f"{rest[-1]} {note}".strip()
        if self.errors == "anthropic":
            body: dict = {"type": "error", "error": {"type": etype, "message": message}}
            return body, {"request-id": "req_vcrproxy"}
        if self.errors == "gemini":
            return {"error": {"code": status, "message": message, "status": etype}}, {}
        if self.errors == "bedrock":
            return {"message": message}, self.error_headers(etype)
        code = rest[0] if len(rest) == 2 else None
        return {"error": {"message": message, "type": etype, "param": None, "code": code}}, {}


# SSE end markers are matched at a line start (an `event:` or `data:` field): the answer's text
# may name them (a model explaining its API: "...ends with message_stop"), and a JSON string
# holds no raw line break, so a marker inside a text delta is no end of stream.
# (The space after a field's colon is optional, WHATWG HTML 9.2.6: `data:[DONE]` ends a stream
# too; Spring and other OpenAI-compatible servers write it so.)


def _sse_markers(*fields: bytes) -> tuple[bytes, ...]:
    return tuple(m for f in fields for m in (b"\n" + f.replace(b":", b": ", 1), b"\n" + f))


OPENAI_CHAT = Provider("openai-chat", "openai", _sse_markers(b"data:[DONE]"))
OPENAI_RESPONSES = Provider("openai-responses", "openai", _sse_markers(
    b"event:response.completed", b'data:{"type":"response.completed"',
    b'data:{"type": "response.completed"'))
ANTHROPIC_MESSAGES = Provider("anthropic-messages", "anthropic", _sse_markers(
    b"event:message_stop", b'data:{"type":"message_stop"', b'data:{"type": "message_stop"'))
GEMINI = Provider("gemini", "gemini", (b'"finishReason"',))
# Bedrock's application/vnd.amazon.eventstream, matched on its framing, not on text a delta may
# hold: converse-stream ends with an event whose `:event-type` header (name length 11, value
# type 7 = string, value length 11) is messageStop; invoke-with-response-stream sends each of
# the model's events base64 in a chunk's `"bytes"`, so Anthropic's last one starts with the
# base64 of `{"type":"message_stop` (21 bytes: 28 characters whatever follows).
BEDROCK_EVENTSTREAM = Provider("bedrock-eventstream", "bedrock", (
    b"\x0b:event-type\x07\x00\x0bmessageStop",
    b'"bytes":"' + base64.b64encode(b'{"type":"message_stop'),
    b'"bytes":"' + base64.b64encode(b'{"type": "message_sto')))
BEDROCK_CONVERSE = Provider("bedrock-converse", "bedrock")
# InvokeModel's JSON answer of a model family with no API of its own here (Llama, Mistral, Titan,
# Cohere, AI21): aiformats reads it by its shape; its path (`/model/ID/invoke`) names no API, so
# `by_path` leaves it to the host (Bedrock's errors) like Claude's InvokeModel.
BEDROCK_INVOKE = Provider("bedrock-invoke", "bedrock")
# Nothing recognised: OpenAI-compatible gateways are the common case, so OpenAI's error shape.
UNKNOWN = Provider("unknown", "openai")

PROVIDERS = (
    OPENAI_CHAT, OPENAI_RESPONSES, ANTHROPIC_MESSAGES, GEMINI, BEDROCK_EVENTSTREAM,
    BEDROCK_CONVERSE, BEDROCK_INVOKE,
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


# Per error family, per HTTP status: (error type, [code,] usual message) as the API sends it
# (OpenAI: type and code; Anthropic: error.type; Google: the google.rpc status name; Bedrock: the
# exception class). Used for status faults (faults.py); 500 and 400 stand in for the rest.
STATUS_ERRORS: dict[str, dict[int, tuple[str | None, ...]]] = {
    "openai": {
        400: ("invalid_request_error", None, "Invalid request."),
        401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
        403: ("permission_error", None, "You are not allowed to make this request."),
        404: ("invalid_request_error", "model_not_found", "The model does not exist."),
        409: ("invalid_request_error", "conflict", "Conflict."),
        429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
        500: ("server_error", None,
              "The server had an error while processing your request. Sorry about that!"),
        503: ("server_error", None, "The server is overloaded or not ready yet."),
    },
    "anthropic": {
        400: ("invalid_request_error", "Invalid request."),
        401: ("authentication_error", "invalid x-api-key"),
        403: ("permission_error", "Your API key does not have permission to use this resource."),
        404: ("not_found_error", "Not found."),
        413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
        429: ("rate_limit_error", "Number of requests has exceeded your rate limit."),
        500: ("api_error", "Internal server error"),
        504: ("timeout_error", "Request timed out."),
        529: ("overloaded_error", "Overloaded"),
    },
    "gemini": {
        400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
        401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
        403: ("PERMISSION_DENIED", "The caller does not have permission."),
        404: ("NOT_FOUND", "Requested entity was not found."),
        409: ("ABORTED", "The operation was aborted."),
        429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
        499: ("CANCELLED", "The operation was cancelled."),
        500: ("INTERNAL", "An internal error has occurred."),
        501: ("NOT_IMPLEMENTED", "Method not implemented."),
        503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
        504: ("DEADLINE_EXCEEDED", "The request timed out."),
    },
    "bedrock": {
        400: ("ValidationException", "Malformed input request."),
        403: ("AccessDeniedException", "You don't have access to the model."),
        404: ("ResourceNotFoundException", "The model was not found."),
        408: ("ModelTimeoutException", "Model has timed out in processing the request."),
        424: ("ModelErrorException", "The model returned an error."),
        429: ("ThrottlingException", "Too many requests, please wait before trying again."),
        500: ("InternalServerException", "The server encountered an internal error."),
        503: ("ServiceUnavailableException", "Bedrock is unable to process your request."),
    },
}
