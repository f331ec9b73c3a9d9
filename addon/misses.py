"""The answer to a request no recorded interaction matches.

Status 400: the OpenAI, Anthropic and Google SDKs raise it at once (they retry 408, 409, 429 and
5xx). The body takes the provider's error shape so the SDK's exception message carries our text.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from mitmproxy import http

MISS_STATUS = 400
MISS_HEADER = "X-Vcrproxy-Miss"


def provider_of(url: str, headers: http.Headers | None = None) -> str:
    """Whose error shape a request gets: anthropic, gemini (Google AI and Vertex), bedrock or
    openai (also every OpenAI-compatible gateway)."""
    parts = urlsplit(url)
    host, path = parts.hostname or "", parts.path
    if host.startswith("bedrock") and host.endswith(".amazonaws.com"):
        return "bedrock"  # before anthropic: Claude on Bedrock takes Bedrock's errors
    if "anthropic" in host or path.endswith("/v1/messages") or (
        headers is not None and "anthropic-version" in headers
    ):
        return "anthropic"
    if "googleapis" in host or ":generateContent" in path or ":streamGenerateContent" in path:
        return "gemini"
    return "openai"


def error_body(provider: str, message: str) -> dict:
    if provider == "anthropic":
        return {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
    if provider == "gemini":
        return {"error": {"code": MISS_STATUS, "message": message, "status": "INVALID_ARGUMENT"}}
    if provider == "bedrock":
        return {"message": message}  # the error type is a header (error_headers)
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": None,
            "code": "vcrproxy_cassette_miss",
        }
    }


def error_headers(provider: str, error_type: str) -> dict[str, str]:
    """Headers naming the error where the provider puts it there: AWS's restJson protocol
    (botocore reads the exception class from x-amzn-ErrorType)."""
    if provider != "bedrock":
        return {}
    return {
        "x-amzn-ErrorType": f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/",
        "x-amzn-RequestId": "00000000-0000-0000-0000-00000000fa17",
    }


def miss_response(request: http.Request, message: str) -> http.Response:
    provider = provider_of(request.url, request.headers)
    # backslashreplace turns a lone surrogate (a client cut a string mid-emoji) into the JSON
    # escape it came as (\\ud83d): still valid JSON, where a strict encode would raise.
    body = json.dumps(error_body(provider, message), ensure_ascii=False).encode(
        "utf-8", "backslashreplace"
    )
    return http.Response.make(
        MISS_STATUS,
        body,
        {"Content-Type": "application/json", MISS_HEADER: "1",
         **error_headers(provider, "ValidationException")},
    )
