"""Teeing a streamed response into the recording, chunk by chunk, as it passes to the client."""

from __future__ import annotations

import logging
import time
import zlib
from typing import Protocol

from mitmproxy import http
from mitmproxy.net import encoding

from .flows import DECODABLE

log = logging.getLogger("vcrproxy")


# The last event of a complete stream: OpenAI chat (and compatible gateways), OpenAI Responses,
# Anthropic messages, Gemini.
FINAL_EVENTS = (
    b"data: [DONE]",
    b"response.completed",
    b"message_stop",
    b'"finishReason"',
)


class _Decompressor(Protocol):
    def decompress(self, data: bytes) -> bytes: ...


def _decompressor(name: str) -> _Decompressor | None:
    """An incremental decoder, so each chunk's timing applies to its decoded bytes."""
    if name == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if name == "deflate":
        return _Deflate()
    if name == "br":
        import brotli  # a mitmproxy dependency

        return brotli.Decompressor()
    if name == "zstd":
        import zstandard  # a mitmproxy dependency

        return zstandard.ZstdDecompressor().decompressobj()
    return None


class _Deflate:
    """HTTP `deflate` is zlib-wrapped, but some servers send raw deflate: try both."""

    def __init__(self) -> None:
        self._obj: zlib._Decompress | None = None

    def decompress(self, data: bytes) -> bytes:
        if self._obj is None:
            wbits = zlib.MAX_WBITS if data[:1] and (data[0] & 0x0F) == 8 else -zlib.MAX_WBITS
            self._obj = zlib.decompressobj(wbits)
        return self._obj.decompress(data)


class StreamRecorder:
    """The `response.stream` callable: forwards each chunk untouched, keeps a decoded copy."""

    def __init__(self, flow: http.HTTPFlow) -> None:
        assert flow.response is not None
        self.origin = flow.request.timestamp_end or flow.request.timestamp_start
        name = flow.response.headers.get("content-encoding", "").strip().lower()
        self.decoder = _decompressor(name) if name in DECODABLE else None
        self.decoded = self.decoder is not None
        self.parts: list[bytes] = []
        self.chunks: list[tuple[float, int]] = []
        self.raw: list[bytes] = []  # kept only until decoding proves to work

    def tap(self, data: bytes) -> bytes:
        if data:
            at = (time.time() - self.origin) * 1000
            piece = self._decode(data)
            if piece:
                self.parts.append(piece)
                self.chunks.append((at, len(piece)))
        return data

    def _decode(self, data: bytes) -> bytes:
        if self.decoder is None:
            return data
        self.raw.append(data)
        try:
            return self.decoder.decompress(data)
        except Exception as e:  # zlib.error, brotli.error, zstd errors: record raw instead
            log.warning("could not decode the stream, recording it encoded: %s", e)
            self.decoder = None
            self.decoded = False
            self.parts = list(self.raw)
            self.chunks = [(self.chunks[-1][0] if self.chunks else 0.0, sum(map(len, self.raw)))]
            return b""

    def finished_stream(self) -> bool:
        """Whether what arrived so far ends with an AI stream's final event, so a client that
        hung up right after it (the openai SDK does, after `[DONE]`) still got the whole answer."""
        tail = b"".join(self.parts[-4:])[-4096:]
        return any(marker in tail for marker in FINAL_EVENTS)

    def result(self) -> tuple[bytes, bool, list[tuple[float, int]]]:
        body = b"".join(self.parts)
        # The pieces are not needed any more: keep one copy of a large body while it is written,
        # not two (the recorder lives until the response hook returns).
        self.parts = [body] if body else []
        self.raw = []
        return body, self.decoded, self.chunks


def decode_body(resp: http.Response | None) -> tuple[bytes, bool]:
    """A buffered body as Go's transport would expose it: decoded when it was compressed."""
    if resp is None:
        return b"", False
    raw = resp.raw_content or b""
    name = resp.headers.get("content-encoding", "").strip().lower()
    if name in DECODABLE and raw:
        try:
            return encoding.decode(raw, name), True
        except ValueError as e:
            log.warning("could not decode %s body, recording it encoded: %s", name, e)
    return raw, False
