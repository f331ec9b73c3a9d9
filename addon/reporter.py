"""Reporter addon: a FlowReport per finished flow for live display, and the session summary."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from mitmproxy import http

from .failclosed import fail_closed, one_line
from .flows import error_text, request_url
from .registry import SessionRegistry
from .session import CassetteSession
from .terminal import clean_line

HELD = "vcrproxy_held"  # flow.metadata: a WebSocket upgrade reported at its session's end
log = logging.getLogger("vcrproxy")

WIRE_SIZE = "vcrproxy_size"  # flow.metadata: body bytes sent to the client, for streamed flows


def counting_tap(flow: http.HTTPFlow) -> Callable[[bytes], bytes]:
    """A pass-through `response.stream` that only counts the bytes (for the live line)."""
    flow.metadata[WIRE_SIZE] = 0

    def tap(data: bytes) -> bytes:
        flow.metadata[WIRE_SIZE] += len(data)
        return data

    return tap


@dataclass
class FlowReport:
    """One finished flow, for live display: kind is replayed / recorded / miss / passthrough /
    fault / error. `size`: body bytes sent to the client (a WebSocket session's: its messages'
    bytes, both ways); `ttfb_ms`, `total_ms`: from the request's start to the response's
    headers and to its end (a WebSocket session's close)."""

    kind: str
    method: str
    url: str
    status: int | None
    ttfb_ms: float | None
    total_ms: float | None
    size: int
    cassette: str
    detail: str = ""


class Reporter:
    """Runs after the replayer and the recorder: they report the flows they handled, this reports
    the rest (passthrough, misses, failures) and keeps the errors no session owns."""

    def __init__(self, registry: SessionRegistry) -> None:
        self.registry = registry
        self.listeners: list[Callable[[FlowReport], None]] = []
        self.errors: list[str] = []
        self._reported: set[str] = set()  # flow ids reported by the replayer or the recorder
        self.passed = 0  # responses passed through untouched (no session of ours took them)

    def fail(self, reason: str) -> None:
        """A problem the run must answer for: logged as an error now, listed in the summary (and
        the pytest plugin's failure text) and counted in the exit code (`missed`); masked with
        the session's rules first (registry.safe), then kept to one line."""
        reason = one_line(self.registry.safe(reason))
        log.error("%s", reason)
        self.errors.append(reason)

    def report(
        self, flow: http.HTTPFlow, kind: str, sess: CassetteSession | None, detail: str = ""
    ) -> None:
        if not self.listeners:
            return
        self._reported.add(flow.id)
        req, resp = flow.request, flow.response
        start = req.timestamp_start
        ttfb = total = None
        size = 0
        if resp is not None:
            if resp.timestamp_start:
                ttfb = (resp.timestamp_start - start) * 1000
            if flow.websocket is not None:  # (the session, not its upgrade's empty body)
                end = flow.websocket.timestamp_end or time.time()
                size = sum(len(m.content) for m in flow.websocket.messages)
            else:
                end = resp.timestamp_end or time.time()
                size = flow.metadata.get(WIRE_SIZE)
                if size is None:
                    size = len(resp.raw_content or b"")
            total = (end - start) * 1000
        report = FlowReport(
            kind=kind,
            method=req.method,
            url=self.registry.safe(request_url(req)),  # (an IPv6 host in brackets)
            status=resp.status_code if resp is not None else None,
            ttfb_ms=ttfb,
            total_ms=total,
            size=size,
            cassette=sess.path if sess else "",
            detail=self.registry.safe(detail),
        )
        for listener in self.listeners:
            listener(report)

    def hold(self, flow: http.HTTPFlow) -> None:
        """Not reported at its response (a WebSocket session, reported once written)."""
        flow.metadata[HELD] = True  # (ours, listened to or not: never counted as passed through)
        if self.listeners:
            self._reported.add(flow.id)

    # -- hooks (after the replayer's and recorder's) -------------------------------------------
    @fail_closed
    def response(self, flow: http.HTTPFlow) -> None:
        if not ({"vcrproxy", HELD} & flow.metadata.keys()) and flow.id not in self._reported:
            self.passed += 1
        if not self.listeners or self._claimed(flow):
            return
        kind = flow.metadata.get("vcrproxy", "passthrough")
        self.report(flow, kind if kind == "miss" else "passthrough", None)

    @fail_closed
    def error(self, flow: http.HTTPFlow) -> None:
        if not self.listeners or self._claimed(flow):
            return
        self.report(flow, "error", None, error_text(flow))

    @fail_closed
    def websocket_end(self, flow: http.HTTPFlow) -> None:
        self._reported.discard(flow.id)

    def _claimed(self, flow: http.HTTPFlow) -> bool:
        if flow.id in self._reported:
            self._reported.discard(flow.id)
            return True
        return False

    def done(self) -> None:
        # Last in the chain: the recorder has written what was still open (WebSockets).
        self.registry.close_all()
        if self.listeners:
            return  # the host (vcrproxy's CLI) prints the summary itself: not twice with -v
        for line in self.summary_lines():
            log.info(line)

    # -- the summary ---------------------------------------------------------------------------
    def summary_lines(self) -> list[str]:
        lines = []
        injector = self.registry.faults
        for sess in self.registry.all_sessions():
            st = sess.stats
            never, notes = injector.never_fired(sess)
            if not (st.replayed or st.recorded or st.missed or st.failed or st.faults
                    or sess.unused() or never or notes):
                continue
            unused = sess.unused()
            lines.append(
                f"{sess.path}: mode {sess.mode}, replayed {st.replayed}, recorded {st.recorded}, "
                f"missed {len(st.missed)}, failed {st.failed}, unused {len(unused)}"
                + (f", faults {len(st.faults)}" if st.faults else "")
            )
            lines.extend(f"  miss: {m}" for m in st.missed)
            lines.extend(f"  fault: {f}" for f in st.faults)
            lines.extend(f"  error: {text}" for text in never)  # (counted in `missed`)
            lines.extend(f"  note: {text}" for text in notes)
            lines.extend(
                f"  unused: #{i.id} {i.request.method} {i.request.url}" for i in unused[:20]
            )
        # An error made for a flow or a log says who speaks ("vcrproxy: refused ..."); a summary
        # line is ours already (the CLI prefixes each once).
        if self.passed:  # (else a passthrough run's summary read "no traffic")
            lines.append(f"passed through {self.passed} response"
                         f"{'s' if self.passed != 1 else ''} (nothing recorded or replayed)")
        lines.extend(f"error: {e.removeprefix('vcrproxy: ')}" for e in self.errors)
        never, notes = injector.never_fired_anywhere()
        lines.extend(f"error: {text}" for text in never)
        lines.extend(f"note: {text}" for text in notes)
        # One line each (terminal.clean_line): a path or URL holding a line break would fake one.
        return [clean_line(self.registry.safe(line)) for line in lines]

    @property
    def missed(self) -> int:
        """Misses and errors, each a reason for the run to fail: a fault that never fired
        (faults.FaultInjector.never_fired) is one, as its test could not fail."""
        injector = self.registry.faults
        sessions = self.registry.all_sessions()
        return (sum(len(s.stats.missed) + len(injector.never_fired(s)[0]) for s in sessions)
                + len(self.errors) + len(injector.never_fired_anywhere()[0]))
