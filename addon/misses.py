"""The answer to a request no recorded interaction matches.

Status 400: the OpenAI, Anthropic and Google SDKs raise it at once (they retry 408, 409, 429 and
5xx). The body takes the provider's error shape so the SDK's exception message carries our text.
"""

from __future__ import annotations

import json

from mitmproxy import http

from . import providers
from .flows import made_answer
from .providers import MISS_STATUS

MISS_HEADER = "X-Vcrproxy-Miss"


def provider_of(url: str, headers: http.Headers | None = None) -> str:
    """Whose error shape a request gets: anthropic, gemini (Google AI and Vertex), bedrock or
    openai (also every OpenAI-compatible gateway, and Gemini's OpenAI-compatible endpoint);
    providers.recognise decides."""
    return providers.recognise(url, headers).errors


def _family(provider: str) -> providers.Provider:
    return next((p for p in providers.PROVIDERS if p.errors == provider), providers.UNKNOWN)


def error_body(provider: str, message: str) -> dict:
    """The error object of the family `provider` (see provider_of)."""
    return _family(provider).error_body(message)


def error_headers(provider: str, error_type: str) -> dict[str, str]:
    """Headers naming the error where the provider puts it there (Bedrock)."""
    return _family(provider).error_headers(error_type)


# A gRPC miss: INVALID_ARGUMENT, HTTP 400's counterpart (gRPC's status mapping), which gRPC
# clients do not retry; its grpc-message kept under gRPC's default 8 KiB metadata limit.
GRPC_MISS_STATUS = 3
_GRPC_MESSAGE_LIMIT = 4096


def is_grpc(request: http.Request) -> bool:
    """A gRPC (or gRPC-Web) call: its client reads only grpc-status / grpc-message."""
    return request.headers.get("content-type", "").lower().startswith("application/grpc")


def grpc_message(message: str) -> str:
    """`message` as a grpc-message value (gRPC over HTTP/2: UTF-8, each byte outside
    0x20-0x7E and `%` percent-encoded), cut to fit the client's metadata limit."""
    out: list[str] = []
    size = 0
    for ch in message:
        enc = "".join(b if 0x20 <= (o := ord(b)) <= 0x7E and b != "%" else f"%{o:02X}"
                      for b in ch.encode("utf-8", "backslashreplace").decode("latin-1"))
        if size + len(enc) > _GRPC_MESSAGE_LIMIT:
            out.append("...")
            break
        out.append(enc)
        size += len(enc)
    return "".join(out)


def grpc_error(request: http.Request, code: int, message: str) -> http.Response:
    """A trailers-only gRPC answer (HTTP 200, no body, grpc-status and grpc-message in its
    headers): what a gRPC client turns into an RpcError carrying `message`."""
    content_type = request.headers.get("content-type", "application/grpc")
    return http.Response.make(200, b"", {
        "content-type": content_type, "grpc-status": str(code),
        "grpc-message": grpc_message(message), MISS_HEADER.lower(): "1"})


def miss_response(request: http.Request, message: str) -> http.Response:
    if is_grpc(request):
        return grpc_error(request, GRPC_MISS_STATUS, message)
    provider = provider_of(request.url, request.headers)
    # backslashreplace turns a lone surrogate (a client cut a string mid-emoji) into the JSON
    # escape it came as (\\ud83d): still valid JSON, where a strict encode would raise.
    body = json.dumps(error_body(provider, message), ensure_ascii=False).encode(
        "utf-8", "backslashreplace"
    )
    return made_answer(
        MISS_STATUS,
        body,
        {"Content-Type": "application/json", MISS_HEADER: "1",
         **error_headers(provider, "ValidationException")},
        request.method,
    )
