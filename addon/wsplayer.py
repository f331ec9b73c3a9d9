"""The replay side of WebSocket sessions (see websocket.py for the format and why replay goes
through the loopback server): `WebSocketPlayer` speaks the server side with wsproto, comparing
each client message with the recorded one (wsmatch.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import wsproto
import wsproto.events as wse
from wsproto.connection import ConnectionState
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError

from .cassette import Response, header_values
from .matching import MatchConfig
from .redaction import RedactionConfig, payload_secret_values, redact_text
from .websocket import (
    INTERNAL_ERROR,
    NOT_SENT_CLOSE_CODES,
    POLICY_VIOLATION,
    WsMessage,
    WsSession,
    _short_reason,
)
from .wsmatch import message_differences, ws_match_config

__all__ = ["WebSocketPlayer", "message_differences", "ws_match_config"]

log = logging.getLogger("vcrproxy")

# Response headers the loopback handshake makes itself (or that describe the recorded framing).
_OWN_HEADERS = frozenset(
    (
        "upgrade", "connection", "sec-websocket-accept", "sec-websocket-extensions",
        "sec-websocket-protocol", "content-length", "transfer-encoding", "keep-alive",
    )
)


# -- replay ----------------------------------------------------------------------------------


class WebSocketPlayer:
    """The server side of one recorded session, served once by the loopback ChunkServer.

    `on_miss(n, text)` is called (on the proxy's loop) with the 1-based number of an unmatched
    client message and the explanation, before the player closes the WebSocket with 1008.
    `on_fail(text)` is called once if the player itself fails (an exception in sending or
    receiving: a defect, or a recording it cannot send), before it closes the WebSocket with 1011
    (internal error) and ends the connection: a failure never leaves the client waiting.
    """

    def __init__(
        self,
        recorded: Response,
        session: WsSession,
        *,
        config: MatchConfig,
        match_binary: bool = False,
        paced: bool = False,
        url: str = "",
        on_miss: Callable[[int, str], None] | None = None,
        on_fail: Callable[[str], None] | None = None,
        redaction: RedactionConfig | None = None,
    ) -> None:
        self.recorded = recorded
        self.redaction = redaction  # (None: the defaults; miss texts are redacted even so)
        self.session = session
        self.config = config
        self.match_binary = match_binary
        self.paced = paced
        self.url = url
        self.on_miss = on_miss
        self.on_fail = on_fail
        self._ws = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
        self._writer: asyncio.StreamWriter | None = None
        self._sends: asyncio.Queue[tuple[float, float, list[WsMessage], bool]] = asyncio.Queue()
        self.received = 0  # client messages matched
        self.missed: str | None = None

    def _groups(self) -> tuple[list[WsMessage], list[tuple[WsMessage, list[WsMessage]]]]:
        """(server messages before any client message, [(client message, the server messages
        that followed it until the next client message), ...])."""
        opening: list[WsMessage] = []
        after: list[tuple[WsMessage, list[WsMessage]]] = []
        for m in self.session.messages:
            if m.from_client:
                after.append((m, []))
            elif after:
                after[-1][1].append(m)
            else:
                opening.append(m)
        return opening, after

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
            (k.encode("latin-1"), v.encode("utf-8", "surrogateescape"))
            for k, vs in headers.items() if k.lower() not in _OWN_HEADERS for v in vs
        ]
        self._write(wse.AcceptConnection(
            subprotocol=protocol if protocol in request.subprotocols else None,
            extra_headers=extra,
        ))
        await writer.drain()
        origin = time.monotonic()
        opening, after = self._groups()
        final = not after
        self._sends.put_nowait((origin, 0.0, opening, final))
        sender = asyncio.ensure_future(self._sender())
        receiver = asyncio.ensure_future(self._receive(reader, after))
        try:
            # The session ends when the client's side does (receiver); the sender ends early
            # after a recorded server close. Either one raising fails the session at once.
            done, _ = await asyncio.wait((sender, receiver), return_when=asyncio.FIRST_COMPLETED)
            if receiver not in done and sender.exception() is None:
                await asyncio.wait((receiver,))
            for task in (receiver, sender):
                if task.done() and not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        except (ConnectionError, asyncio.IncompleteReadError):
            raise  # the client went away: nothing failed here (ChunkServer notes it)
        except Exception as e:  # noqa: BLE001 - any failure closes the session and is counted
            await self._fail(e)
        finally:
            for task in (sender, receiver):
                task.cancel()
            await asyncio.gather(sender, receiver, return_exceptions=True)

    async def _fail(self, error: Exception) -> None:
        """The player failed: say so once (`on_fail`), close with 1011, end the connection."""
        why = " ".join(f"{type(error).__name__}: {error}".split())[:500]
        text = redact_text(f"vcrproxy: WebSocket {self.url}: replay failed ({why})",
                           self.redaction)
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

    async def _sender(self) -> None:
        """Sends each queued run of server messages in order (paced from its trigger)."""
        assert self._writer is not None
        while True:
            anchor, anchor_ms, messages, final = await self._sends.get()
            for m in messages:
                if self.paced:
                    await _sleep_until(anchor + (m.at_ms - anchor_ms) / 1000)
                if self._ws.state is not ConnectionState.OPEN:
                    return
                if m.text:
                    self._write(wse.TextMessage(data=m.data if isinstance(m.data, str)
                                                else m.payload.decode("utf-8", "replace")))
                else:
                    self._write(wse.BytesMessage(data=m.payload))
                await self._writer.drain()
            close = self.session.close
            if final and close is not None and not close.from_client:
                if self.paced:
                    await _sleep_until(anchor + (close.at_ms - anchor_ms) / 1000)
                if self._ws.state is ConnectionState.OPEN:
                    self._write(_close_event(close.code, close.reason))
                    await self._writer.drain()
                return

    async def _receive(
        self, reader: asyncio.StreamReader, after: list[tuple[WsMessage, list[WsMessage]]]
    ) -> None:
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
                        self._client_message(text, whole, after, time.monotonic())
                elif isinstance(event, wse.Ping):
                    self._write(event.response())
                elif isinstance(event, wse.CloseConnection):
                    if self._ws.state is ConnectionState.REMOTE_CLOSING:
                        self._write(event.response())
                    await self._writer.drain()
                    return
            await self._writer.drain()

    def _client_message(
        self, text: bool, data: bytes, after: list[tuple[WsMessage, list[WsMessage]]],
        arrived: float,
    ) -> None:
        n = self.received
        if n >= len(after):
            self._miss(
                n, f"client message {n + 1} {_preview(text, data)} has no recorded counterpart "
                f"(the recording has {len(after)} client message(s))", data
            )
            return
        recorded, replies = after[n]
        diffs = message_differences(recorded, text, data, self.config, self.match_binary)
        if diffs:
            self._miss(n, f"client message {n + 1} differs from the recording: "
                       + "; ".join(diffs), data)
            return
        self.received += 1
        self._sends.put_nowait((arrived, recorded.at_ms, replies, n + 1 == len(after)))

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
