"""Recorder addon: tee each exchange the replayer left to upstream into its cassette session.

A stream is forwarded chunk by chunk as it arrives (StreamRecorder taps it, keeping a decoded,
timestamped copy); at the end of the response the Interaction is built, and the session redacts
it and appends it durably, all off the event loop (a worker thread; a forked child for bodies
from 8 MB), while the flow waits for the write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from mitmproxy import http

from . import trailers
from .cassette import WEBSOCKET_KEY, CassetteError, Interaction, Request
from .codec import response_body_columns
from .failclosed import fail_closed
from .flows import (
    CHUNKS_METADATA,
    LARGE_BODY,
    client_hung_up,
    error_text,
    hold_end_for_write,
    interaction_from_flow,
    is_stream_type,
    made_answer,
    request_to_model,
    streams,
)
from .recording import StreamRecorder, decode_body
from .reporter import WIRE_SIZE, Reporter, counting_tap
from .session import CassetteSession
from .websocket import is_upgrade, session_from_flow

log = logging.getLogger("vcrproxy")


class _Record:
    __slots__ = ("session", "recorder", "request")

    def __init__(self, session: CassetteSession, request: Request | None) -> None:
        self.session = session
        self.recorder: StreamRecorder | None = None
        self.request = request  # the flow's request as a model, if the replayer made it


class Recorder:
    def __init__(self, reporter: Reporter, safe) -> None:
        self.reporter = reporter
        self.safe = safe  # text about a flow as it may leave the proxy (registry.safe)
        self._records: dict[str, _Record] = {}
        self._websockets: dict[str, tuple[http.HTTPFlow, _Record]] = {}  # open sessions
        self._writes: set[asyncio.Future] = set()  # recordings being written off the loop
        # Responses from this size on stream (flows.streams): mitmproxy's stream_large_bodies,
        # taken over by the VCR addon (its `configure`).
        self.stream_from = LARGE_BODY
        # Set by the proxy's stop as it ends the client connections left open (proxy.Proxy):
        # an exchange cut then was cut by the session's end, not by its client.
        self.stopping = False

    def track(self, flow: http.HTTPFlow, sess: CassetteSession, request: Request | None = None
              ) -> None:
        """Record this flow into `sess` once its response is complete (the replayer's call).
        `request`: the flow's request as the replayer converted it to match (new-episodes)."""
        self._records[flow.id] = _Record(sess, request)

    def forget(self, flow: http.HTTPFlow) -> None:
        self._records.pop(flow.id, None)

    def adopt_websocket(self, flow: http.HTTPFlow, sess: CassetteSession) -> None:
        """Record a WebSocket session the replayer began to play, as the client sees it (at
        websocket_end): a new-episodes session that diverged from the recordings."""
        self._websockets[flow.id] = (flow, _Record(sess, None))
        self.reporter.hold(flow)

    def drop_websocket(self, flow: http.HTTPFlow) -> None:
        """Record nothing of an adopted session after all (its upstream failed)."""
        self._websockets.pop(flow.id, None)

    @fail_closed
    def responseheaders(self, flow: http.HTTPFlow) -> None:
        resp = flow.response
        assert resp is not None
        if _replayed(flow):
            return
        if trailers.announced_h1_trailers(flow):
            flow.kill()  # mitmproxy would hang the client on them (see trailers.py)
            return
        if _h1_interim(resp):
            # mitmproxy's HTTP/1 client (proxy/layers/http/_http1.py, read_headers) takes an
            # interim 1xx (103 Early Hints...) for the final answer: the client would get it and
            # wait for one that never comes, and the cassette a 1xx. Failed now (`response`)
            # with a 502 saying so, nothing recorded; the upstream connection closes after it
            # (the final answer still in its buffer must not answer another request).
            resp.headers["connection"] = "close"
            flow.metadata[_INTERIM] = (
                f"vcrproxy: {flow.request.method} {self.safe(flow.request.url)}: the upstream "
                f"sent an interim HTTP/1.1 answer ({resp.status_code} {resp.reason}), which "
                "mitmproxy's HTTP/1 client takes for the final one (it cannot read the answer "
                "that follows): failed with 502, nothing recorded")
            return
        rec = self._records.get(flow.id)
        if rec is not None and resp.status_code == 101 and not is_upgrade(flow.request.headers):
            # RFC 9110 7.8: a server may switch only to a protocol the client's Upgrade named.
            # mitmproxy relays what follows raw, past every hook; recorded, the 101 is a
            # recording replay never gives that request. Failed as below, nothing recorded.
            resp.headers["connection"] = "close"
            flow.metadata[_INTERIM] = (
                f"vcrproxy: {flow.request.method} {self.safe(flow.request.url)}: the upstream "
                "answered 101 Switching Protocols to a request that asked for no WebSocket "
                "upgrade: failed with 502, nothing recorded")
            return
        if rec is not None and not 100 <= resp.status_code <= 999:
            # mitmproxy's HTTP/1 client reads any number as the status (`HTTP/1.1 1000 Big`):
            # recorded, it made a cassette replay refuses whole (schema.py). Failed as an
            # upstream failure is (`response`: a 502 saying why), nothing recorded.
            resp.headers["connection"] = "close"
            flow.metadata[_INTERIM] = (
                f"vcrproxy: {flow.request.method} {self.safe(flow.request.url)}: the upstream "
                f"answered with status {resp.status_code}, which is no HTTP status code "
                "(100-999): failed with 502, nothing recorded")
            return
        if rec is not None and streams(flow.request, resp, self.stream_from):
            # (A session that replays what it records keeps the body in its model: not as text.)
            columns = None if rec.session.replays else response_body_columns(
                rec.session.cassette.layout)
            rec.recorder = StreamRecorder(flow, rec.session.redaction,
                                          provisional=lambda: self._provisional(flow, rec),
                                          scalar_columns=columns)
            resp.stream = rec.recorder.tap
            hold_end_for_write(flow)
        elif rec is None and resp.stream is False and streams(flow.request, resp,
                                                             self.stream_from):
            resp.stream = counting_tap(flow)  # passthrough: never buffer a stream either

    @staticmethod
    def _provisional(flow: http.HTTPFlow, rec: _Record) -> Interaction:
        """The interaction without its response body (the scan thread's: which values its echo
        search looks for); the request model is kept for the end (converted once)."""
        if rec.request is None:
            if flow.request.timestamp_end is None:  # a request still streaming: not kept
                return interaction_from_flow(flow, b"", decoded=rec.recorder.decoded,
                                             request=request_to_model(flow.request))
            rec.request = request_to_model(flow.request)
        assert rec.recorder is not None
        return interaction_from_flow(flow, b"", decoded=rec.recorder.decoded, request=rec.request)

    @fail_closed
    def response(self, flow: http.HTTPFlow) -> None:
        interim = flow.metadata.pop(_INTERIM, None)
        if interim is not None:
            return self._interim_failed(flow, interim)
        rec = self._records.pop(flow.id, None)
        if rec is None:
            if not _replayed(flow):
                trailers.drop_for_h1_client(flow)
            return
        if flow.websocket is not None:
            self._websockets[flow.id] = (flow, rec)  # recorded at websocket_end
            self.reporter.hold(flow)  # reported when written
            return
        if rec.recorder is not None:
            flow.metadata[WIRE_SIZE] = rec.recorder.received  # as sent: the live line's size
        # mitmproxy awaits what a hook returns: the flow waits for its write, the event loop does
        # not (joining, building, redacting and serialising run in a worker thread, and for
        # large bodies in a child process: see CassetteSession.write). The write is a task of
        # its own, shielded: a flow cancelled at shutdown does not lose it, and `done` waits for
        # every one still running. The flow ends once the interaction is in the file (read by
        # any process, kept if this one is killed); its fsync follows in a task of its own
        # (`_sync`): 40-50 ms for 50 MB, that the client need not wait for.
        rec.session.pending += 1
        return asyncio.shield(self._track(self._record_off_loop(flow, rec)))

    def _track(self, work) -> asyncio.Future:
        """`work` as a task `done` waits for."""
        task = asyncio.ensure_future(work)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return task

    async def _sync(self, session: CassetteSession, written_text: list) -> None:
        """The fsync of what a recording wrote (CassetteSession.write(durable=False)).

        `written_text` holds a large body's text as written (a map of a memory file, in
        `pieces`) and is emptied in the fsync's thread: unmapping 67 MB frees its pages, ~9 ms
        that the flow (whose write thread would otherwise do it) need not wait for either."""

        def sync_and_release() -> None:
            try:
                session.sync()
            finally:
                written_text.clear()

        try:
            await asyncio.to_thread(sync_and_release)
        except CassetteError as e:
            self.reporter.fail(f"vcrproxy: {e}")

    async def _record_off_loop(self, flow: http.HTTPFlow, rec: _Record) -> None:
        def build_and_write():
            pieces = None
            if rec.recorder is not None and rec.recorder.size > LARGE_BODY \
                    and not rec.session.replays:  # (new episodes: its model keeps the body)
                # Joined only where it is written (the writer's child process, see
                # CassetteSession.write), and decoded as text there too: this process never
                # holds the body twice, nor waits for either.
                pieces, decoded, chunks = rec.recorder.pieces()
                body = b""
            elif rec.recorder is not None:
                body, decoded, chunks = rec.recorder.result()
            else:
                body, decoded = decode_body(flow.response)
                chunks = None
            if chunks and not is_stream_type(flow.response.headers.get("content-type", "")) \
                    and "content-length" in flow.response.headers:
                chunks = None  # streamed only for its size (LARGE_BODY): timing is noise
            interaction = interaction_from_flow(flow, body, decoded=decoded, chunks=chunks,
                                                request=rec.request)
            scan = rec.recorder.scan if rec.recorder is not None else None
            written = rec.session.write(interaction, scan, pieces=pieces, durable=False)
            kept = [pieces] if pieces is not None else []  # (let go of by `_sync`)
            return written, None if pieces is not None else body, decoded, chunks, kept

        with self._writing(rec):
            try:
                written, body, decoded, chunks, kept = await asyncio.to_thread(build_and_write)
            except (OSError, CassetteError) as e:
                trailers.drop_for_h1_client(flow)
                self._write_failed(flow, rec, e)
                return
            self._track(self._sync(rec.session, kept))
            del kept
            rec.session.note_recorded(written)
            stats = rec.session.stats
            if stats.abandoned or stats.cut:  # (an attempt given up on: is this its retry?)
                stats.retried(abandoned_key(flow))
            self._finish_recorded(flow, rec, written, body, decoded, chunks)

    @contextlib.contextmanager
    def _writing(self, rec: _Record) -> Iterator[None]:
        """Around a recording's write off the event loop (counted in `rec.session.pending`
        when it was started): an unexpected error is reported, as fail_closed does for a sync
        hook's; the count drops at the end (after the stats the write changed)."""
        try:
            yield
        except Exception as e:  # noqa: BLE001 - what fail_closed does for sync hooks
            self.reporter.fail(
                f"vcrproxy: internal error while recording ({type(e).__name__}: {e})")
        finally:
            rec.session.pending -= 1

    def _finish_recorded(self, flow: http.HTTPFlow, rec: _Record, written: Interaction,
                         body: bytes | None, decoded: bool, chunks) -> None:
        trailers.drop_for_h1_client(flow)  # recorded; mitmproxy could not send them on
        if chunks:
            flow.metadata[CHUNKS_METADATA] = [list(c) for c in chunks]
        if flow.response is not None and flow.response.raw_content is None and body is not None:
            # A streamed body is not kept by mitmproxy (11; 12 unless store_streamed_bodies):
            # keep the recorded copy so mitmweb and the LLM view can show it. Already sent, so
            # setting it now sends nothing more. (Not one over LARGE_BODY: mitmproxy would not
            # keep it either, and joining or re-encoding it here would hold a second copy.)
            if decoded:
                flow.response.content = body  # re-encoded as its Content-Encoding says
            else:
                flow.response.raw_content = body
        self._recorded(flow, rec, written)

    @fail_closed
    def websocket_end(self, flow: http.HTTPFlow) -> None:
        pending = self._websockets.pop(flow.id, None)
        if pending is not None:
            self._record_websocket(flow, pending[1])

    async def done(self) -> None:
        # WebSocket sessions still open when the proxy stops: keep what they exchanged (before
        # the reporter, after us, closes the sessions), and finish the writes under way.
        for flow, rec in list(self._websockets.values()):
            self._record_websocket(flow, rec)
        # A write that ends meanwhile starts its fsync: waited for too. (Only the tasks not done
        # yet: awaiting a gather of done ones never yields, so the callbacks that drop them
        # from the set would never run, and this loop would spin.)
        while running := [task for task in self._writes if not task.done()]:
            await asyncio.gather(*running, return_exceptions=True)

    def _record_websocket(self, flow: http.HTTPFlow, rec: _Record) -> None:
        """The session as it is now, written off the event loop as an HTTP exchange is (its
        redaction, the cassette folder's lock, which another process may hold for long, and the
        write), in a task `done` waits for: on the loop, a lock held elsewhere stopped every
        other client of the proxy."""
        self._websockets.pop(flow.id, None)
        interaction = interaction_from_flow(flow, b"", request=rec.request)
        interaction.response.extra[WEBSOCKET_KEY] = session_from_flow(flow).to_extra()
        rec.session.pending += 1
        self._track(self._write_websocket(flow, rec, interaction))

    async def _write_websocket(self, flow: http.HTTPFlow, rec: _Record,
                               interaction: Interaction) -> None:
        with self._writing(rec):
            try:
                written = await asyncio.to_thread(rec.session.write, interaction)
            except (OSError, CassetteError) as e:
                self._write_failed(flow, rec, e)
                return
            rec.session.note_recorded(written)
            self._recorded(flow, rec, written)

    def _write_failed(self, flow: http.HTTPFlow, rec: _Record, e: Exception) -> None:
        rec.session.stats.failed += 1
        # In the summary and the CLI's exit code: a session that lost recordings failed.
        self.reporter.fail(f"could not write {rec.session.path}: {e}")
        self.reporter.report(flow, "error", rec.session, f"not recorded: {e}")

    def _recorded(self, flow: http.HTTPFlow, rec: _Record, written: Interaction) -> None:
        flow.metadata["vcrproxy"] = "recorded"
        flow.comment = f"vcrproxy: recorded as interaction {written.id} in {rec.session.path}"
        self.reporter.report(flow, "recorded", rec.session)

    def _interim_failed(self, flow: http.HTTPFlow, text: str) -> None:
        """The answer to an exchange whose upstream sent an HTTP/1.1 interim answer, or a
        status code outside 100-999 (see `responseheaders`): a 502 whose body is `text`."""
        rec = self._records.pop(flow.id, None)
        flow.response = made_answer(502, (text + "\n").encode("utf-8", "backslashreplace"),
                                    {"Content-Type": "text/plain; charset=utf-8"},
                                    flow.request.method)
        flow.comment = text
        flow.metadata["vcrproxy"] = "error"
        log.error("%s", text)
        if rec is not None:
            if rec.recorder is not None:
                rec.recorder.close()
            rec.session.stats.failed += 1
            rec.session.stats.upstream_failed += 1
            self.reporter.report(flow, "error", rec.session, text)

    @fail_closed
    def error(self, flow: http.HTTPFlow) -> None:
        rec = self._records.pop(flow.id, None)
        if rec is None:
            return
        if rec.recorder is not None and client_hung_up(flow) and rec.recorder.finished_stream():
            # The openai SDK (1.x, 2.x) closes its HTTP/1.1 connection right after
            # `data: [DONE]`, often before the upstream's end of stream: keep what it was sent.
            log.warning(
                "%s %s: the client closed the stream before its end; recording what it was sent",
                flow.request.method,
                self.safe(flow.request.url),
            )
            self._records[flow.id] = rec
            return self.response(flow)  # (a coroutine mitmproxy awaits: the write)
        if rec.recorder is not None:
            rec.recorder.close()
        rec.session.stats.failed += 1
        gave_up = client_gave_up(flow)
        if self.stopping:
            rec.session.stats.stopped += 1
            why = "the session ended before the exchange did"
        elif client_hung_up(flow) or gave_up:
            rec.session.stats.given_up(abandoned_key(flow), cut=not gave_up)
            why = "the client hung up before the response ended" if client_hung_up(flow) \
                else "the client gave up before any answer"
        else:
            rec.session.stats.upstream_failed += 1
            why = "upstream failed"
        msg = error_text(flow)
        log.warning(
            "%s for %s %s: %s (nothing recorded)",
            why,
            flow.request.method,
            self.safe(flow.request.url),
            self.safe(msg),
        )
        self.reporter.report(flow, "error", rec.session, msg)


_INTERIM = "vcrproxy_interim"  # flow.metadata: why an interim or numberless answer failed it


def _h1_interim(resp: http.Response) -> bool:
    """An interim (1xx) answer other than 101 from an HTTP/1 upstream (mitmproxy's HTTP/2 layer
    skips them; its HTTP/1 client does not)."""
    return resp.http_version.startswith("HTTP/1") and 100 <= resp.status_code < 200 \
        and resp.status_code != 101


def _replayed(flow: http.HTTPFlow) -> bool:
    """The replayer answered this flow (instantly, or through its loopback server), with the
    recording or a fault."""
    return flow.metadata.get("vcrproxy") in ("replayed", "fault")



def client_gave_up(flow: http.HTTPFlow) -> bool:
    """The client went away before any answer came (an SDK's attempt that timed out, to be
    retried): mitmproxy's "Client disconnected." or an h2 stream reset by the client."""
    return flow.response is None and flow.error is not None and flow.error.msg.startswith(
        ("Client disconnected", "stream reset by client"))


def abandoned_key(flow: http.HTTPFlow) -> tuple[str, str, bytes]:
    """What tells an abandoned request's retry: method, URL and a digest of the body as sent
    (a retry differs in headers only: x-stainless-retry-count)."""
    import hashlib

    return (flow.request.method, flow.request.url,
            hashlib.sha256(flow.request.raw_content or b"").digest())
