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


def miss_response(request: http.Request, message: str) -> http.Response:
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
