"""A deterministic fake AI gateway for vcrproxy tests and benchmarks.

A real TLS (or plain) server on loopback, speaking HTTP/1.1 (h11) and HTTP/2 (h2, chosen by
ALPN; on plain connections by the HTTP/2 prior-knowledge preface), with OpenAI- and
Anthropic-shaped endpoints plus a few edge-case endpoints. It runs its own asyncio event loop in
a background thread, so it works from pytest fixtures and from plain scripts alike::

    with FakeGateway() as gw:
        client = httpx.Client(verify=gw.client_ssl_context(), http2=True)
        client.get(gw.url + "/json")

The server is written directly on h11/h2 instead of an ASGI server so that it controls every
byte: no Date/Server headers, every SSE event is its own write (its own DATA frame / chunk),
and /reset-mid-stream can really send a TCP RST or an HTTP/2 RST_STREAM.

Endpoints (a ``/gzip``, ``/br``, ``/zstd``, ``/deflate`` or ``/deflate-raw`` prefix, or
``?encoding=NAME`` (``?gzip=1``), asks for that ``Content-Encoding`` on any of them, honoured
only if the request's Accept-Encoding allows it; ``deflate-raw`` is ``deflate`` without the zlib
wrapper, as some servers send it. Streams are then one compressed stream flushed after every
event, so they still arrive incrementally):

- ``POST /v1/chat/completions``  OpenAI chat completion; ``"stream": true`` gives SSE chunks and
  ``data: [DONE]``; ``stream_options.include_usage`` adds the usage chunk; ``tools`` gives a
  function call (unless the last message is a tool result or tool_choice is "none").
- ``POST /v1/messages``  Anthropic message, streamed (message_start ... message_stop) or not;
  ``tools`` gives a tool_use block (unless the last user turn carries a tool_result). Both
  stream the text or tool arguments cut at the offsets an ``X-Fake-Cuts: 6,9`` header lists.
- ``GET|POST /reset-mid-stream``  headers and ``?events=2`` SSE events, then an abort:
  ``?how=tcp`` (TCP RST, the HTTP/1.1 default), ``?how=stream`` (RST_STREAM, the HTTP/2
  default; HTTP/1.1 falls back to tcp) or ``?how=fin`` (close without ending the body).
- ``GET /ndjson?n=5``  application/x-ndjson, one line per write, spaced.
- ``GET /eventstream?n=3``  application/vnd.amazon.eventstream binary frames, spaced.
- ``GET /big?mb=N``  N MiB (float allowed) in 64 KiB writes; Content-Length unless ``chunked=1``;
  ``&unit64=B64``: those bytes (URL-safe base64, so key shapes in them do not show in the URL)
  repeated, as text/plain, instead of the bytes 0..255; ``&random=SEED``: random bytes from
  that seed (compressed audio, images: short key-shape needles occur by chance) instead;
  ``&put64=B64&at=N``: those bytes written over the body from byte N (a late key).
- ``GET /json?size=N``  small JSON object, exactly N bytes if N >= 10.
- ``* /echo``  the request as JSON (method, path, query, headers, body, body_b64, http_version;
  ``?plain=1``: without body_b64).
- ``* /status/{code}``  that status with a small JSON body (none for 204/304).
- ``GET /set-cookie``  two Set-Cookie headers.
- ``GET /v1/realtime`` (WebSocket upgrade, HTTP/1.1; framing by wsproto)  an OpenAI
  Realtime-shaped session: ``session.created`` on connect; ``session.update`` ->
  ``session.updated``; ``conversation.item.create`` -> ``conversation.item.created`` (its text is
  answered); ``response.create`` -> ``response.created``, a few ``response.output_text.delta``,
  ``response.output_text.done``, a ``response.function_call_arguments.done`` when the session has
  tools, then ``response.done`` with usage (``?cuts=6,9``: the deltas cut there); a binary
  message -> a binary reply (not UTF-8);
  ``{"type": "test.close"}`` -> the server closes with 4000. Client messages are kept in
  ``ws_received``.
- ``POST /v1/audio/transcriptions``, ``POST /v1/files``  OpenAI multipart uploads: the text
  (file size, name, model, CRC) or the file object.
- ``GET /trailers?n=3``  an SSE stream that ends with trailers (``X-Usage-Tokens``,
  ``X-Checksum``): chunked on HTTP/1.1, a trailing HEADERS frame on h2.
- ``POST /sts``  AWS STS's form API (AssumeRole, GetCallerIdentity) answering XML.

``?fake_encoding=NAME`` on a stream labels its plain bytes ``Content-Encoding: NAME`` (a coding
no client can decode).

Spacing: SSE/NDJSON/eventstream events are written ``gap_ms`` apart (first one right after the
headers), overridable per request with the ``X-Fake-Gap-Ms`` header or ``?gap_ms=``;
``X-Fake-End-Delay-Ms`` (``?end_delay_ms=``) waits that long after the last event before the
end of the stream (a client that hangs up after the final event then always beats the end).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import http
import json
import os
import random
import re
import shutil
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h11
import trustme
import wsproto
import wsproto.events as wse
from wsproto.extensions import PerMessageDeflate

__all__ = ["ConnectionCounter", "FakeGateway"]

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
CREATED = 1700000000
OPENAI_ID = "chatcmpl-fake0001"
ANTHROPIC_ID = "msg_fake0001"
BIG_CHUNK = 64 * 1024
MAX_PIECES = 16


class _ClientGone(Exception):
    """The peer went away (or reset the stream) while we were writing."""


# --------------------------------------------------------------------------------------------
# Requests


@dataclass
class _Request:
    method: str
    target: str
    header_list: list[tuple[str, str]]
    body: bytes
    http_version: str
    connection: int
    stream_id: int | None = None
    time: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    @property
    def headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in self.header_list:
            k = k.lower()
            out[k] = f"{out[k]}, {v}" if k in out else v
        return out

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "target": self.target,
            "headers": self.headers,
            "header_list": list(self.header_list),
            "body": self.body,
            "http_version": self.http_version,
            "time": self.time,
            "connection": self.connection,
            "stream_id": self.stream_id,
        }


def _d(b: bytes) -> str:
    return b.decode("latin-1")


# --------------------------------------------------------------------------------------------
# Responders: one per request, protocol specific


class _Responder:
    started = False
    aborted = False

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        raise NotImplementedError

    async def write(self, data: bytes) -> None:
        raise NotImplementedError

    async def end(self, trailers: list[tuple[str, str]] | None = None) -> None:
        raise NotImplementedError

    async def abort(self, how: str) -> None:
        raise NotImplementedError


async def _flush_and_rst(writer: asyncio.StreamWriter, linger: bool = True) -> None:
    """Let buffered bytes reach the kernel, then close; with linger=True as a TCP RST."""
    transport = writer.transport
    deadline = time.monotonic() + 2
    while transport.get_write_buffer_size() and time.monotonic() < deadline:
        await asyncio.sleep(0.002)
    if linger:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
        transport.abort()


class _H1Responder(_Responder):
    def __init__(self, conn: h11.Connection, writer: asyncio.StreamWriter, head: bool):
        self.conn = conn
        self.writer = writer
        self.head = head

    async def _send(self, event) -> None:
        data = self.conn.send(event)
        if data:
            if self.writer.is_closing():
                raise _ClientGone
            self.writer.write(data)
            try:
                await self.writer.drain()
            except (ConnectionError, OSError) as e:
                raise _ClientGone from e

    async def start(self, status, headers):
        self.started = True
        try:
            reason = http.HTTPStatus(status).phrase.encode()
        except ValueError:
            reason = b""
        await self._send(h11.Response(status_code=status, headers=headers, reason=reason))

    async def write(self, data):
        if data and not self.head:
            await self._send(h11.Data(data=data))

    async def end(self, trailers=None):
        await self._send(h11.EndOfMessage(headers=trailers or []))

    async def abort(self, how):
        self.aborted = True
        await _flush_and_rst(self.writer, linger=(how != "fin"))


class _H1Connection:
    def __init__(self, gw: FakeGateway, reader, writer, cid: int, initial: bytes):
        self.gw = gw
        self.reader = reader
        self.writer = writer
        self.cid = cid
        self.conn = h11.Connection(h11.SERVER)
        if initial:
            self.conn.receive_data(initial)

    async def _next_event(self):
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            if self.conn.they_are_waiting_for_100_continue:
                info = h11.InformationalResponse(status_code=100, headers=[])
                self.writer.write(self.conn.send(info))
            data = await self.reader.read(65536)
            self.conn.receive_data(data)

    async def run(self) -> None:
        while True:
            try:
                event = await self._next_event()
                if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                    return
                if not isinstance(event, h11.Request):
                    return
                body = bytearray()
                while True:
                    ev = await self._next_event()
                    if isinstance(ev, h11.Data):
                        body += ev.data
                    elif isinstance(ev, h11.EndOfMessage):
                        break
                    else:
                        return
            except h11.RemoteProtocolError as e:
                if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    with contextlib.suppress(Exception):
                        msg = f"bad request: {e}\n".encode()
                        resp = _H1Responder(self.conn, self.writer, head=False)
                        await resp.start(
                            e.error_status_hint,
                            [("content-type", "text/plain"), ("content-length", str(len(msg)))],
                        )
                        await resp.write(msg)
                        await resp.end()
                return
            req = _Request(
                method=_d(event.method),
                target=_d(event.target),
                header_list=[(_d(k), _d(v)) for k, v in event.headers.raw_items()],
                body=bytes(body),
                http_version=_d(event.http_version),
                connection=self.cid,
            )
            if req.path == "/v1/realtime" and "websocket" in req.headers.get("upgrade", "").lower():
                self.gw.requests.append(req.as_dict())
                await _RealtimeSession(self.gw, self, req).run()
                return
            resp = _H1Responder(self.conn, self.writer, head=req.method == "HEAD")
            await self.gw._serve_request(req, resp)
            if resp.aborted or self.conn.our_state is not h11.DONE:
                return
            if self.conn.their_state is not h11.DONE:
                return
            try:
                self.conn.start_next_cycle()
            except h11.LocalProtocolError:
                return


class _H2Responder(_Responder):
    def __init__(self, owner: _H2Connection, stream_id: int, head: bool):
        self.owner = owner
        self.sid = stream_id
        self.head = head

    async def start(self, status, headers):
        self.started = True
        h = [(":status", str(status))] + [(k.lower(), v) for k, v in headers]
        try:
            self.owner.conn.send_headers(self.sid, h)
        except h2.exceptions.ProtocolError as e:
            raise _ClientGone from e
        await self.owner.flush()

    async def write(self, data):
        if self.head:
            return
        view = memoryview(data)
        while view:
            n = await self.owner.wait_window(self.sid)
            try:
                self.owner.conn.send_data(self.sid, bytes(view[:n]))
            except h2.exceptions.ProtocolError as e:
                raise _ClientGone from e
            view = view[n:]
        await self.owner.flush()  # one flush per write: each SSE event leaves at once

    async def end(self, trailers=None):
        try:
            if trailers:
                self.owner.conn.send_headers(
                    self.sid, [(k.lower(), v) for k, v in trailers], end_stream=True
                )
            else:
                self.owner.conn.end_stream(self.sid)
        except h2.exceptions.ProtocolError as e:
            raise _ClientGone from e
        await self.owner.flush()

    async def abort(self, how):
        self.aborted = True
        if how in ("tcp", "fin"):
            self.owner.closed = True
            await _flush_and_rst(self.owner.writer, linger=(how == "tcp"))
            return
        with contextlib.suppress(h2.exceptions.ProtocolError):
            self.owner.conn.reset_stream(self.sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
        with contextlib.suppress(_ClientGone):
            await self.owner.flush()


class _H2Connection:
    def __init__(self, gw: FakeGateway, reader, writer, cid: int, initial: bytes):
        self.gw = gw
        self.reader = reader
        self.writer = writer
        self.cid = cid
        self.initial = initial
        cfg = h2.config.H2Configuration(client_side=False, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=cfg)
        self.pending: dict[int, tuple[list[tuple[bytes, bytes]], bytearray]] = {}
        self.tasks: dict[int, asyncio.Task] = {}
        self.closed = False
        self._flow = asyncio.Event()

    def _wake(self) -> None:
        self._flow.set()
        self._flow = asyncio.Event()

    async def wait_window(self, sid: int) -> int:
        while True:
            if self.closed:
                raise _ClientGone
            try:
                window = self.conn.local_flow_control_window(sid)
            except h2.exceptions.ProtocolError as e:
                raise _ClientGone from e
            n = min(window, self.conn.max_outbound_frame_size)
            if n > 0:
                return n
            flow = self._flow  # taken first: a WINDOW_UPDATE may arrive during the flush
            await self.flush()  # send what fits before waiting for a WINDOW_UPDATE
            await flow.wait()

    async def flush(self) -> None:
        data = self.conn.data_to_send()
        if not data:
            return
        if self.closed or self.writer.is_closing():
            raise _ClientGone
        self.writer.write(data)
        try:
            await self.writer.drain()
        except (ConnectionError, OSError) as e:
            raise _ClientGone from e

    async def run(self) -> None:
        self.conn.initiate_connection()
        try:
            await self.flush()
            data = self.initial
            while not self.closed:
                if not data:
                    data = await self.reader.read(65536)
                    if not data:
                        break
                try:
                    events = self.conn.receive_data(data)
                except h2.exceptions.ProtocolError:
                    with contextlib.suppress(_ClientGone):
                        await self.flush()
                    break
                data = b""
                for ev in events:
                    if isinstance(ev, h2.events.ConnectionTerminated):
                        self.closed = True
                    self._handle(ev)
                await self.flush()
        except _ClientGone:
            pass
        finally:
            self.closed = True
            self._wake()
            tasks = list(self.tasks.values())
            for t in tasks:
                t.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=2)

    def _handle(self, ev) -> None:
        if isinstance(ev, h2.events.RequestReceived):
            self.pending[ev.stream_id] = (list(ev.headers), bytearray())
        elif isinstance(ev, h2.events.DataReceived):
            if ev.stream_id in self.pending:
                self.pending[ev.stream_id][1].extend(ev.data)
            with contextlib.suppress(h2.exceptions.ProtocolError):
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            item = self.pending.pop(ev.stream_id, None)
            if item is not None:
                task = asyncio.get_running_loop().create_task(self._stream(ev.stream_id, *item))
                self.tasks[ev.stream_id] = task
        elif isinstance(ev, h2.events.StreamReset):
            self.pending.pop(ev.stream_id, None)
            task = self.tasks.pop(ev.stream_id, None)
            if task is not None:
                task.cancel()
            self._wake()
        elif isinstance(ev, h2.events.WindowUpdated | h2.events.RemoteSettingsChanged):
            self._wake()

    async def _stream(self, sid: int, raw: list[tuple[bytes, bytes]], body: bytearray) -> None:
        try:
            pseudo = {_d(k): _d(v) for k, v in raw if k.startswith(b":")}
            headers = [(_d(k), _d(v)) for k, v in raw if not k.startswith(b":")]
            req = _Request(
                method=pseudo.get(":method", "GET"),
                target=pseudo.get(":path", "/"),
                header_list=headers,
                body=bytes(body),
                http_version="2",
                connection=self.cid,
                stream_id=sid,
            )
            if ":authority" in pseudo and not any(k.lower() == "host" for k, _ in headers):
                req.header_list.insert(0, ("host", pseudo[":authority"]))
            resp = _H2Responder(self, sid, head=req.method == "HEAD")
            await self.gw._serve_request(req, resp)
        finally:
            self.tasks.pop(sid, None)


# --------------------------------------------------------------------------------------------
# Content helpers


def _jdump(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _pieces(text: str) -> list[str]:
    """Split text into word pieces (spaces kept), at most MAX_PIECES of them."""
    words = re.findall(r"\S+\s*|\s+", text) or [""]
    if len(words) <= MAX_PIECES:
        return words
    per = -(-len(words) // MAX_PIECES)
    return ["".join(words[i : i + per]) for i in range(0, len(words), per)]


def _cut(text: str, cuts: str | None, default: list[str]) -> list[str]:
    """`text` cut at the offsets `cuts` lists (`6,9,30`, from an `x-fake-cuts` header or a
    `?cuts=` query: a model's tokens cutting a word), else `default`."""
    if not cuts:
        return default
    at = [0, *sorted({int(c) for c in cuts.split(",") if c and 0 < int(c) < len(text)}),
          len(text)]
    return [text[a:b] for a, b in zip(at, at[1:], strict=False)]


def _split_str(s: str, n: int = 3) -> list[str]:
    size = max(1, -(-len(s) // n))
    return [s[i : i + size] for i in range(0, len(s), size)] or [""]


def _count_words(text: str) -> int:
    return len(text.split())


def _part_text(content) -> str:
    """Text of an OpenAI/Anthropic content value: a string or a list of parts/blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict):
                if part.get("type") == "text" and isinstance(part.get("text"), str):
                    out.append(part["text"])
                elif part.get("type") == "tool_result":
                    out.append(_part_text(part.get("content", "")))
            elif isinstance(part, str):
                out.append(part)
        return " ".join(out)
    return ""


def _es_frame(headers: list[tuple[str, int, bytes]], payload: bytes) -> bytes:
    """One application/vnd.amazon.eventstream message."""
    hb = b""
    for name, kind, value in headers:
        n = name.encode()
        hb += bytes([len(n)]) + n + bytes([kind]) + struct.pack(">H", len(value)) + value
    total = 12 + len(hb) + len(payload) + 4
    prelude = struct.pack(">II", total, len(hb))
    msg = prelude + struct.pack(">I", zlib.crc32(prelude)) + hb + payload
    return msg + struct.pack(">I", zlib.crc32(msg))


CODINGS = ("gzip", "br", "zstd", "deflate", "deflate-raw")


def _accepts(value: str, coding: str) -> bool:
    names = {"gzip": ("gzip", "x-gzip", "*"), "deflate-raw": ("deflate", "*")}.get(
        coding, (coding, "*")
    )
    for item in value.split(","):
        parts = [p.strip() for p in item.split(";")]
        if parts[0].lower() in names:
            for p in parts[1:]:
                if p.replace(" ", "").lower() in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
                    return False
            return True
    return False


class _Encoder:
    """One response body in a content coding; `chunk()` flushes, so each event can be decoded
    as soon as it arrives (as real servers do for compressed SSE)."""

    def __init__(self, coding: str) -> None:
        self.header = "deflate" if coding == "deflate-raw" else coding
        if coding in ("gzip", "deflate", "deflate-raw"):
            wbits = {"gzip": 31, "deflate": 15, "deflate-raw": -15}[coding]
            z = zlib.compressobj(6, zlib.DEFLATED, wbits)
            self.compress = z.compress
            self._chunk = lambda d: z.compress(d) + z.flush(zlib.Z_SYNC_FLUSH)
            self._finish = z.flush
        elif coding == "br":
            import brotli  # mitmproxy's dependency, in both versions

            b = brotli.Compressor()
            self.compress = b.process
            self._chunk = lambda d: b.process(d) + b.flush()
            self._finish = b.finish
        elif coding == "zstd":
            try:
                from backports import zstd  # mitmproxy 12

                c = zstd.ZstdCompressor()
                self.compress = c.compress
                self._chunk = lambda d: c.compress(d, mode=c.FLUSH_BLOCK)
                self._finish = lambda: c.flush(mode=c.FLUSH_FRAME)
            except ImportError:
                import zstandard  # mitmproxy 11

                o = zstandard.ZstdCompressor().compressobj()
                self.compress = o.compress
                self._chunk = lambda d: o.compress(d) + o.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
                self._finish = o.flush
        else:
            raise ValueError(f"unknown coding {coding!r}")

    def chunk(self, data: bytes) -> bytes:
        """`data` encoded and flushed (decodable on arrival); `compress(data)`: not flushed."""
        return self._chunk(data)

    def finish(self) -> bytes:
        return self._finish()

    def whole(self, data: bytes) -> bytes:
        return self._chunk(data) + self._finish()


class _Ctx:
    """Per-request state handed to the endpoint handlers."""

    def __init__(self, gw: FakeGateway, req: _Request, resp: _Responder, path: str):
        self.gw = gw
        self.req = req
        self.resp = resp
        self.path = path  # with any /gzip (/br, /zstd...) prefix stripped
        self.coding: str | None = None  # the response's content coding, when asked and accepted
        self.q = parse_qs(req.query)
        hdrs = req.headers
        gap = hdrs.get("x-fake-gap-ms") or self.qget("gap_ms")
        try:
            self.gap = max(0.0, float(gap)) / 1000 if gap else gw.gap_ms / 1000
        except ValueError:
            self.gap = gw.gap_ms / 1000
        end_delay = hdrs.get("x-fake-end-delay-ms") or self.qget("end_delay_ms")
        self.end_delay = float(end_delay) / 1000 if end_delay else 0.0

    def encoder(self) -> _Encoder | None:
        return _Encoder(self.coding) if self.coding else None

    def qget(self, name: str, default: str | None = None) -> str | None:
        v = self.q.get(name)
        return v[0] if v else default

    def qint(self, name: str, default: int) -> int:
        try:
            return int(self.qget(name, str(default)))
        except ValueError:
            return default

    async def full(
        self,
        status: int,
        body: bytes,
        ctype: str | None = "application/json",
        extra: Iterable[tuple[str, str]] = (),
    ) -> None:
        headers = [("content-type", ctype)] if ctype else []
        headers += list(extra)
        enc = self.encoder() if body else None
        if enc:
            body = enc.whole(body)
            headers.append(("content-encoding", enc.header))
        if status not in (204, 304) and status >= 200:
            headers.append(("content-length", str(len(body))))
        await self.resp.start(status, headers)
        if status not in (204, 304):
            await self.resp.write(body)
        await self.resp.end()

    async def json(self, status: int, obj, extra: Iterable[tuple[str, str]] = ()) -> None:
        await self.full(status, _jdump(obj).encode(), "application/json", extra)

    async def stream(
        self,
        ctype: str,
        events: Iterable[bytes],
        extra: Iterable[tuple[str, str]] = (),
        abort: str | None = None,
    ) -> None:
        headers = [("content-type", ctype), ("cache-control", "no-cache")] + list(extra)
        comp = self.encoder()
        if comp:
            headers.append(("content-encoding", comp.header))
        elif self.qget("fake_encoding"):  # a coding label on plain bytes: nobody can decode it
            headers.append(("content-encoding", self.qget("fake_encoding")))
        await self.resp.start(200, headers)
        for i, ev in enumerate(events):
            if i and self.gap:
                await asyncio.sleep(self.gap)
            out = comp.chunk(ev) if comp else ev
            await self.resp.write(out)
            self.gw.sent_events.append((self.req.path, time.monotonic(), ev))
        if abort:
            await asyncio.sleep(max(self.gap, 0.02))  # let the client read what was sent
            await self.resp.abort(abort)
            return
        if self.end_delay:
            await asyncio.sleep(self.end_delay)
        if comp:
            await self.resp.write(comp.finish())
        await self.resp.end()


def _sse(data: str, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()


# --------------------------------------------------------------------------------------------
# Endpoints


async def _openai_chat(ctx: _Ctx) -> None:
    try:
        body = json.loads(ctx.req.body or b"{}")
        assert isinstance(body, dict)
    except (ValueError, AssertionError):
        err = {"message": "invalid JSON body", "type": "invalid_request_error", "code": None}
        await ctx.json(400, {"error": err})
        return
    model = str(body.get("model") or "gpt-fake")
    messages = body.get("messages") or []
    messages = [m for m in messages if isinstance(m, dict)]
    last = messages[-1] if messages else {}
    user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    prompt_tokens = sum(_count_words(_part_text(m.get("content"))) for m in messages)
    tools = body.get("tools") or []
    use_tool = bool(tools) and body.get("tool_choice") != "none" and last.get("role") != "tool"
    if last.get("role") == "tool":
        reply = f"Tool said: {_part_text(last.get('content'))}"
    else:
        reply = f"You said: {_part_text(user.get('content'))}"
    call = None
    if use_tool:
        fn = tools[0].get("function", {}) if isinstance(tools[0], dict) else {}
        args = _jdump({"text": _part_text(user.get("content"))})
        call = {
            "id": "call_fake0001",
            "type": "function",
            "function": {"name": str(fn.get("name", "tool")), "arguments": args},
        }
    completion_tokens = _count_words(call["function"]["arguments"] if call else reply)
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    extra = [("x-request-id", "req_fake0001"), ("openai-processing-ms", "1")]
    finish = "tool_calls" if call else "stop"
    if not body.get("stream"):
        msg = {"role": "assistant", "content": None if call else reply, "refusal": None}
        if call:
            msg["tool_calls"] = [call]
        await ctx.json(
            200,
            {
                "id": OPENAI_ID,
                "object": "chat.completion",
                "created": CREATED,
                "model": model,
                "choices": [
                    {"index": 0, "message": msg, "logprobs": None, "finish_reason": finish}
                ],
                "usage": usage,
                "system_fingerprint": "fp_fake",
            },
            extra,
        )
        return
    opts = body.get("stream_options") or {}
    include_usage = isinstance(opts, dict) and bool(opts.get("include_usage"))

    def chunk(delta: dict, finish_reason=None, choices=True) -> bytes:
        obj = {
            "id": OPENAI_ID,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ]
            if choices
            else [],
        }
        if include_usage:
            obj["usage"] = None
        return _sse(_jdump(obj))

    events = []
    if call:
        first_call = {
            "index": 0,
            "id": call["id"],
            "type": "function",
            "function": {"name": call["function"]["name"], "arguments": ""},
        }
        events.append(
            chunk(
                {"role": "assistant", "content": None, "tool_calls": [first_call], "refusal": None}
            )
        )
        args = call["function"]["arguments"]
        for piece in _cut(args, ctx.req.headers.get("x-fake-cuts"), _split_str(args)):
            events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
    else:
        events.append(chunk({"role": "assistant", "content": "", "refusal": None}))
        for piece in _cut(reply, ctx.req.headers.get("x-fake-cuts"), _pieces(reply)):
            events.append(chunk({"content": piece}))
    events.append(chunk({}, finish))
    if include_usage:
        obj = json.loads(events[-1][len(b"data: ") :])
        obj["choices"] = []
        obj["usage"] = usage
        events.append(_sse(_jdump(obj)))
    events.append(b"data: [DONE]\n\n")
    await ctx.stream("text/event-stream; charset=utf-8", events, extra)


async def _anthropic_messages(ctx: _Ctx) -> None:
    try:
        body = json.loads(ctx.req.body or b"{}")
        assert isinstance(body, dict)
    except (ValueError, AssertionError):
        err = {"type": "invalid_request_error", "message": "invalid JSON body"}
        await ctx.json(400, {"type": "error", "error": err})
        return
    model = str(body.get("model") or "claude-fake")
    messages = [m for m in (body.get("messages") or []) if isinstance(m, dict)]
    user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    content = user.get("content")
    has_result = isinstance(content, list) and any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in content
    )
    text = _part_text(content)
    reply = f"Tool said: {text}" if has_result else f"You said: {text}"
    tools = body.get("tools") or []
    tool_choice = body.get("tool_choice") or {}
    use_tool = (
        bool(tools)
        and not has_result
        and (not isinstance(tool_choice, dict) or tool_choice.get("type") != "none")
    )
    input_tokens = sum(_count_words(_part_text(m.get("content"))) for m in messages)
    input_tokens += _count_words(_part_text(body.get("system") or ""))
    extra = [("request-id", "req_fake0001"), ("anthropic-organization-id", "org-fake")]
    if use_tool:
        name = str(tools[0].get("name", "tool")) if isinstance(tools[0], dict) else "tool"
        block = {"type": "tool_use", "id": "toolu_fake0001", "name": name, "input": {"text": text}}
        output_tokens = _count_words(_jdump(block["input"]))
        stop = "tool_use"
    else:
        block = {"type": "text", "text": reply}
        output_tokens = _count_words(reply)
        stop = "end_turn"
    if not body.get("stream"):
        await ctx.json(
            200,
            {
                "id": ANTHROPIC_ID,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [block],
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
            },
            extra,
        )
        return

    def ev(name: str, obj: dict) -> bytes:
        return _sse(_jdump(obj), event=name)

    start_msg = {
        "id": ANTHROPIC_ID,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1},
    }
    events = [ev("message_start", {"type": "message_start", "message": start_msg})]
    if use_tool:
        events.append(
            ev(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {**block, "input": {}},
                },
            )
        )
        events.append(ev("ping", {"type": "ping"}))
        args = _jdump(block["input"])
        for piece in _cut(args, ctx.req.headers.get("x-fake-cuts"), _split_str(args)):
            events.append(
                ev(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                )
            )
    else:
        events.append(
            ev(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        events.append(ev("ping", {"type": "ping"}))
        for piece in _cut(reply, ctx.req.headers.get("x-fake-cuts"), _pieces(reply)):
            events.append(
                ev(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": piece},
                    },
                )
            )
    events.append(ev("content_block_stop", {"type": "content_block_stop", "index": 0}))
    events.append(
        ev(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        )
    )
    events.append(ev("message_stop", {"type": "message_stop"}))
    await ctx.stream("text/event-stream; charset=utf-8", events, extra)


async def _reset_mid_stream(ctx: _Ctx) -> None:
    n = ctx.qint("events", 2)
    how = ctx.qget("how") or ("stream" if ctx.req.http_version == "2" else "tcp")
    if how == "stream" and ctx.req.http_version != "2":
        how = "tcp"
    if how not in ("tcp", "stream", "fin"):
        await ctx.json(400, {"error": "how must be tcp, stream or fin"})
        return
    events = [_sse(_jdump({"i": i, "text": f"event {i}"})) for i in range(n)]
    await ctx.stream("text/event-stream; charset=utf-8", events, abort=how)


async def _ndjson(ctx: _Ctx) -> None:
    lines = [
        (_jdump({"i": i, "msg": f"line {i}"}) + "\n").encode() for i in range(ctx.qint("n", 5))
    ]
    await ctx.stream("application/x-ndjson", lines)


async def _eventstream(ctx: _Ctx) -> None:
    frames = []
    for i in range(ctx.qint("n", 3)):
        inner = _jdump({"i": i, "text": f"chunk {i}"}).encode()
        payload = _jdump({"bytes": base64.b64encode(inner).decode()}).encode()
        frames.append(
            _es_frame(
                [
                    (":event-type", 7, b"chunk"),
                    (":content-type", 7, b"application/json"),
                    (":message-type", 7, b"event"),
                    ("x-fake-bin", 6, bytes([0xFF, 0xFE, 0x80, 0x00, i])),
                ],
                payload,
            )
        )
    await ctx.stream("application/vnd.amazon.eventstream", frames)


async def _big(ctx: _Ctx) -> None:
    try:
        total = int(float(ctx.qget("mb", "1")) * 1024 * 1024)
    except ValueError:
        total = 1024 * 1024
    block = bytes(range(256)) * (BIG_CHUNK // 256)
    headers = [("content-type", "application/octet-stream")]
    unit = base64.urlsafe_b64decode(ctx.qget("unit64", "")) if ctx.qget("unit64") else b""
    if unit:  # the body is these bytes repeated (across the writes) instead
        whole = (unit * (total // len(unit) + 1))[:total]
        headers = [("content-type", "text/plain; charset=utf-8")]
    elif ctx.qget("random"):
        unit = whole = random.Random(ctx.qget("random")).randbytes(total)
    if ctx.qget("put64"):  # these bytes over the body at offset `at` (a late key, a control char)
        put = base64.urlsafe_b64decode(ctx.qget("put64", ""))
        at = min(ctx.qint("at", 0), max(total - len(put), 0))
        whole = whole if unit else block * (total // len(block) + 1)
        whole = whole[:at] + put + whole[at + len(put):total]
        unit = whole
    chunked = ctx.qget("chunked") in ("1", "true", "yes")
    comp = ctx.encoder()
    if comp and ctx.qget("whole") in ("1", "length"):
        # The encoded body made first and sent in one write (a decompression bomb: a few KB
        # holding the whole body); `whole=length` with its Content-Length (a buffered body).
        unit = unit or block
        piece = (unit * (BIG_CHUNK // len(unit) + 1))[:BIG_CHUNK]
        encoded = b"".join(comp.compress(piece) for _ in range(total // BIG_CHUNK))
        encoded += comp.finish()
        headers.append(("content-encoding", comp.header))
        if ctx.qget("whole") == "length":
            headers.append(("content-length", str(len(encoded))))
        await ctx.resp.start(200, headers)
        await ctx.resp.write(encoded)
        await ctx.resp.end()
        return
    if comp:
        headers.append(("content-encoding", comp.header))
    elif not chunked:
        headers.append(("content-length", str(total)))
    await ctx.resp.start(200, headers)
    left = total
    while left > 0:
        at = total - left
        data = block[: min(left, BIG_CHUNK)] if not unit else whole[at:at + BIG_CHUNK]
        left -= len(data)
        await ctx.resp.write(comp.chunk(data) if comp else data)
    if comp:
        await ctx.resp.write(comp.finish())
    await ctx.resp.end()


async def _broken_coding(ctx: _Ctx) -> None:
    """`X-Fake-Text` in the asked coding, then bytes that are not (a coding that breaks
    part-way); with `length=1` it has a Content-Length (a buffered body), else it streams."""
    comp = ctx.encoder()
    text = ctx.req.headers.get("x-fake-text", "hello").encode()
    body = (comp.chunk(text) if comp else text) + b"\x00garbage" * 50
    headers = [("content-type", "text/plain; charset=utf-8")]
    if comp:
        headers.append(("content-encoding", comp.header))
    if ctx.qget("length") == "1":
        headers.append(("content-length", str(len(body))))
    await ctx.resp.start(200, headers)
    await ctx.resp.write(body)
    await ctx.resp.end()


async def _json(ctx: _Ctx) -> None:
    size = ctx.qget("size")
    if size is not None:
        try:
            n = int(size)
        except ValueError:
            n = 0
        body = ('{"pad":"' + "x" * max(0, n - 10) + '"}').encode()
    else:
        body = _jdump({"ok": True, "name": "fakegateway", "items": [1, 2, 3]}).encode()
    await ctx.full(200, body)


async def _echo(ctx: _Ctx) -> None:
    r = ctx.req
    answer = {
        "method": r.method,
        "path": r.path,
        "query": r.query,
        "headers": r.headers,
        "header_list": r.header_list,
        "body": r.body.decode("utf-8", "replace"),
        "body_b64": base64.b64encode(r.body).decode(),
        "http_version": r.http_version,
    }
    if ctx.qget("plain") in ("1", "true", "yes"):
        del answer["body_b64"]  # an echo as a server's error text would quote a request
    await ctx.json(200, answer)


async def _status(ctx: _Ctx, code: str) -> None:
    try:
        status = int(code)
        assert 200 <= status <= 599
    except (ValueError, AssertionError):
        await ctx.json(400, {"error": f"bad status {code!r}"})
        return
    if status in (204, 304):
        await ctx.full(status, b"", None)
    else:
        await ctx.json(status, {"status": status})


def _multipart_fields(ctx: _Ctx) -> dict[str, tuple[str | None, bytes]] | None:
    """name -> (filename, body) of a multipart/form-data request, or None (then answered 400)."""
    import multipart  # a vcrproxy dependency

    _, opts = multipart.parse_options_header(ctx.req.headers.get("content-type", ""))
    if "boundary" not in opts:
        return None
    out: dict[str, tuple[str | None, bytes]] = {}
    seg, data = None, b""
    try:
        with multipart.PushMultipartParser(opts["boundary"]) as parser:
            for ev in parser.parse(ctx.req.body):
                if isinstance(ev, multipart.MultipartSegment):
                    seg, data = ev, b""
                elif ev is None:
                    out[seg.name] = (seg.filename, data)
                else:
                    data += bytes(ev)
    except multipart.MultipartError:
        return None
    return out


async def _upload(ctx: _Ctx) -> dict[str, tuple[str | None, bytes]] | None:
    """An OpenAI upload's multipart fields (with a `file`), or None after answering 400."""
    fields = _multipart_fields(ctx)
    if fields is None or "file" not in fields:
        err = {"message": "expected multipart/form-data", "type": "invalid_request_error"}
        await ctx.json(400, {"error": err})
        return None
    return fields


def _field(fields: dict[str, tuple[str | None, bytes]], name: str) -> str:
    return fields.get(name, (None, b""))[1].decode()


async def _transcription(ctx: _Ctx) -> None:
    fields = await _upload(ctx)
    if fields is None:
        return
    filename, data = fields["file"]
    text = (f"heard {len(data)} bytes of {filename} with {_field(fields, 'model')} "
            f"crc {zlib.crc32(data):08x}")
    await ctx.json(200, {"text": text})


async def _files(ctx: _Ctx) -> None:
    fields = await _upload(ctx)
    if fields is None:
        return
    filename, data = fields["file"]
    obj = {
        "id": f"file-fake{zlib.crc32(data):08x}",
        "object": "file",
        "bytes": len(data),
        "created_at": CREATED,
        "filename": filename,
        "purpose": _field(fields, "purpose"),
        "status": "processed",
    }
    await ctx.json(200, obj)


async def _sts(ctx: _Ctx) -> None:
    """AWS STS's query API: a urlencoded form in, XML out (AssumeRole, GetCallerIdentity)."""
    form = {k: v[0] for k, v in parse_qs(ctx.req.body.decode(), keep_blank_values=True).items()}
    action = form.get("Action", "")
    ns = "https://sts.amazonaws.com/doc/2011-06-15/"
    if action == "AssumeRole":
        name = form.get("RoleSessionName", "")
        result = (
            "<Credentials><AccessKeyId>FAKEACCESSKEYID0001</AccessKeyId>"
            "<SecretAccessKey>fakeSecretAccessKeyValue0001</SecretAccessKey>"
            "<SessionToken>fakeSessionToken0001</SessionToken>"
            "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
            "<AssumedRoleUser><AssumedRoleId>AROAFAKE:" + name + "</AssumedRoleId>"
            "<Arn>" + form.get("RoleArn", "") + "/" + name + "</Arn></AssumedRoleUser>"
        )
    elif action == "GetCallerIdentity":
        result = (
            "<UserId>AROAFAKE:session</UserId><Account>123456789012</Account>"
            "<Arn>arn:aws:sts::123456789012:assumed-role/fake/session</Arn>"
        )
    else:
        await ctx.full(400, b"<ErrorResponse/>", "text/xml")
        return
    body = (
        f'<{action}Response xmlns="{ns}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>fake-0001</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    await ctx.full(200, body.encode(), "text/xml")


async def _trailers(ctx: _Ctx) -> None:
    """A chunked (h1) or DATA-framed (h2) SSE stream ending with a trailer section, announced
    by a `Trailer` header as RFC 9110 6.6.2 asks."""
    trailers = [("x-usage-tokens", "42"), ("x-checksum", "abc123")]
    headers = [("content-type", "text/event-stream"), ("trailer", "x-usage-tokens, x-checksum")]
    if ctx.req.http_version != "2":
        headers.append(("transfer-encoding", "chunked"))
    await ctx.resp.start(200, headers)
    for i in range(ctx.qint("n", 3)):
        if i and ctx.gap:
            await asyncio.sleep(ctx.gap)
        ev = _sse(_jdump({"n": i}))
        await ctx.resp.write(ev)
        ctx.gw.sent_events.append((ctx.req.path, time.monotonic(), ev))
    await ctx.resp.end(trailers)


async def _set_cookie(ctx: _Ctx) -> None:
    await ctx.json(
        200,
        {"ok": True},
        [
            ("set-cookie", "fake_session=abc123; Path=/; HttpOnly"),
            ("set-cookie", "fake_theme=dark; Path=/"),
        ],
    )


# --------------------------------------------------------------------------------------------
# The server


_shared_ca: trustme.CA | None = None
_shared_lock = threading.Lock()


class _RealtimeSession:
    """The server side of /v1/realtime (see the module doc), on wsproto."""

    TEXT = "Hello from the fake realtime gateway."

    def __init__(self, gw: FakeGateway, conn: _H1Connection, req: _Request):
        self.gw = gw
        self.reader = conn.reader
        self.writer = conn.writer
        self.trailing = conn.conn.trailing_data[0]
        self.req = req
        self.ws = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
        self.session = {
            "id": "sess_fake0001",
            "object": "realtime.session",
            "type": "realtime",
            "model": (parse_qs(req.query).get("model") or ["gpt-realtime"])[0],
            "instructions": "",
            "tools": [],
        }
        self.events = 0
        self.items: list[str] = []

    def send(self, event) -> None:
        self.writer.write(self.ws.send(event))

    def event(self, kind: str, **fields) -> None:
        self.events += 1
        obj = {"type": kind, "event_id": f"event_fake{self.events:04d}", **fields}
        self.send(wse.TextMessage(data=_jdump(obj)))

    async def run(self) -> None:
        self.ws.initiate_upgrade_connection(
            [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.req.header_list],
            self.req.target.encode("latin-1"),
        )
        for ev in self.ws.events():
            if isinstance(ev, wse.Request):
                # permessage-deflate when offered (the real APIs do): recording sees it
                # decoded by mitmproxy, replay answers without it.
                self.send(wse.AcceptConnection(
                    extra_headers=[(b"x-request-id", b"req_fake_rt")],
                    extensions=[PerMessageDeflate()] if ev.extensions else [],
                ))
        self.event("session.created", session=self.session)
        await self.writer.drain()
        data = self.trailing
        parts: list = []
        while True:
            if data:
                self.ws.receive_data(data)
            for ev in self.ws.events():
                if isinstance(ev, wse.Message):
                    parts.append(ev.data)
                    if ev.message_finished:
                        text = isinstance(ev, wse.TextMessage)
                        whole = "".join(parts) if text else b"".join(parts)
                        parts = []
                        self.gw.ws_received.append(whole)
                        await self.on_message(whole)
                elif isinstance(ev, wse.Ping):
                    self.send(ev.response())
                elif isinstance(ev, wse.CloseConnection):
                    if self.ws.state is wsproto.connection.ConnectionState.REMOTE_CLOSING:
                        self.send(ev.response())
                    await self.writer.drain()
                    return
            await self.writer.drain()
            data = await self.reader.read(65536)
            if not data:
                return

    async def on_message(self, msg) -> None:
        if isinstance(msg, bytes):
            self.send(wse.BytesMessage(data=b"\x00\xff\xfePCM" + bytes(reversed(msg))))
            return
        try:
            obj = json.loads(msg)
        except ValueError:
            self.event("error", error={"type": "invalid_request_error", "message": "not JSON"})
            return
        kind = obj.get("type")
        if kind == "session.update":
            self.session.update(obj.get("session") or {})
            self.event("session.updated", session=self.session)
        elif kind == "conversation.item.create":
            item = dict(obj.get("item") or {})
            item.setdefault("id", f"item_fake{len(self.items) + 1:04d}")
            self.items.append(_part_text([
                {"type": "text", "text": c.get("text", "")}
                for c in item.get("content") or [] if isinstance(c, dict)
            ]))
            self.event("conversation.item.created", item=item)
        elif kind == "response.create":
            await self.respond()
        elif kind == "test.close":
            self.send(wse.CloseConnection(code=4000, reason="fake gateway closes"))
        else:
            self.event("error", error={"type": "invalid_request_error",
                                       "message": f"unknown event {kind!r}"})

    async def respond(self) -> None:
        rid, iid = "resp_fake0001", "item_fakeout01"
        text = self.TEXT if not self.items else f"You said: {self.items[-1]}"
        self.event("response.created", response={"id": rid, "object": "realtime.response",
                                                 "status": "in_progress", "output": []})
        cuts = (parse_qs(self.req.query).get("cuts") or [""])[0]
        for piece in _cut(text, cuts, _pieces(text)):
            await asyncio.sleep(self.gw.gap_ms / 1000 / 5)
            self.event("response.output_text.delta", response_id=rid, item_id=iid,
                       output_index=0, content_index=0, delta=piece)
            await self.writer.drain()
        self.event("response.output_text.done", response_id=rid, item_id=iid, output_index=0,
                   content_index=0, text=text)
        output = [{"id": iid, "type": "message", "role": "assistant",
                   "content": [{"type": "output_text", "text": text}]}]
        if self.session.get("tools"):
            tool = self.session["tools"][0]
            args = _jdump({"city": "Lisbon"})
            self.event("response.function_call_arguments.done", response_id=rid,
                       item_id="item_fakecall01", output_index=1, call_id="call_fake0001",
                       name=tool.get("name", "tool"), arguments=args)
            output.append({"id": "item_fakecall01", "type": "function_call",
                           "call_id": "call_fake0001", "name": tool.get("name", "tool"),
                           "arguments": args})
        self.event("response.done", response={
            "id": rid, "object": "realtime.response", "status": "completed", "output": output,
            "usage": {"total_tokens": 30, "input_tokens": 12, "output_tokens": 18},
        })


def _ca() -> trustme.CA:
    global _shared_ca
    with _shared_lock:
        if _shared_ca is None:
            _shared_ca = trustme.CA(organization_name="vcrproxy fakegateway")
        return _shared_ca


class FakeGateway:
    """A deterministic OpenAI/Anthropic-shaped HTTPS server on loopback; see the module doc.

    - ``requests``: one dict per request, appended when its body is complete: method, path
      (as sent, /gzip prefix included), query (raw string), target, headers (lower-cased names,
      repeats joined with ", "), header_list (as received), body (bytes), http_version ("1.0",
      "1.1" or "2"), time (time.monotonic()), connection (1-based accept number), stream_id.
    - ``sent_events``: (path, time.monotonic(), event bytes) right after each SSE / NDJSON /
      eventstream event was handed to the socket; the bytes are the uncompressed event even when
      the response is gzipped. ``events_for(path)`` filters them.
    - ``connections``: TCP connections accepted (counted before the TLS handshake).
    - ``errors``: gateway bugs (exceptions in handlers); tests should expect it empty.

    These are filled from the server thread; read them from the test thread (list appends are
    atomic). All instances in a process share one trustme CA; each writes it to its own
    ``ca_path``, which stop() deletes.
    """

    def __init__(
        self, *, host: str = "127.0.0.1", h2: bool = True, gap_ms: float = 50, tls: bool = True
    ):
        self.host = host
        self.h2 = h2
        self.gap_ms = gap_ms
        self.tls = tls
        self.requests: list[dict] = []
        self.sent_events: list[tuple[str, float, bytes]] = []
        self.ws_received: list[str | bytes] = []  # /v1/realtime client messages
        self.errors: list[str] = []
        self._connections = 0
        self._port: int | None = None
        self._tmpdir: str | None = None
        self._ca_path: str | None = None
        self._ssl_ctx: ssl.SSLContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listeners: list[socket.socket] = []
        self._accept_tasks: list[asyncio.Task] = []
        self._conn_tasks: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._ca = _ca()
        self._tmpdir = tempfile.mkdtemp(prefix="fakegateway-")
        self._ca_path = os.path.join(self._tmpdir, "ca.pem")
        self._ca.cert_pem.write_to_path(self._ca_path)

    # -- public API ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeGateway is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://localhost:{self.port}"

    @property
    def ca_path(self) -> str:
        assert self._ca_path is not None
        return self._ca_path

    @property
    def connections(self) -> int:
        return self._connections

    @property
    def running(self) -> bool:
        return self._thread is not None

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client-side SSLContext trusting only this gateway's CA (for httpx verify=...)."""
        return ssl.create_default_context(cafile=self.ca_path)

    def clear(self) -> None:
        """Forget recorded requests and sent events (not the connection count)."""
        self.requests.clear()
        self.sent_events.clear()
        self.ws_received.clear()

    def events_for(self, path: str) -> list[tuple[str, float, bytes]]:
        return [e for e in self.sent_events if e[0] == path]

    def start(self) -> FakeGateway:
        if self._thread is not None:
            return self
        if self._tmpdir is None:  # restarted after stop()
            self._tmpdir = tempfile.mkdtemp(prefix="fakegateway-")
            self._ca_path = os.path.join(self._tmpdir, "ca.pem")
            self._ca.cert_pem.write_to_path(self._ca_path)
        if self.tls:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._ca.issue_cert("localhost", "127.0.0.1", "::1").configure_cert(ctx)
            ctx.set_alpn_protocols(["h2", "http/1.1"] if self.h2 else ["http/1.1"])
            self._ssl_ctx = ctx
        self._listeners = self._bind()
        self._port = self._listeners[0].getsockname()[1]
        loop = asyncio.new_event_loop()
        self._loop = loop
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(loop, ready), name=f"FakeGateway:{self._port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            self.stop()
            raise RuntimeError("FakeGateway did not start")
        return self

    def stop(self, timeout: float = 5.0) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            fut = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            with contextlib.suppress(Exception):
                fut.result(timeout)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
        for s in self._listeners:
            with contextlib.suppress(OSError):
                s.close()
        self._listeners = []
        self._thread = None
        self._loop = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._port else "not started"
        return f"<FakeGateway {where} h2={self.h2} gap_ms={self.gap_ms}>"

    # -- internals ----------------------------------------------------------------------------

    def _bind(self) -> list[socket.socket]:
        def listener(family: int, addr: str, port: int) -> socket.socket:
            s = socket.socket(family, socket.SOCK_STREAM)
            try:
                if family == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((addr, port))
                s.listen(128)
                s.setblocking(False)
            except OSError:
                s.close()
                raise
            return s

        if self.host not in ("127.0.0.1", "localhost"):
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            return [listener(family, self.host, 0)]
        # "localhost" may resolve to ::1 first on some machines: listen there too (same port),
        # best effort.
        first = listener(socket.AF_INET, "127.0.0.1", 0)
        if not socket.has_ipv6:
            return [first]
        for _ in range(5):
            try:
                return [first, listener(socket.AF_INET6, "::1", first.getsockname()[1])]
            except OSError as e:
                if e.errno != errno.EADDRINUSE:  # no IPv6 loopback here
                    return [first]
                first.close()
                first = listener(socket.AF_INET, "127.0.0.1", 0)
        return [first]

    def _run(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        try:
            for s in self._listeners:
                self._accept_tasks.append(loop.create_task(self._accept_loop(s)))
            loop.call_soon(ready.set)
            loop.run_forever()
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.wait(pending, timeout=2))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    async def _shutdown(self) -> None:
        for t in self._accept_tasks:
            t.cancel()
        if self._accept_tasks:  # let sock_accept unregister before the sockets close
            await asyncio.wait(self._accept_tasks, timeout=1)
        self._accept_tasks = []
        for s in self._listeners:
            with contextlib.suppress(OSError):
                s.close()
        for w in list(self._writers):
            w.transport.abort()
        tasks = list(self._conn_tasks)
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)

    async def _accept_loop(self, lsock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, _ = await loop.sock_accept(lsock)
            except OSError:
                if lsock.fileno() == -1:
                    return
                await asyncio.sleep(0.01)
                continue
            self._connections += 1
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            task = loop.create_task(self._handle_conn(conn, self._connections))
            self._conn_tasks.add(task)
            task.add_done_callback(self._conn_tasks.discard)

    async def _handle_conn(self, sock: socket.socket, cid: int) -> None:
        loop = asyncio.get_running_loop()
        writer = None
        try:
            reader = asyncio.StreamReader(limit=1 << 20)
            protocol = asyncio.StreamReaderProtocol(reader)
            kwargs = {"ssl": self._ssl_ctx, "ssl_handshake_timeout": 10} if self.tls else {}
            transport, _ = await loop.connect_accepted_socket(lambda: protocol, sock, **kwargs)
            writer = asyncio.StreamWriter(transport, protocol, reader, loop)
            self._writers.add(writer)
            initial = b""
            use_h2 = False
            if self.tls:
                sslobj = writer.get_extra_info("ssl_object")
                use_h2 = sslobj is not None and sslobj.selected_alpn_protocol() == "h2"
            elif self.h2:  # h2c with prior knowledge?
                while len(initial) < len(H2_PREFACE) and H2_PREFACE.startswith(initial):
                    more = await reader.read(len(H2_PREFACE) - len(initial))
                    if not more:
                        break
                    initial += more
                use_h2 = initial.startswith(H2_PREFACE)
            cls = _H2Connection if use_h2 else _H1Connection
            await cls(self, reader, writer, cid, initial).run()
            if not writer.transport.is_closing():
                # graceful: flush what is buffered (and TLS close_notify), then FIN
                writer.close()
                await asyncio.wait_for(writer.wait_closed(), 2)
        except (ConnectionError, OSError, ssl.SSLError, asyncio.IncompleteReadError, _ClientGone):
            pass
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a bug in the gateway: keep it visible to the tests
            self.errors.append(f"connection {cid}: {e!r}")
        finally:
            if writer is not None:
                self._writers.discard(writer)
                writer.transport.abort()  # no-op after a graceful close
            else:
                with contextlib.suppress(OSError):
                    sock.close()

    async def _serve_request(self, req: _Request, resp: _Responder) -> None:
        self.requests.append(req.as_dict())
        path = req.path
        wants = None
        for coding in CODINGS:
            if path == "/" + coding or path.startswith(f"/{coding}/"):
                path = path[len(coding) + 1 :] or "/"
                wants = coding
                break
        ctx = _Ctx(self, req, resp, path)
        if ctx.qget("gzip") in ("1", "true", "yes"):
            wants = "gzip"
        if ctx.qget("encoding") in CODINGS:
            wants = ctx.qget("encoding")
        if wants and _accepts(req.headers.get("accept-encoding", ""), wants):
            ctx.coding = wants
        try:
            await self._route(ctx)
        except _ClientGone:
            pass
        except asyncio.CancelledError:
            raise
        except Exception as e:
            self.errors.append(f"{req.method} {req.target}: {e!r}")
            with contextlib.suppress(Exception):
                if not resp.started:
                    ctx.coding = None
                    await ctx.json(500, {"error": "fakegateway internal error"})
                elif not resp.aborted:
                    await resp.abort("tcp")

    async def _route(self, ctx: _Ctx) -> None:
        method, path = ctx.req.method, ctx.path
        posts = {
            "/v1/chat/completions": _openai_chat,
            "/v1/messages": _anthropic_messages,
            "/v1/audio/transcriptions": _transcription,
            "/v1/files": _files,
            "/sts": _sts,
        }
        gets = {
            "/ndjson": _ndjson,
            "/eventstream": _eventstream,
            "/big": _big,
            "/broken-coding": _broken_coding,
            "/json": _json,
            "/set-cookie": _set_cookie,
            "/trailers": _trailers,
        }
        if path in posts:
            if method != "POST":
                await ctx.json(405, {"error": "method not allowed"}, [("allow", "POST")])
                return
            await posts[path](ctx)
        elif path in gets:
            await gets[path](ctx)
        elif path == "/reset-mid-stream":
            await _reset_mid_stream(ctx)
        elif path == "/echo":
            await _echo(ctx)
        elif path.startswith("/status/"):
            await _status(ctx, path[len("/status/") :])
        else:
            await ctx.json(404, {"error": "not found", "path": path})


# --------------------------------------------------------------------------------------------


class ConnectionCounter:
    """A plain TCP listener on 127.0.0.1 that counts accepted connections and closes them.

    Point a would-be upstream at it to prove that nothing connects (replay mode).
    """

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.connections = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("ConnectionCounter is not started")
        return self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ConnectionCounter:
        if self._sock is not None:
            return self
        self._stop.clear()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((self.host, 0))
        s.listen(128)
        s.settimeout(0.05)
        self._sock = s
        self._thread = threading.Thread(
            target=self._run, name=f"ConnectionCounter:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def _run(self) -> None:
        sock = self._sock
        assert sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with contextlib.suppress(OSError):
                conn.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> ConnectionCounter:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve in the foreground until SIGINT/SIGTERM: ``python tests/fakegateway.py [--help]``."""
    import argparse
    import signal

    p = argparse.ArgumentParser(description="vcrproxy test fake AI gateway")
    p.add_argument("--no-h2", action="store_true")
    p.add_argument("--no-tls", action="store_true")
    p.add_argument("--gap-ms", type=float, default=50)
    args = p.parse_args(argv)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with FakeGateway(h2=not args.no_h2, tls=not args.no_tls, gap_ms=args.gap_ms) as gw:
        print(f"url={gw.url}\nport={gw.port}\nca_path={gw.ca_path}", flush=True)
        while not done.wait(0.5):
            pass


if __name__ == "__main__":
    sys.exit(main())
