"""The replay side of WebSocket sessions (see websocket.py for the format and why replay goes
through the loopback server): `WebSocketPlayer` speaks the server side with wsproto, comparing
each client message with the recorded one (wsmatch.py)."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import wsproto
import wsproto.events as wse
from wsproto.connection import ConnectionState
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError

from .cassette import Response, header_values
from .headers import clean_field_value
from .matching import MatchConfig
from .redaction import RedactionConfig, payload_secret_values, redact_text
from .terminal import cut_text
from .websocket import (
    INTERNAL_ERROR,
    NOT_SENT_CLOSE_CODES,
    POLICY_VIOLATION,
    WsClose,
    WsMessage,
    WsSession,
    _short_reason,
)
from .wsmatch import message_differences, ws_match_config

__all__ = ["Choice", "Upstream", "UpstreamError", "WebSocketPlayer", "message_differences",
           "ws_match_config"]

log = logging.getLogger("vcrproxy")

# Response headers the loopback handshake makes itself (or that describe the recorded framing).
_OWN_HEADERS = frozenset(
    (
        "upgrade", "connection", "sec-websocket-accept", "sec-websocket-extensions",
        "sec-websocket-protocol", "content-length", "transfer-encoding", "keep-alive",
    )
)


# -- replay ----------------------------------------------------------------------------------


@dataclass
class Choice:
    """One recorded session the player may play: `key` is what the caller knows it by (the
    Interaction); `opening` the server messages before any client message, `after` each client
    message with the server messages that followed it until the next one."""

    key: Any
    session: WsSession
    opening: list[WsMessage] = field(default_factory=list)
    after: list[tuple[WsMessage, list[WsMessage]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for m in self.session.messages:
            if m.from_client:
                self.after.append((m, []))
            elif self.after:
                self.after[-1][1].append(m)
            else:
                self.opening.append(m)


@dataclass
class Upstream:
    """Where a new-episodes session goes once it diverges from every recording: the client's
    upgrade request (`url` as Go writes it, flows.request_url: an IPv6 host in brackets; and
    its headers), the TLS context for the server, and `on_diverge(text)`, called once when it
    does (the caller records the session from then on). `proxy`: the upstream proxy of an
    upstream-mode listener (`--mode upstream:URL`: scheme, host, port), reached as mitmproxy
    reaches it (TLS to it for https), asked to CONNECT to the API host, with `proxy_auth` as
    Proxy-Authorization (mitmproxy's `upstream_auth`)."""

    url: str
    headers: list[tuple[str, str]]
    ssl: ssl.SSLContext | None
    on_diverge: Callable[[str], None]
    proxy: tuple[str, str, int] | None = None
    proxy_auth: str | None = None


class UpstreamError(Exception):
    """The upstream WebSocket of a diverged new-episodes session failed (a player failure)."""


@dataclass
class _Run:
    """Server messages to send in order, each at `anchor` + (at_ms - anchor_ms) when paced;
    then, if `close` is set, that close."""

    anchor: float
    anchor_ms: float
    messages: list[WsMessage]
    close: WsClose | None = None


# Headers the upstream handshake makes itself (wsproto), or that concern only the proxy hop.
_HANDSHAKE_OWN = frozenset((
    "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version",
    "sec-websocket-extensions", "sec-websocket-protocol", "content-length", "transfer-encoding",
    "keep-alive", "te", "proxy-authorization", "proxy-connection",
))
_UPSTREAM_TIMEOUT = 30.0  # s, to connect and for the handshake's answer


class WebSocketPlayer:
    """The server side of one upgrade, served once by the loopback ChunkServer.

    `choices`: the recorded sessions matching the upgrade, in cassette order; the first is
    played (its 101 headers and opening messages), and another takes over when a client
    message matches it and not the one playing, if its earlier client messages match what the
    client sent too and `switch(old_key, new_key)` agrees (the caller marks it used): sessions
    recorded at one URL answer in any order.

    `on_miss(n, text)` is called (on the proxy's loop) with the 1-based number of a client
    message no choice has, and the explanation, before the player closes with 1008 (policy
    violation); with `upstream` (record mode new-episodes) such a session diverges instead: the
    player opens the upstream WebSocket, sends it the client's messages so far, drops as many
    server messages as the playing recording had sent before the divergent message (the
    client has them), and relays both ways from then on (`Upstream`).
    `on_fail(text)` is called once if the player itself fails (an exception in sending,
    receiving or relaying: a defect, a recording it cannot send, an upstream that fails), before
    it closes the WebSocket with 1011 (internal error) and ends the connection: a failure never
    leaves the client waiting.
    """

    def __init__(
        self,
        recorded: Response,
        choices: list[Choice],
        *,
        config: MatchConfig,
        match_binary: bool = False,
        paced: bool = False,
        url: str = "",
        on_miss: Callable[[int, str], None] | None = None,
        on_fail: Callable[[str], None] | None = None,
        switch: Callable[[Any, Any], bool] | None = None,
        upstream: Upstream | None = None,
        redaction: RedactionConfig | None = None,
    ) -> None:
        self.recorded = recorded
        self.redaction = redaction  # what texts about the session are masked with
        self.choices = choices
        self.current = choices[0]
        self.config = config
        self.match_binary = match_binary
        self.paced = paced
        self.url = url
        self.on_miss = on_miss
        self.on_fail = on_fail
        self.switch = switch
        self.upstream = upstream
        self._ws = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
        self._writer: asyncio.StreamWriter | None = None
        self._sends: asyncio.Queue[_Run] = asyncio.Queue()
        self.history: list[tuple[bool, bytes]] = []  # client messages matched, in order
        self.missed: str | None = None
        self.diverged: str | None = None
        self._to_upstream: asyncio.Queue[tuple[bool, bytes]] | None = None
        self._relay: asyncio.Future | None = None  # fails (an exception) if relaying does
        self._relay_task: asyncio.Task | None = None
        self._client_close: tuple[int, str] = (1000, "")

    @property
    def received(self) -> int:
        """Client messages matched."""
        return len(self.history)

    def _write(self, event: wse.Event) -> None:
        assert self._writer is not None
        if self._writer.is_closing():
            return
        try:
            self._writer.write(self._ws.send(event))
        except LocalProtocolError as e:  # e.g. a pong after our close: nothing left to say
            log.debug("WebSocket replay: not sent (%s): %s", type(event).__name__, e)

    async def serve(self, head: bytes, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> None:
        """Answer the upgrade in `head` (the request bytes already read) and play the session."""
        self._writer = writer
        self._ws.receive_data(head)
        request = next((e for e in self._ws.events() if isinstance(e, wse.Request)), None)
        if request is None:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        headers = self.recorded.headers
        protocols = header_values(headers, "sec-websocket-protocol")
        protocol = protocols[0].strip() if protocols else None
        extra = [
            (k.encode("latin-1"), clean_field_value(v).encode("utf-8", "surrogateescape"))
            for k, vs in headers.items() if k.lower() not in _OWN_HEADERS for v in vs
        ]
        self._write(wse.AcceptConnection(
            subprotocol=protocol if protocol in request.subprotocols else None,
            extra_headers=extra,
        ))
        await writer.drain()
        self._queue_replies(time.monotonic(), 0.0, self.current.opening, not self.current.after)
        self._relay = asyncio.get_running_loop().create_future()
        sender = asyncio.ensure_future(self._sender())
        receiver = asyncio.ensure_future(self._receive(reader))
        try:
            # The session ends when the client's side does (receiver); the sender ends early
            # after a server close. Any of them failing fails the session at once.
            done, _ = await asyncio.wait((sender, receiver, self._relay),
                                         return_when=asyncio.FIRST_COMPLETED)
            if receiver not in done and not _failed(sender) and not _failed(self._relay):
                await asyncio.wait((receiver, self._relay), return_when=asyncio.FIRST_COMPLETED)
            for task in (receiver, sender, self._relay):
                if _failed(task):
                    raise task.exception()  # type: ignore[misc]
        except (ConnectionError, asyncio.IncompleteReadError):
            raise  # the client went away: nothing failed here (ChunkServer notes it)
        except Exception as e:  # noqa: BLE001 - any failure closes the session and is counted
            await self._fail(e)
        finally:
            for task in (sender, receiver):
                task.cancel()
            await asyncio.gather(sender, receiver, return_exceptions=True)
            if self._relay_task is not None:
                self._relay_task.cancel()
                await asyncio.gather(self._relay_task, return_exceptions=True)

    async def _fail(self, error: Exception) -> None:
        """The player failed: say so once (`on_fail`), close with 1011, end the connection."""
        why = redact_text(" ".join(f"{type(error).__name__}: {error}".split()), self.redaction)
        text = redact_text(f"vcrproxy: WebSocket {self.url}: replay failed "
                           f"({cut_text(why, 500)})", self.redaction)
        log.debug("WebSocket replay failed", exc_info=error)
        if self.on_fail is not None:
            self.on_fail(text)
        assert self._writer is not None
        if self._ws.state is ConnectionState.OPEN:
            self._write(wse.CloseConnection(code=INTERNAL_ERROR, reason=_short_reason(
                "vcrproxy: replay failed")))
            try:
                await asyncio.wait_for(self._writer.drain(), 5)
            except (ConnectionError, TimeoutError):
                pass

    def _queue_replies(self, anchor: float, anchor_ms: float, replies: list[WsMessage],
                       final: bool) -> None:
        """Queue recorded server messages; after the recording's last client message (`final`)
        also its server close, if it has one."""
        close = self.current.session.close
        if not (final and close is not None and not close.from_client):
            close = None
        self._sends.put_nowait(_Run(anchor, anchor_ms, replies, close))

    async def _sender(self) -> None:
        """Sends each queued run of server messages in order (paced from its trigger)."""
        assert self._writer is not None
        while True:
            run = await self._sends.get()
            for m in run.messages:
                if self.paced:
                    await _sleep_until(run.anchor + (m.at_ms - run.anchor_ms) / 1000)
                if self._ws.state is not ConnectionState.OPEN:
                    return
                if m.text:
                    self._write(wse.TextMessage(data=m.data if isinstance(m.data, str)
                                                else m.payload.decode("utf-8", "replace")))
                else:
                    self._write(wse.BytesMessage(data=m.payload))
                await self._writer.drain()
            if run.close is not None:
                if self.paced:
                    await _sleep_until(run.anchor + (run.close.at_ms - run.anchor_ms) / 1000)
                if self._ws.state is ConnectionState.OPEN:
                    self._write(_close_event(run.close.code, run.close.reason))
                    await self._writer.drain()
                return

    async def _receive(self, reader: asyncio.StreamReader) -> None:
        assert self._writer is not None
        parts: list[bytes | str] = []
        while True:
            data = await reader.read(65536)
            if not data:
                return
            self._ws.receive_data(data)
            for event in self._ws.events():
                if isinstance(event, wse.Message):
                    parts.append(event.data)
                    if not event.message_finished:
                        continue
                    text = isinstance(event, wse.TextMessage)
                    whole = "".join(parts).encode() if text else b"".join(parts)  # type: ignore[arg-type]
                    parts = []
                    if self.missed is None:
                        self._client_message(text, whole, time.monotonic())
                elif isinstance(event, wse.Ping):
                    self._write(event.response())
                elif isinstance(event, wse.CloseConnection):
                    self._client_close = (event.code, event.reason or "")
                    if self._ws.state is ConnectionState.REMOTE_CLOSING:
                        self._write(event.response())
                    await self._writer.drain()
                    return
            await self._writer.drain()

    def _client_message(self, text: bool, data: bytes, arrived: float) -> None:
        if self._to_upstream is not None:  # diverged: the upstream answers from here on
            self._to_upstream.put_nowait((text, data))
            return
        n = len(self.history)
        chosen, why = self._next(n, text, data)
        if chosen is None:
            if self.upstream is not None:
                self._diverge(n, why, text, data)
            else:
                self._miss(n, why, data)
            return
        self.history.append((text, data))
        recorded, replies = chosen.after[n]
        self._queue_replies(arrived, recorded.at_ms, replies, n + 1 == len(chosen.after))

    @property
    def open(self) -> bool:
        """Whether the session still plays its recordings (not missed, diverged or closed)."""
        return (self.missed is None and self.diverged is None
                and self._ws.state is not ConnectionState.CLOSED)

    def could_play(self, choice: Choice) -> bool:
        """Whether `choice` could be the recording this player plays, from what passed so far:
        every client message so far matches it (the rule `_next` takes another choice over
        by). Two players of sessions recorded at one URL may then trade recordings (replayed
        at once, in another order than recorded, each had taken the other's)."""
        return self.open and all(self._differs(choice, k, *sent) is None
                                 for k, sent in enumerate(self.history))

    def trade(self, choice: Choice) -> None:
        """Play `choice` from now on (see `could_play`; the caller moved the interactions)."""
        if all(c is not choice for c in self.choices):
            self.choices.append(choice)
        self.current = choice

    def _differs(self, choice: Choice, n: int, text: bool, data: bytes) -> str | None:
        """Why client message `n` (0-based) is not `choice`'s, or None when it is."""
        if n >= len(choice.after):
            return (f"client message {n + 1} {_preview(text, data)} has no recorded "
                    f"counterpart (the recording has {len(choice.after)} client message(s))")
        diffs = message_differences(choice.after[n][0], text, data, self.config,
                                    self.match_binary)
        if diffs:
            return f"client message {n + 1} differs from the recording: " + "; ".join(diffs)
        return None

    def _next(self, n: int, text: bool, data: bytes) -> tuple[Choice | None, str]:
        """The choice answering client message `n`: the one playing, else another whose client
        messages so far all match (taken over if `switch` agrees); else (None, why)."""
        why = self._differs(self.current, n, text, data)
        if why is None:
            return self.current, ""
        for other in self.choices:
            if other is self.current or self._differs(other, n, text, data) is not None:
                continue
            if any(self._differs(other, k, *sent) is not None
                   for k, sent in enumerate(self.history)):
                continue
            if self.switch is not None and self.switch(self.current.key, other.key):
                self.current = other
                return other, ""
        return None, why

    def _miss(self, n: int, why: str, data: bytes) -> None:
        # As an HTTP miss text hides the values the live request names: those the live client
        # message names (an MCP tool's `authorization`) too, besides key shapes.
        values = payload_secret_values(data, self.redaction)
        why = redact_text(why, self.redaction, values)
        text = redact_text(f"vcrproxy: WebSocket {self.url}: {why}", self.redaction, values)
        self.missed = text
        if self.on_miss is not None:
            self.on_miss(n + 1, text)
        if self._ws.state is ConnectionState.OPEN:
            self._write(wse.CloseConnection(code=POLICY_VIOLATION, reason=_short_reason(
                f"vcrproxy miss: {why}")))

    # -- new episodes: the rest of a diverged session from upstream ----------------------------

    def _diverge(self, n: int, why: str, text: bool, data: bytes) -> None:
        assert self.upstream is not None
        values = payload_secret_values(data, self.redaction)
        self.diverged = redact_text(f"vcrproxy: WebSocket {self.url}: {why}", self.redaction,
                                    values)
        played = self.current
        # The client has the recording's server messages up to here: upstream's answers to the
        # same messages are dropped, as many as the recording has.
        drop = len(played.opening) + sum(len(replies) for _, replies in played.after[:n])
        self._to_upstream = asyncio.Queue()
        for sent in (*self.history, (text, data)):
            self._to_upstream.put_nowait(sent)
        self.upstream.on_diverge(self.diverged)
        self._relay_task = asyncio.ensure_future(self._relay_guarded(drop))

    async def _relay_guarded(self, drop: int) -> None:
        try:
            await self._relay_upstream(drop)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - handed to serve(), which fails the session
            if isinstance(e, OSError):  # (serve() takes a ConnectionError for the client's)
                e = UpstreamError(f"the upstream connection failed: {e}")
            if self._relay is not None and not self._relay.done():
                self._relay.set_exception(e)

    async def _relay_upstream(self, drop: int) -> None:
        upstream, queue = self.upstream, self._to_upstream
        assert upstream is not None and queue is not None
        split = urlsplit(upstream.url)
        tls = split.scheme in ("https", "wss")
        host = split.hostname or ""
        port = split.port or (443 if tls else 80)
        try:
            reader, writer = await asyncio.wait_for(
                _open(upstream, host, port, tls), _UPSTREAM_TIMEOUT)
        except (OSError, TimeoutError, ssl.SSLError) as e:
            via = f" through the upstream proxy {upstream.proxy[1]}:{upstream.proxy[2]}" \
                if upstream.proxy else ""
            raise UpstreamError(f"cannot connect to {host}:{port}{via}: {e}") from None
        ws = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
        forward: asyncio.Task | None = None
        try:
            host_header = next((v for k, v in upstream.headers if k.lower() == "host"),
                               split.netloc)
            protocols = [p.strip() for k, v in upstream.headers
                         if k.lower() == "sec-websocket-protocol" for p in v.split(",")
                         if p.strip()]
            writer.write(ws.send(wse.Request(
                host=host_header, target=(split.path or "/") + (f"?{split.query}"
                                                                if split.query else ""),
                subprotocols=protocols,
                extra_headers=[(k, v) for k, v in upstream.headers
                               if k.lower() not in _HANDSHAKE_OWN],
            )))
            await writer.drain()

            async def send_client_messages() -> None:
                while True:
                    text, data = await queue.get()
                    if ws.state is not ConnectionState.OPEN:
                        return
                    writer.write(ws.send(wse.TextMessage(data=data.decode("utf-8", "replace"))
                                         if text else wse.BytesMessage(data=data)))
                    await writer.drain()

            parts: list[bytes | str] = []
            accepted = False
            while True:
                timeout = None if accepted else _UPSTREAM_TIMEOUT
                try:
                    data = await asyncio.wait_for(reader.read(65536), timeout)
                except TimeoutError:
                    raise UpstreamError("no answer to the WebSocket handshake") from None
                ws.receive_data(data or None)
                for event in ws.events():
                    if isinstance(event, wse.AcceptConnection):
                        accepted = True
                        forward = asyncio.ensure_future(send_client_messages())
                    elif isinstance(event, wse.RejectConnection):
                        raise UpstreamError(f"the upstream refused the WebSocket "
                                            f"({event.status_code})")
                    elif isinstance(event, wse.Message):
                        parts.append(event.data)
                        if not event.message_finished:
                            continue
                        text = isinstance(event, wse.TextMessage)
                        whole: str | bytes = "".join(parts) if text else b"".join(parts)  # type: ignore[arg-type]
                        parts = []
                        if drop:
                            drop -= 1
                            continue
                        self._sends.put_nowait(_Run(0.0, 0.0, [WsMessage(0.0, False, text,
                                                                         whole)]))
                    elif isinstance(event, wse.Ping):
                        writer.write(ws.send(event.response()))
                    elif isinstance(event, wse.CloseConnection):
                        if ws.state is ConnectionState.REMOTE_CLOSING:
                            writer.write(ws.send(event.response()))
                        # After what is queued: the client gets the upstream's close.
                        self._sends.put_nowait(_Run(0.0, 0.0, [], WsClose(
                            0.0, False, event.code, event.reason or "")))
                        return
                if not data:
                    if not accepted:
                        raise UpstreamError("the upstream closed during the WebSocket handshake")
                    return
                await writer.drain()
        finally:
            if forward is not None:
                forward.cancel()
                await asyncio.gather(forward, return_exceptions=True)
            if ws.state is ConnectionState.OPEN:  # the client closed first: so does its relay
                code, reason = self._client_close
                try:
                    writer.write(ws.send(_close_event(code, reason)))
                except LocalProtocolError:
                    pass
            writer.close()


async def _open(upstream: Upstream, host: str, port: int, tls: bool
                ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the API host: directly, or through the upstream proxy (CONNECT)."""
    context = upstream.ssl if tls else None
    if upstream.proxy is None:
        return await asyncio.open_connection(host, port, ssl=context,
                                             server_hostname=host if tls else None)
    scheme, phost, pport = upstream.proxy
    proxy_tls = upstream.ssl if scheme == "https" else None
    if scheme == "https" and proxy_tls is None:
        proxy_tls = ssl.create_default_context()
    reader, writer = await asyncio.open_connection(
        phost, pport, ssl=proxy_tls, server_hostname=phost if proxy_tls else None)
    try:
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        head = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
        if upstream.proxy_auth:
            head += f"Proxy-Authorization: {upstream.proxy_auth}\r\n"
        writer.write((head + "\r\n").encode("latin-1"))
        await writer.drain()
        answer = await reader.readuntil(b"\r\n\r\n")
        status = answer.split(b"\r\n", 1)[0].decode("latin-1", "replace")
        parts = status.split(" ", 2)
        if len(parts) < 2 or not parts[1].startswith("2"):
            raise OSError(f"the upstream proxy refused CONNECT {authority}: {status!r}")
        if context is not None:
            await writer.start_tls(context, server_hostname=host)
    except BaseException:
        writer.close()
        raise
    return reader, writer


def _failed(task: asyncio.Future | None) -> bool:
    return task is not None and task.done() and not task.cancelled() \
        and task.exception() is not None


def _close_event(code: int, reason: str) -> wse.CloseConnection:
    """The close frame that replays a recorded close (websocket.py: RFC 6455 7.4): 1005 as a
    frame without a code (wsproto sends none for its NO_STATUS_RCVD member), 1006/1015 as 1000."""
    if code == 1005:
        return wse.CloseConnection(code=CloseReason.NO_STATUS_RCVD, reason=None)
    if code in NOT_SENT_CLOSE_CODES:
        return wse.CloseConnection(code=1000, reason=reason)
    return wse.CloseConnection(code=code, reason=reason)


async def _sleep_until(deadline: float) -> None:
    """Sleep until `deadline` (time.monotonic()), at most MAX_WAIT_S (as paced HTTP replay)."""
    from .pacing import MAX_WAIT_S  # here: pacing imports mitmproxy, `vcrproxy show` must not

    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(min(delay, MAX_WAIT_S))


def _preview(text: bool, data: bytes) -> str:
    if not text:
        return f"(binary, {len(data)} bytes)"
    s = data.decode("utf-8", "replace")
    s = " ".join(s.split())
    return repr(s if len(s) <= 60 else s[:59] + "…")
