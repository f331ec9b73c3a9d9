"""Paced replay through a loopback chunk server.

mitmproxy sends an addon-made response (`Response.make`) whole; it only streams what comes from a
server. So a flow to be replayed with the recorded timing is pointed at this in-process HTTP/1.1
server, which writes the recorded head after the recorded `duration` and each chunk at its recorded
offset (a late write delays the rest by as much, keeping the recorded gaps); mitmproxy streams it
on to the client (chunked on HTTP/1.1, DATA frames on h2). Only public mitmproxy API is involved:
changing the request's destination and `response.stream`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Protocol

from .cassette import Response
from .flows import bodiless, is_stream, reason_phrase, replay_headers

log = logging.getLogger("vcrproxy")


@dataclass
class PacedReply:
    response: Response
    origin: float  # time.monotonic() the recorded offsets count from (request received)
    method: str = "GET"  # the client's: a HEAD answer has no body


class LoopbackReply(Protocol):
    """A reply that speaks for itself on the loopback connection (websocket.WebSocketPlayer):
    `serve` gets the request head already read and the connection."""

    async def serve(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None: ...


# The longest wait --pace recorded keeps, before the headers or between two chunks: a slow model
# can take minutes to answer, but a recorded hour (or 2,000,000 h in a hand-edited file) is a
# mistake that would hang the client; it is cut to this with a warning.
MAX_WAIT_S = 300.0


def head_delay(resp: Response) -> float:
    """Seconds to wait before the headers: the recorded `duration`, clamped to 0..MAX_WAIT_S."""
    start = max(0.0, resp.duration_ns / 1e9)
    if start > MAX_WAIT_S:
        log.warning("--pace recorded: recorded duration of %.0f s cut to %.0f s", start,
                    MAX_WAIT_S)
        start = MAX_WAIT_S
    return start


def chunk_plan(resp: Response, start: float | None = None) -> list[tuple[float, bytes]]:
    """(offset seconds from origin, bytes) for each chunk to send.

    Uses the per-chunk timings when recorded (each gap clamped to MAX_WAIT_S, with a warning);
    otherwise, or when they do not fit the body, one chunk right after the headers.
    """
    body = resp.body_bytes
    if start is None:
        start = head_delay(resp)
    chunks = resp.chunks
    if not chunks or sum(size for _, size in chunks) != len(body):
        return [(start, body)] if body else []
    plan = []
    pos = 0
    prev = start
    clamped = 0.0
    for at_ms, size in chunks:
        at = max(prev, at_ms / 1000 - clamped)
        if at - prev > MAX_WAIT_S:
            clamped += at - prev - MAX_WAIT_S
            at = prev + MAX_WAIT_S
        plan.append((at, body[pos : pos + size]))
        pos += size
        prev = at
    if clamped:
        log.warning("--pace recorded: recorded gaps between chunks cut to %.0f s (%.0f s less "
                    "in all)", MAX_WAIT_S, clamped)
    return plan


def head_bytes(resp: Response, stream: bool, body_len: int, method: str = "GET") -> bytes:
    headers = replay_headers(resp, body_len, h2=False, stream=stream, method=method)
    # The code is `code`, as in instant replay; the text only supplies the reason phrase.
    line = f"HTTP/1.1 {resp.code} {reason_phrase(resp)}".rstrip()
    head = [line.encode("utf-8", "surrogateescape")]
    head += [name + b": " + value for name, value in headers.fields]
    head.append(b"Connection: close")
    return b"\r\n".join(head) + b"\r\n\r\n"


# mitmproxy opens at most 5 connections at a time from one client connection to one address
# (`ConnectionHandler.max_conns`): a sixth paced stream multiplexed on the same h2 client
# connection would wait for an earlier one to finish. So no port carries more than this many
# replies at once; another listener opens when all are that busy.
PER_PORT = 5


# The longest request head the loopback server reads (it gets the client's headers, forwarded):
# asyncio's default 64 KiB dropped a request with a large cookie (502, counted as nothing),
# where instant replay answers it. mitmproxy itself takes heads this size.
_HEAD_LIMIT = 16 << 20


class ChunkServer:
    """Serves registered replies at `/<token>` on 127.0.0.1, each once: a PacedReply, or a
    LoopbackReply (a replayed WebSocket session) that serves the connection itself."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._extra: list[asyncio.Future[asyncio.Server]] = []
        self._pending: dict[str, tuple[PacedReply | LoopbackReply, int]] = {}
        self._load: dict[int, int] = {}  # port -> replies registered and not yet finished
        self.port = 0

    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0,
                                                      limit=_HEAD_LIMIT)
            self.port = self._server.sockets[0].getsockname()[1]
            self._load = {self.port: 0}

    def register(self, reply: PacedReply | LoopbackReply) -> str:
        """Queue `reply`; fetch it from `port_for(token)` at `/<token>` (on the running loop)."""
        port = min(self._load, key=self._load.__getitem__)
        if self._load[port] >= PER_PORT:
            port = self._listen()
        self._load[port] += 1
        # Unguessable: any local process can connect to this port, and the first fetch of a
        # token takes its reply (a recorded answer, or a replayed WebSocket session).
        token = f"vcrproxy-{secrets.token_urlsafe(16)}"
        self._pending[token] = (reply, port)
        return token

    def port_for(self, token: str) -> int:
        return self._pending[token][1] if token in self._pending else self.port

    def serves(self, address: tuple[str, int] | None) -> bool:
        """Whether `address` (host, port) is one of this server's own loopback listeners."""
        return address is not None and address[0] == "127.0.0.1" and address[1] in self._load

    def _listen(self) -> int:
        # Listening right away: connections wait in the backlog until the server is serving.
        sock = socket.create_server(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self._load[port] = 0
        self._extra.append(asyncio.ensure_future(
            asyncio.start_server(self._serve, sock=sock, limit=_HEAD_LIMIT)))
        return port

    async def stop(self) -> None:
        servers = [self._server] if self._server is not None else []
        for started in self._extra:
            try:
                servers.append(await started)
            except OSError as e:  # pragma: no cover - nothing to close
                log.debug("paced replay listener did not start: %s", e)
        for server in servers:
            server.close()
        self._server = None
        self._extra = []
        self._pending.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = None
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode("ascii", "replace")
            reply, port = self._pending.pop(target.lstrip("/"), (None, None))
            if reply is None:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return
            if isinstance(reply, PacedReply):
                await self._send(reply, writer)
            else:
                await reply.serve(head, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
            log.debug("paced replay connection ended early: %s", e)
        finally:
            writer.close()
            if port in self._load:
                self._load[port] -= 1

    @staticmethod
    async def _send(reply: PacedReply, writer: asyncio.StreamWriter) -> None:
        resp = reply.response
        stream = is_stream(resp)
        # A write that comes late (the loop was busy, e.g. many streams starting at once) moves
        # the rest of the reply with it: the recorded gaps are kept, nothing bursts to catch up.
        origin = reply.origin
        start = head_delay(resp)
        plan = chunk_plan(resp, start)
        origin += await _sleep_until(origin + start)
        writer.write(head_bytes(resp, stream, len(resp.body_bytes), reply.method))
        if bodiless(resp.code, reply.method):
            await writer.drain()
            return
        for at, data in plan:
            if not data:
                continue  # an empty chunk would end a chunked body early
            origin += await _sleep_until(origin + at)
            writer.write(b"%x\r\n%s\r\n" % (len(data), data) if stream else data)
            await writer.drain()
        if stream:
            writer.write(b"0\r\n\r\n")
        await writer.drain()


async def _sleep_until(deadline: float) -> float:
    """Sleep until `deadline`; returns how late it is by then, 0 for mere timer jitter (which
    must not add up over a long stream)."""
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    late = time.monotonic() - deadline
    return late if late > 0.002 else 0.0
