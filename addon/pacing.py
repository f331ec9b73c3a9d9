"""Paced replay through a loopback chunk server.

mitmproxy sends an addon-made response (`Response.make`) whole; it only streams what comes from a
server. So a flow to be replayed with the recorded timing is pointed at this in-process HTTP/1.1
server, which writes the recorded head after the recorded `duration` and each chunk at its recorded
offset; mitmproxy streams it on to the client (chunked on HTTP/1.1, DATA frames on h2). Only public
mitmproxy API is involved: changing the request's destination and `response.stream`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass

from .cassette import Response
from .flows import HOP_BY_HOP

log = logging.getLogger("vcrproxy")


@dataclass
class PacedReply:
    response: Response
    origin: float  # time.monotonic() the recorded offsets count from (request received)


def chunk_plan(resp: Response) -> list[tuple[float, bytes]]:
    """(offset seconds from origin, bytes) for each chunk to send.

    Uses the per-chunk timings when recorded; otherwise one chunk right after the headers.
    """
    body = resp.body_bytes
    start = resp.duration_ns / 1e9
    chunks = resp.chunks
    if not chunks or sum(size for _, size in chunks) != len(body):
        return [(start, body)] if body else []
    plan = []
    pos = 0
    for at_ms, size in chunks:
        plan.append((max(start, at_ms / 1000), body[pos : pos + size]))
        pos += size
    return plan


def _head(resp: Response, stream: bool, body_len: int) -> bytes:
    lines = [f"HTTP/1.1 {resp.status or resp.code}"]
    for name, values in resp.headers.items():
        if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
            continue
        lines.extend(f"{name}: {v}" for v in values)
    lines.append("Transfer-Encoding: chunked" if stream else f"Content-Length: {body_len}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


class ChunkServer:
    """Serves registered replies at `/<token>` on 127.0.0.1, each once."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._pending: dict[str, PacedReply] = {}
        self._ids = itertools.count(1)
        self.port = 0

    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

    def register(self, reply: PacedReply) -> str:
        token = f"vcrproxy-{next(self._ids)}"
        self._pending[token] = reply
        return token

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._pending.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode("ascii", "replace")
            reply = self._pending.pop(target.lstrip("/"), None)
            if reply is None:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return
            await self._send(reply, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
            log.debug("paced replay connection ended early: %s", e)
        finally:
            writer.close()

    @staticmethod
    async def _send(reply: PacedReply, writer: asyncio.StreamWriter) -> None:
        from .flows import is_stream

        resp = reply.response
        stream = is_stream(resp)
        await _sleep_until(reply.origin + resp.duration_ns / 1e9)
        writer.write(_head(resp, stream, len(resp.body_bytes)))
        for at, data in chunk_plan(resp):
            if not data:
                continue  # an empty chunk would end a chunked body early
            await _sleep_until(reply.origin + at)
            writer.write(b"%x\r\n%s\r\n" % (len(data), data) if stream else data)
            await writer.drain()
        if stream:
            writer.write(b"0\r\n\r\n")
        await writer.drain()


async def _sleep_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
