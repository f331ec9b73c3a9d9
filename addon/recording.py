"""Teeing a streamed response into the recording, chunk by chunk, as it passes to the client."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from mitmproxy import http

from . import decoders, providers, scanprocess
from .cassette import Interaction
from .flows import LARGE_BODY
from .redaction import RedactionConfig, StreamScan, echo_variants, redact_url
from .yamlv3 import (
    BinaryScalar,
    LiteralScalar,
    StreamedScalar,
    not_utf8_from_start,
    prepare_for_fork,
)

log = logging.getLogger("vcrproxy")


# The last event of a complete stream, by API (providers.py); any API's for one not recognised.
FINAL_EVENTS = providers.ANY_STREAM_END


class StreamRecorder:
    """The `response.stream` callable: forwards each chunk untouched, keeps a decoded copy.

    Each chunk is decoded as it passes (`decoders`), so the recorded timing applies to decoded
    bytes and the client never waits for a decoder. A coding with no decoder is recorded as sent
    (encoded), with one warning. A stream that stops decoding part-way is recorded as what its
    readable start decodes to, and the rest is not kept (`_give_up`), with one warning.

    `scalar_columns` (a cassette's `codec.response_body_columns`): a body past LARGE_BODY is
    written as its YAML scalar while it streams, with its redaction scan, in a forked child
    (scanprocess.ScanProcess; in the scan thread where there is no fork): `BinaryScalar` when
    it is not UTF-8 from its first 64 KiB on (go-vcr writes it as `!!binary` base64), else
    `LiteralScalar` (a literal block, if what arrives qualifies); in the scan thread, not when
    the redaction scan already knows redaction changes the body (`StreamScan.changes`: the text
    would only be decoded back; the pieces are kept as before). Only that text is kept from
    then on, not the body (in the child's memory file, mapped back at the end): the end of a
    large recording then only writes it, and memory holds at most one copy. None: the body is
    kept as it is (a session that replays what it records keeps the body in its model).
    """

    def __init__(self, flow: http.HTTPFlow, redaction: RedactionConfig | None = None,
                 provisional: Callable[[], Interaction] | None = None,
                 scalar_columns: tuple[int, int] | None = None) -> None:
        assert flow.response is not None
        self.origin = flow.request.timestamp_end or flow.request.timestamp_start
        self.where = f"{flow.request.method} {redact_url(flow.request.url)}"  # for log lines
        api = providers.recognise(flow.request.url, flow.request.headers)
        self.final_events = api.stream_end or FINAL_EVENTS
        coding = flow.response.headers.get("content-encoding", "")
        self.coding = coding
        self.decoder = _decoder(coding, self.where)
        self.decoded = self.decoder is not None
        self.parts: list[bytes] = []
        self.chunks: list[tuple[float, int]] = []
        self.raw: list[bytes] = []  # as sent: a coding that breaks part-way is decoded again
        self.received = 0  # bytes from upstream, as sent
        # A body past SCAN_FROM gets its redaction scan while it streams (StreamScan), in the
        # scan thread, so its recording waits for less at the end.
        self._redaction = redaction
        self._provisional = provisional  # the interaction without its body: values named
        self.scan: StreamScan | None = None
        self._scanned = 0  # parts handed to the scan
        self._unscanned = 0  # bytes of the parts after those
        self._scanning: Future | None = None  # the last piece handed over
        self._spoiled = False  # the body is not what the scan saw
        self._broken = False  # the coding failed: the rest of the stream is not recorded
        # Written while it streams (scalar_columns): the pieces handed to the scan thread are let
        # go of once the body passed LARGE_BODY (`_handed` bytes of them; `_tail` their end).
        self._columns = scalar_columns
        self.text: StreamedScalar | None = None
        self._text_error: BaseException | None = None
        self._threaded = redaction is not None or scalar_columns is not None
        self._handed = 0
        self._tail = b""
        self._process: scanprocess.ScanProcess | None = None  # the text's maker, once it starts
        # `close` (the event loop) and the scan thread's start of the process, one at a time: a
        # stream closed before the thread got to its first piece starts no process.
        self._process_lock = threading.Lock()
        self._closed = False

    def tap(self, data: bytes) -> bytes:
        if data:
            self.received += len(data)
            at = (time.time() - self.origin) * 1000
            piece = self._decode(data)
            if piece:
                self.parts.append(piece)
                self.chunks.append((at, len(piece)))
                if self._threaded and self.received >= SCAN_FROM:
                    self._unscanned += len(piece)
                    if self._unscanned >= SCAN_STEP:
                        self._scan_parts()
        elif self.decoder is not None:  # the end of the stream
            self._flush()
        return data

    def _scan_parts(self) -> None:
        """Hand the pieces the scan has not seen to the scan thread, as one; past LARGE_BODY,
        to the YAML text too (from the body's start, the first time)."""
        self._unscanned = 0
        size = self.size
        # (A text redaction will decode back is still made in the text process, where it costs
        # this process nothing, and written if redaction leaves the body as it was after all.
        # The scan thread makes none such: StreamScan.changes.)
        starts = (self.text is None and self._columns is not None and not self._spoiled
                  and size > LARGE_BODY and (scanprocess.FORKS or not (
                      self.scan is not None and self.scan.changes())))
        if self._redaction is None and self.text is None and not starts:
            return  # (nothing for the thread to do yet)
        batch = self.parts[self._scanned:]
        first = self._scanning is None
        text_batch = batch
        if starts:
            if self._scanned:  # (the scan saw the start already; the text has not)
                text_batch = list(self.parts)
            kind = BinaryScalar if not_utf8_from_start(_first_bytes(text_batch, 1 << 16)) \
                else LiteralScalar
            self.text = kind(*self._columns)
        self._scanned = len(self.parts)
        if self.text is not None:
            # Past LARGE_BODY the YAML text is all that is kept (the batch, until it is written).
            self._tail = _last_bytes(batch, 4096)
            self._handed = size
            self.parts.clear()
            self._scanned = 0
        self._scanning = _scan_thread().submit(self._work, batch, first, self.text, text_batch)

    def _work(self, batch: list[bytes], first: bool, text: StreamedScalar | None,
              text_batch: list[bytes]) -> None:
        # (in the scan thread) The scan's start takes a pass over the request: here, not on the
        # event loop.
        if first and self._redaction is not None:
            try:
                # The values named in the request and the response's headers, for the echo
                # search.
                echoes = None
                if self._provisional is not None:
                    echoes = echo_variants(self._provisional(), self._redaction)
                self.scan = StreamScan(self._redaction, echoes)
            except Exception as e:  # noqa: BLE001 - redaction then searches the body itself
                log.debug("%s: redaction scan failed: %s", self.where, e)
                self.scan = None
                self._redaction = None
        with self._process_lock:
            if self._closed:  # (not recorded after all: nothing more to make)
                return
            if text is not None and self._process is None and scanprocess.FORKS \
                    and self._text_error is None:
                try:
                    self._process = scanprocess.ScanProcess(text, self.scan)
                except OSError as e:  # (no process to be had: this thread makes the text)
                    log.debug("%s: no text process (%s): making the text here", self.where, e)
            process = self._process
        if process is not None:
            if text is None:  # (the stream stopped decoding: its text and scan are dropped)
                return
            try:
                process.feed(text_batch, batch if self.scan is not None else None)
            except scanprocess.ScanProcessError as e:
                self._text_error = e
            return
        joined = b"".join(batch)
        if text is not None:
            try:
                text.feed(joined if text_batch is batch else b"".join(text_batch))
            except BaseException as e:  # noqa: BLE001 - the recording fails at its end, loudly
                self._text_error = e
        if self.scan is None:
            return
        try:
            self.scan.feed(joined)
        except Exception as e:  # noqa: BLE001 - redaction then searches the body itself
            log.debug("%s: redaction scan failed: %s", self.where, e)
            self.scan = None
            self._redaction = None  # (no further pieces: the end searches the whole body)

    def _decode(self, data: bytes) -> bytes:
        if self._broken:
            return b""
        if self.decoder is None:
            return data
        self.raw.append(data)
        try:
            return _decode_bounded(self.decoder, data, self.coding)
        except (decoders.DecodingError, decoders.TooLarge) as e:
            self._give_up(e)
            return b""

    def _flush(self) -> None:
        at = (time.time() - self.origin) * 1000
        try:
            tail = self.decoder.flush() if self.decoder is not None else b""
        except decoders.DecodingError as e:
            # Cut short (a client that hung up after the final event): what decoded is right.
            log.debug("%s: the encoded stream ended early: %s", self.where, e)
            return
        if tail:
            self.parts.append(tail)
            self.chunks.append((at, len(tail)))

    def _give_up(self, error: Exception) -> None:
        # Bytes that do not decode cannot be searched for secrets, and the encoded stream holds
        # the readable part too (a gzip'd key is invisible to redaction): what the readable start
        # decodes to is recorded, decoded and redacted as usual; the rest is not kept.
        try:
            prefix = decoders.decode_prefix(b"".join(self.raw), self.coding)
        except decoders.TooLarge:  # (a bomb: its start is not kept either)
            prefix = b""
        kept = sum(n for _, n in self.chunks)
        log.warning(
            "%s: the %s stream stopped decoding after %d bytes (%s): recording the %d bytes it "
            "decoded to, not the rest (bytes that do not decode could hide secrets)",
            self.where, self.coding, self.received, error, len(prefix))
        self.decoder = None
        self._broken = True
        self._spoiled = True  # (the scan saw the pieces decoded so far; the body is redone)
        self.text = None  # (it holds the pieces decoded so far: the whole prefix replaces them)
        self._handed = 0
        self._tail = b""
        self.raw = []
        self.parts = [prefix] if prefix else []
        if len(prefix) < kept:  # (no finer timing for a shorter body)
            self.chunks = [(self.chunks[-1][0], len(prefix))] if prefix else []
        elif len(prefix) > kept:
            self.chunks.append(((time.time() - self.origin) * 1000, len(prefix) - kept))

    def finished_stream(self) -> bool:
        """Whether what arrived so far ends with an AI stream's final event, so a client that
        hung up right after it (the openai SDK does, after `[DONE]`) still got the whole answer."""
        tail = _last_bytes([self._tail, *self.parts], 4096)
        if len(tail) == self.size:
            tail = b"\n" + tail  # (the body's start is a line start: markers begin with one)
        return any(marker in tail for marker in self.final_events)

    def close(self) -> None:
        """Let go of what a stream that will not be recorded holds (its text process)."""
        with self._process_lock:
            self._closed = True
            process = self._process
        if process is not None:
            process.kill()  # (first: a piece the scan thread is handing over fails at once)
            if self._scanning is not None:
                self._scanning.result()
            self._process = None
            process.close()

    @property
    def size(self) -> int:
        """Bytes of the body recorded so far (as it will be written)."""
        return self._handed + sum(map(len, self.parts))

    def _finish_scan(self) -> None:
        if self._scanning is None:
            return
        if not self._spoiled and self._scanned < len(self.parts):
            self._scan_parts()
        self._scanning.result()  # (the work catches its own errors)
        process, self._process = self._process, None
        if process is not None:
            if self._spoiled:  # (its text was dropped: the body is redone from its prefix)
                process.close()
            elif self._text_error is None:
                try:
                    process.finish()  # (into self.text and self.scan)
                except scanprocess.ScanProcessError as e:
                    self._text_error = e
        if self._spoiled:
            self.scan = None
        if self._text_error is not None:
            raise RuntimeError(f"the response body could not be kept: {self._text_error}")

    def pieces(self) -> tuple[list[bytes] | StreamedScalar, bool, list[tuple[float, int]]]:
        """(the body's pieces, decoded, chunks), once the response is complete, for a body the
        writer joins itself; the recorder lets go of them. The pieces are a StreamedScalar when
        only the body's YAML text was kept (see `scalar_columns`). Blocks until the scan has
        seen the last piece (call it from a worker thread)."""
        self._finish_scan()
        decoded = self.decoded and self.received > 0
        if self._handed:
            text, self.text = self.text, None
            assert text is not None and not self.parts
            return text.finish(), decoded, self.chunks
        parts, self.parts, self.raw = self.parts, [], []
        return parts, decoded, self.chunks

    def result(self) -> tuple[bytes, bool, list[tuple[float, int]]]:
        """(body, decoded, chunks), once the response is complete. Blocks until the scan has
        seen the last piece (call it from a worker thread)."""
        self._finish_scan()
        if self._handed:  # (only its text was kept)
            assert self.text is not None
            self.parts = [self.text.data()]
            self.text = None
            self._handed = 0
        body = b"".join(self.parts)
        # The pieces are not needed any more: keep one copy of a large body while it is written,
        # not two (the recorder lives until the response hook returns).
        self.parts = [body] if body else []
        self.raw = []
        # Nothing came (a HEAD answer, a 304): nothing was decoded, so the recorded headers keep
        # the Content-Encoding and Content-Length that describe the absent body.
        return body, self.decoded and self.received > 0, self.chunks


def _first_bytes(pieces: list[bytes], n: int) -> bytes:
    """The first `n` bytes of the pieces (fewer if they hold fewer)."""
    k, have = 0, 0
    while k < len(pieces) and have < n:
        have += len(pieces[k])
        k += 1
    return b"".join(pieces[:k])[:n]


def _last_bytes(pieces: list[bytes], n: int) -> bytes:
    """The last `n` bytes of the pieces (fewer if they hold fewer)."""
    k, have = len(pieces), 0
    while k and have < n:
        k -= 1
        have += len(pieces[k])
    return b"".join(pieces[k:])[-n:]


# Bodies from this size on are scanned for redaction while they stream (smaller ones at once
# at their end: a thread hop per chunk would cost them more than it saves).
SCAN_FROM = 1 << 20
SCAN_STEP = 1 << 20  # bytes handed over at a time (a thread hop per 64 KiB chunk costs more)

_scan_pool: ThreadPoolExecutor | None = None


def _scan_thread() -> ThreadPoolExecutor:
    """One worker thread for every stream's scan: pieces of a stream are scanned in order."""
    global _scan_pool
    if _scan_pool is None:
        _scan_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vcrproxy-scan")
    return _scan_pool


def warm_up(redaction: RedactionConfig | None) -> None:
    """Build in the scan thread, as a recording session opens, what its first large stream
    would otherwise build there while it streams, holding the GIL much of the time (~25 ms,
    once per process): the split-secret literals of a request that names no value (what
    StreamScan compiles: redaction._split_literals) and the matchers its YAML text compiles
    before the text process forks (yamlv3.prepare_for_fork)."""
    _scan_thread().submit(_warm, redaction)


def _warm(redaction: RedactionConfig | None) -> None:
    try:
        if redaction is not None:
            StreamScan(redaction, [])
        prepare_for_fork()
    except Exception as e:  # noqa: BLE001 - only time is lost: the stream builds them itself
        log.debug("warming up the stream scan failed: %s", e)


_unsupported_warned: set[str] = set()


def _decoder(coding: str, where: str) -> decoders.ContentDecoder | None:
    """The decoder for a response's Content-Encoding; None (record as sent) when there is none
    here, said once per coding per process so a long session does not repeat it."""
    try:
        return decoders.decoder_for(coding)
    except decoders.UnsupportedEncoding as e:
        if e.coding not in _unsupported_warned:
            _unsupported_warned.add(e.coding)
            log.warning(
                "%s: no decoder for Content-Encoding %r: recording such bodies encoded "
                "(they stream through unchanged)",
                where,
                e.coding,
            )
        return None


def _decode_bounded(decoder: decoders.ContentDecoder, data: bytes, coding: str) -> bytes:
    """What one chunk decodes to, at most decoders.MAX_DECODED (zstd and brotli can hold
    terabytes in a 64 KiB chunk: made 1 MiB at a time and stopped there). Raises
    decoders.TooLarge, decoders.DecodingError."""
    out = []
    total = 0
    for piece in decoder.pieces(data):
        total += len(piece)
        if total > decoders.MAX_DECODED:
            raise decoders.TooLarge(coding, decoders.MAX_DECODED)
        out.append(piece)
    return out[0] if len(out) == 1 else b"".join(out)


def decode_body(resp: http.Response | None) -> tuple[bytes, bool]:
    """A buffered body as Go's transport would expose it: decoded when it was compressed.
    One that decodes to more than decoders.MAX_DECODED (a decompression bomb: a buffered body
    is under 8 MB as sent) is recorded as sent, with its Content-Encoding, and a warning."""
    if resp is None:
        return b"", False
    raw = resp.raw_content or b""
    coding = resp.headers.get("content-encoding", "")
    if not raw or not decoders.codings(coding):
        return raw, False
    decoder = _decoder(coding, f"{resp.status_code} response")
    if decoder is None:
        return raw, False
    try:
        return _decode_bounded(decoder, raw, coding) + decoder.flush(), True
    except decoders.TooLarge as e:
        log.warning("%s: recorded as sent (encoded): redaction sees its stored bytes only", e)
        return raw, False
    except decoders.DecodingError as e:
        # As for a stream (StreamRecorder._give_up): only what decodes is kept, decoded.
        try:
            body = decoders.decode_prefix(raw, coding)
        except decoders.TooLarge as big:
            log.warning("%s: recorded as sent (encoded): redaction sees its stored bytes only",
                        big)
            return raw, False
        log.warning(
            "could not decode a %s body (%s): recording the %d bytes its readable start decodes "
            "to, not the rest (bytes that do not decode could hide secrets)", coding, e, len(body))
        return body, True
