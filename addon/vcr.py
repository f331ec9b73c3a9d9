"""The vcrproxy mitmproxy addon: record exchanges to go-vcr cassettes and replay them offline.

Embedded by the `vcrproxy` CLI, or loaded straight into mitmproxy:

    mitmdump -s addon/vcr.py --set vcr_cassette=cassettes/chat.yaml --set vcr_mode=record
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

if __package__ != "vcrproxy":  # pragma: no cover - loaded by `mitmdump -s` from a checkout
    try:
        import vcrproxy  # noqa: F401  (installed)
    except ImportError:
        # Not installed: expose this folder as the `vcrproxy` package so its modules import.
        _here = os.path.dirname(os.path.abspath(__file__))
        _spec = importlib.util.spec_from_file_location(
            "vcrproxy", os.path.join(_here, "__init__.py"), submodule_search_locations=[_here]
        )
        assert _spec and _spec.loader
        _pkg = importlib.util.module_from_spec(_spec)
        sys.modules["vcrproxy"] = _pkg
        _spec.loader.exec_module(_pkg)
    # mitmproxy execs a script without a sys.modules entry, and @dataclass (below) looks its
    # module up there (AttributeError at load): lend it the package's own copy of this module.
    sys.modules.setdefault(__name__, importlib.import_module("vcrproxy.vcr"))

from mitmproxy import ctx, exceptions, http, tls

from vcrproxy import faults, trailers
from vcrproxy.cassette import CHUNKS_KEY, CassetteError, Interaction
from vcrproxy.contentview import CHUNKS_METADATA
from vcrproxy.contentview import register as register_contentview
from vcrproxy.failclosed import UPSTREAM_MODES, UpstreamGate, fail_closed, one_line
from vcrproxy.fastresponse import replay_response
from vcrproxy.flows import (
    STREAM_TYPES,
    bodiless,
    interaction_from_flow,
    is_stream,
    replay_headers,
    request_to_model,
)
from vcrproxy.localuser import OwnerOnly
from vcrproxy.matching import MatchConfig
from vcrproxy.misses import miss_response
from vcrproxy.pacing import ChunkServer, PacedReply
from vcrproxy.recording import StreamRecorder, decode_body
from vcrproxy.redaction import RedactionConfig, redact_text
from vcrproxy.session import MODES, CassetteSession
from vcrproxy.websocket import (
    WEBSOCKET_KEY,
    WS_IGNORE_JSON,
    WebSocketPlayer,
    is_upgrade,
    session_from_flow,
    session_from_response,
    ws_match_config,
)

log = logging.getLogger("vcrproxy")

PACES = ("instant", "recorded")
FAULTS_KEY = "vcrproxy_faults"  # flow.metadata: faults asked for in the client's proxy URL
DEFAULT_CASSETTE = os.path.join("cassettes", "vcrproxy.yaml")


WIRE_SIZE = "vcrproxy_size"  # flow.metadata: body bytes sent to the client, for streamed flows


def _counting_tap(flow: http.HTTPFlow) -> Callable[[bytes], bytes]:
    """A pass-through `response.stream` that only counts the bytes (for the live line)."""
    flow.metadata[WIRE_SIZE] = 0

    def tap(data: bytes) -> bytes:
        flow.metadata[WIRE_SIZE] += len(data)
        return data

    return tap


@dataclass
class FlowReport:
    """One finished flow, for live display: kind is replayed / recorded / miss / passthrough /
    error."""

    kind: str
    method: str
    url: str
    status: int | None
    ttfb_ms: float | None
    total_ms: float | None
    size: int
    cassette: str
    detail: str = ""


@dataclass
class _Replay:
    session: CassetteSession
    interaction: Interaction
    original: http.Request | None = None  # set when redirected to the chunk server
    fault: faults.Injection | None = None


@dataclass
class _Record:
    session: CassetteSession
    recorder: StreamRecorder | None = None


@dataclass
class _State:
    replays: dict[str, _Replay] = field(default_factory=dict)
    records: dict[str, _Record] = field(default_factory=dict)
    websockets: dict[str, tuple[http.HTTPFlow, _Record]] = field(default_factory=dict)  # open


class VCR:
    """Record/replay addon. Options are prefixed `vcr_`; see `load`."""

    def __init__(self) -> None:
        self.sessions: dict[str, CassetteSession] = {}
        self._closed: list[CassetteSession] = []  # kept for the summary
        self.listeners: list[Callable[[FlowReport], None]] = []
        self.errors: list[str] = []
        self._state = _State()
        self._client_names: dict[str, tuple[str, str | None]] = {}
        self._match = MatchConfig()
        self._redaction: RedactionConfig | None = RedactionConfig.default()
        self._chunks = ChunkServer()
        self._faults = faults.FaultInjector()
        # Refuses every server connection our hooks did not choose (mitmproxy runs nested addons).
        self.gate = UpstreamGate(self._upstream_allowed, self.hook_failed)
        self.owner_only = OwnerOnly()  # other local users' clients are closed at once
        self.addons = [self.gate, self.owner_only]

    # -- options -----------------------------------------------------------------------------
    def load(self, loader) -> None:
        loader.add_option(
            "vcr_cassette", str, DEFAULT_CASSETTE, "Cassette file for requests that name none."
        )
        loader.add_option(
            "vcr_cassette_dir",
            str,
            "",
            "Root for cassettes named in the proxy URL (http://NAME[:MODE]@host:port); "
            "default: the folder of vcr_cassette.",
        )
        loader.add_option(
            "vcr_mode",
            str,
            "once",
            "once: replay if the cassette exists, else record; record: record afresh; replay: "
            "only replay, a miss is an error; new-episodes: replay matches, record the rest; "
            "passthrough: proxy without cassettes.",
            choices=list(MODES),
        )
        loader.add_option(
            "vcr_match_on",
            str,
            "method,url,body",
            "Request parts compared when replaying: method, url (= scheme,host,path,query), "
            "scheme, host, path, query, body, headers.",
        )
        loader.add_option(
            "vcr_match_ignore_json", str, "", "JSON paths ignored in bodies, e.g. metadata,user."
        )
        loader.add_option(
            "vcr_match_ignore_query",
            str,
            "",
            "Query parameters ignored (also urlencoded form fields and multipart parts).",
        )
        loader.add_option(
            "vcr_match_headers", str, "", "Request headers compared (adds headers to match_on)."
        )
        loader.add_option(
            "vcr_allow_repeats",
            bool,
            False,
            "Let a recorded interaction answer more than once.",
        )
        loader.add_option(
            "vcr_pace",
            str,
            "instant",
            "instant: replay at once; recorded: wait the recorded time to headers and to each "
            "chunk.",
            choices=list(PACES),
        )
        loader.add_option(
            "vcr_redact", bool, True, "Redact secrets before writing (strongly recommended)."
        )
        loader.add_option(
            "vcr_redact_headers",
            str,
            "",
            "Header names to redact besides the defaults; prefix a name with - to keep it.",
        )
        loader.add_option(
            "vcr_redact_query",
            str,
            "",
            "Query parameters to redact besides the defaults; prefix a name with - to keep it.",
        )
        loader.add_option(
            "vcr_redact_patterns", str, "", "Extra regular expressions of secrets, comma-separated."
        )
        loader.add_option(
            "vcr_ws_ignore_json",
            str,
            WS_IGNORE_JSON,
            "JSON paths ignored in WebSocket client messages when replaying, besides "
            "vcr_match_ignore_json (default: client event ids and audio).",
        )
        loader.add_option(
            "vcr_ws_match_binary",
            bool,
            False,
            "Compare binary WebSocket client messages byte for byte (default: by type only; "
            "they are usually audio).",
        )
        loader.add_option(
            "vcr_prefer_h2",
            bool,
            True,
            "Answer HTTP/2 to clients that offer it (mitmproxy's lazy mode would pick their "
            "first offer).",
        )
        loader.add_option(
            "vcr_fault",
            Sequence[str],
            [],
            "Replay faults, KIND[:ARG][@WHICH]: status:CODE, cut:N, reset, delay:MS, stall:MS; "
            "WHICH is N (the Nth request answered), #ID, * (default) or p=P.",
        )
        loader.add_option(
            "vcr_fault_seed", int, 0, "Seed of the p=P fault draws (per cassette)."
        )
        register_contentview()  # the "LLM" view of AI API bodies (mitmweb, console)

    def configure(self, updated: set[str]) -> None:
        opts = ctx.options
        if any(name.startswith("vcr_") for name in updated):
            # mitmproxy does not enforce `choices`: a bad --set vcr_pace would pass silently.
            for name, choices in (("vcr_mode", MODES), ("vcr_pace", PACES)):
                if getattr(opts, name) not in choices:
                    raise exceptions.OptionsError(
                        f"{name}: {getattr(opts, name)!r} is not one of {', '.join(choices)}"
                    )
            try:
                self._match = MatchConfig.from_strings(
                    on=opts.vcr_match_on,
                    ignore_json_paths=opts.vcr_match_ignore_json,
                    ignore_query=opts.vcr_match_ignore_query,
                    headers=opts.vcr_match_headers,
                    allow_repeats=opts.vcr_allow_repeats,
                )
                self._redaction = (
                    RedactionConfig.from_strings(
                        headers=opts.vcr_redact_headers,
                        query=opts.vcr_redact_query,
                        patterns=opts.vcr_redact_patterns,
                    )
                    if opts.vcr_redact
                    else None
                )
                self._faults.configure(opts.vcr_fault, opts.vcr_fault_seed)
            except ValueError as e:
                raise exceptions.OptionsError(str(e)) from None
            # Cassettes open lazily (at `running` or first use), not at every reconfigure.
            self._close_sessions()
        # Replay answers without any upstream: connect only once a request really goes out.
        if opts.vcr_mode != "passthrough" and opts.connection_strategy != "lazy":
            opts.connection_strategy = "lazy"

    def _default_session(self) -> CassetteSession:
        path = os.path.abspath(ctx.options.vcr_cassette or DEFAULT_CASSETTE)
        sess = self.sessions.get(path)
        if sess is None:
            sess = CassetteSession(path, ctx.options.vcr_mode, self._match, self._redaction)
            self.sessions[path] = sess
        return sess

    def _cassette_root(self) -> str:
        root = ctx.options.vcr_cassette_dir or os.path.dirname(
            os.path.abspath(ctx.options.vcr_cassette or DEFAULT_CASSETTE)
        )
        return os.path.abspath(root)

    def named_session(self, name: str, mode: str | None) -> CassetteSession:
        """The session for a cassette named by a client; raises CassetteError on a bad name."""
        path = resolve_cassette_name(self._cassette_root(), name)
        sess = self.sessions.get(path)
        if sess is None:
            mode = mode or ctx.options.vcr_mode
            sess = CassetteSession(path, mode, self._match, self._redaction)
            self.sessions[path] = sess
        elif mode and mode != sess.requested_mode:
            # Two clients disagreeing on one file's mode is a mistake to report, not to settle.
            raise CassetteError(f"cassette {name!r} is open in mode {sess.requested_mode}; this "
                                f"client asked for {mode}")
        return sess

    # -- lifecycle ---------------------------------------------------------------------------
    async def running(self) -> None:
        try:
            self._default_session()
        except CassetteError as e:
            # Logged as an error during startup: mitmdump and our CLI both stop on it.
            log.error("vcrproxy: %s", e)
            ctx.master.shutdown()
            return
        await self._chunks.start()

    @property
    def ready(self) -> bool:
        return bool(self._chunks.port)

    async def done(self) -> None:
        # WebSocket sessions still open when the proxy stops: keep what they exchanged.
        for flow, rec in list(self._state.websockets.values()):
            self._record_websocket(flow, rec)
        self._close_sessions()
        await self._chunks.stop()
        if self.listeners:
            return  # the host (vcrproxy's CLI) prints the summary itself: not twice with -v
        for line in self.summary_lines():
            log.info(line)

    def release(self, path: str) -> list[str]:
        """Close one cassette's session (e.g. at the end of a test); return its miss texts."""
        sess = self.sessions.pop(os.path.abspath(path), None)
        if sess is None:
            return []
        sess.close()
        self._closed.append(sess)
        return list(sess.stats.explanations)

    def _close_sessions(self) -> None:
        for sess in self.sessions.values():
            sess.close()
        # Keep them for the summary; a reconfigure starts a fresh registry.
        self._closed.extend(self.sessions.values())
        self.sessions = {}

    # -- per-client cassette names -----------------------------------------------------------
    @fail_closed
    def http_connect(self, flow: http.HTTPFlow) -> None:
        named = _proxy_credentials(flow.request)
        if named is not None:
            self._client_names[flow.client_conn.id] = named

    @fail_closed
    def client_disconnected(self, client) -> None:
        self._client_names.pop(client.id, None)

    @fail_closed
    def tls_start_client(self, data: tls.TlsData) -> None:
        enabled = ctx.options.vcr_prefer_h2 and ctx.options.http2
        if enabled and data.ssl_conn is None:
            # Under `mitmdump -s` scripts run before the tlsconfig addon: let it build the
            # connection now (it then skips this one) so there is an ALPN choice to change.
            tlsconfig = ctx.master.addons.get("tlsconfig")
            if tlsconfig is not None:
                tlsconfig.tls_start_client(data)
        prefer_h2(data, enabled=enabled)

    def _session_for(self, flow: http.HTTPFlow) -> CassetteSession:
        named = _proxy_credentials(flow.request) or self._client_names.get(flow.client_conn.id)
        flow.request.headers.pop("proxy-authorization", None)  # never forwarded upstream
        if named is None:
            return self._default_session()
        name, password = named
        try:
            mode, wanted = faults.split_credential(password)
        except ValueError as e:
            raise CassetteError(f"proxy URL of {name!r}: {e}") from None
        if wanted:
            flow.metadata[FAULTS_KEY] = wanted
        return self.named_session(name, mode)

    # -- the exchange ------------------------------------------------------------------------
    @fail_closed
    def request(self, flow: http.HTTPFlow):
        if flow.response is not None or flow.error is not None:
            return
        try:
            sess = self._session_for(flow)
        except CassetteError as e:
            self._answer_miss(flow, None, f"vcrproxy: {e}")
            return
        if sess.mode == "passthrough":
            self.gate.permit(flow)
            return
        live = request_to_model(flow.request)
        if sess.replays:
            found = sess.find(live)
            if found is not None:
                return self._replay(flow, sess, found)
            if sess.mode == "replay":
                miss = sess.explain(live)
                self._answer_miss(flow, sess, "vcrproxy: no recorded interaction matches. "
                                  + miss.message())
                return
        self._state.records[flow.id] = _Record(sess)
        self.gate.permit(flow)

    def _replay(self, flow: http.HTTPFlow, sess: CassetteSession, found: Interaction):
        state = _Replay(sess, found)
        self._state.replays[flow.id] = state
        recorded = found.response
        if recorded.code != 101:
            state.fault = self._faults.choose(sess, found, flow.metadata.get(FAULTS_KEY, ()))
            if state.fault is not None:
                return self._inject(flow, state)
        sess.stats.replayed += 1
        flow.comment = f"vcrproxy: replayed interaction {found.id} of {sess.path}"
        flow.metadata["vcrproxy"] = "replayed"
        if found.response.extra.get(CHUNKS_KEY):  # stream timing for the LLM contentview
            flow.metadata[CHUNKS_METADATA] = found.response.extra[CHUNKS_KEY]
        if recorded.code == 101 and is_upgrade(flow.request.headers) and self._chunks.port:
            # A WebSocket session: played by the loopback server (see websocket.py for why). Its
            # shape was validated when the cassette opened (schema.py).
            player = self._websocket_player(flow, sess, recorded)
            self._to_loopback(flow, state, self._chunks.register(player), method=None)
            return
        if ctx.options.vcr_pace == "recorded" and self._chunks.port:
            # Streamed from the loopback chunk server so the client sees the recorded pacing.
            reply = PacedReply(recorded, origin=time.monotonic(), method=flow.request.method)
            token = self._chunks.register(reply)
            # HEAD stays HEAD: mitmproxy then reads the loopback answer as bodiless too.
            head = flow.request.method.upper() == "HEAD"
            self._to_loopback(flow, state, token, method="HEAD" if head else "GET")
            return
        h2 = flow.request.http_version.startswith("HTTP/2")
        method = flow.request.method
        headers = replay_headers(
            recorded, len(recorded.body_bytes), h2=h2, stream=is_stream(recorded), method=method
        )
        flow.response = replay_response(recorded, headers, bodiless=bodiless(recorded.code, method))
        flow.response.trailers = trailers.for_client(recorded.trailer, flow)
        return None

    def _inject(self, flow: http.HTTPFlow, state: _Replay):
        """Answer with the faults chosen for this request (faults.py); returns what the request
        hook returns (an awaitable for a delay)."""
        injection, sess, found = state.fault, state.session, state.interaction
        assert injection is not None
        text = injection.describe()
        if injection.failure is not None:
            sess.put_back(found)  # a failed answer uses no interaction: the retry gets it
        else:
            sess.stats.replayed += 1
        sess.stats.faults.append(
            f"{text} -> {flow.request.method} {flow.request.url} (interaction {found.id})"
        )
        flow.metadata["vcrproxy"] = "fault"
        flow.comment = f"vcrproxy: fault {text} on interaction {found.id} of {sess.path}"
        log.info("fault %s: %s %s", text, flow.request.method, flow.request.url)
        head = flow.request.method.upper() == "HEAD"

        def route(reply) -> None:
            token = self._chunks.register(reply)
            self._to_loopback(flow, state, token, method="HEAD" if head else "GET")

        paced = ctx.options.vcr_pace == "recorded" and bool(self._chunks.port)
        wait = faults.apply(injection, flow, found.response, route, paced)
        if injection.failure is None and flow.response is not None:  # the recording, late
            flow.response.trailers = trailers.for_client(found.response.trailer, flow)
        return wait

    def _to_loopback(
        self, flow: http.HTTPFlow, state: _Replay, token: str, method: str | None
    ) -> None:
        """Point the flow at the loopback server's `/<token>` (restored in `response`)."""
        state.original = flow.request.copy()
        flow.request.scheme = "http"
        flow.request.host = "127.0.0.1"
        flow.request.port = self._chunks.port_for(token)
        flow.request.path = "/" + token
        if method is not None:
            flow.request.method = method
            flow.request.content = b""
        self.gate.permit(flow)  # our own loopback server, not the recorded host

    def _websocket_player(
        self, flow: http.HTTPFlow, sess: CassetteSession, recorded
    ) -> WebSocketPlayer:
        url = self._safe(flow.request.url)

        def on_miss(n: int, text: str) -> None:
            sess.stats.missed.append(f"WebSocket {url} (client message {n})")
            sess.stats.explanations.append(text)
            flow.metadata["vcrproxy"] = "miss"
            log.warning("MISS %s", self._safe(text))

        return WebSocketPlayer(
            recorded,
            session_from_response(recorded),
            config=ws_match_config(sess.matcher.config, ctx.options.vcr_ws_ignore_json),
            match_binary=ctx.options.vcr_ws_match_binary,
            paced=ctx.options.vcr_pace == "recorded",
            url=url,
            on_miss=on_miss,
        )

    def _safe(self, text: str) -> str:
        """Text about a flow as it may leave the proxy (log, live line, summary): one redaction
        for all, with the session's names (the defaults when recording unredacted)."""
        return redact_text(text, self._redaction)

    def _answer_miss(self, flow: http.HTTPFlow, sess: CassetteSession | None, text: str) -> None:
        text = one_line(text, limit=1 << 20)  # a lone surrogate from the body must not raise
        text = self._safe(text)
        if sess is not None:
            sess.stats.missed.append(self._safe(f"{flow.request.method} {flow.request.url}"))
            sess.stats.explanations.append(text)
        else:
            self.errors.append(text)
        flow.metadata["vcrproxy"] = "miss"
        flow.comment = text
        log.warning("MISS %s %s: %s", flow.request.method, self._safe(flow.request.url), text)
        flow.response = miss_response(flow.request, text)

    @fail_closed
    def responseheaders(self, flow: http.HTTPFlow) -> None:
        resp = flow.response
        assert resp is not None
        replay = self._state.replays.get(flow.id)
        if replay is not None:
            if replay.original is not None and resp.status_code != 101:
                resp.stream = True
            return
        if trailers.announced_h1_trailers(flow):
            flow.kill()  # mitmproxy would hang the client on them (see trailers.py)
            return
        rec = self._state.records.get(flow.id)
        if rec is not None and _streams(flow):
            rec.recorder = StreamRecorder(flow)
            resp.stream = rec.recorder.tap
        elif rec is None and resp.stream is False and _streams(flow):
            resp.stream = _counting_tap(flow)  # passthrough: never buffer a stream either

    @fail_closed
    def response(self, flow: http.HTTPFlow) -> None:
        replay = self._state.replays.pop(flow.id, None)
        if replay is not None:
            if replay.original is not None:
                flow.request = replay.original
                # streamed from the loopback server, so mitmproxy kept no body to measure
                flow.metadata[WIRE_SIZE] = len(replay.interaction.response.body_bytes)
                if flow.response is not None:  # paced: sent after this hook, h2 clients only
                    flow.response.trailers = trailers.for_client(
                        replay.interaction.response.trailer, flow
                    )
            if replay.fault is not None:
                self._report(flow, "fault", replay.session, replay.fault.describe())
                return
            self._report(flow, "replayed", replay.session)
            return
        rec = self._state.records.pop(flow.id, None)
        if rec is None:
            trailers.drop_for_h1_client(flow)
            kind = flow.metadata.get("vcrproxy", "passthrough")
            self._report(flow, kind if kind == "miss" else "passthrough", None)
            return
        if flow.websocket is not None:
            self._state.websockets[flow.id] = (flow, rec)  # recorded at websocket_end
            return
        if rec.recorder is not None:
            body, decoded, chunks = rec.recorder.result()
            flow.metadata[WIRE_SIZE] = rec.recorder.received  # as sent: the live line's size
        else:
            body, decoded = decode_body(flow.response)
            chunks = None
        interaction = interaction_from_flow(flow, body, decoded=decoded, chunks=chunks)
        trailers.drop_for_h1_client(flow)  # recorded; mitmproxy could not send them on
        written = self._write(flow, rec, interaction)
        if written is None:
            return
        if chunks:
            flow.metadata[CHUNKS_METADATA] = [list(c) for c in chunks]
        if flow.response is not None and flow.response.raw_content is None:
            # A streamed body is not kept by mitmproxy (11; 12 unless store_streamed_bodies):
            # keep the recorded copy so mitmweb and the LLM view can show it. Already sent, so
            # setting it now sends nothing more.
            if decoded:
                flow.response.content = body  # re-encoded as its Content-Encoding says
            else:
                flow.response.raw_content = body
        self._recorded(flow, rec, written)

    @fail_closed
    def websocket_end(self, flow: http.HTTPFlow) -> None:
        pending = self._state.websockets.pop(flow.id, None)
        if pending is not None:
            self._record_websocket(flow, pending[1])

    def _record_websocket(self, flow: http.HTTPFlow, rec: _Record) -> None:
        self._state.websockets.pop(flow.id, None)
        interaction = interaction_from_flow(flow, b"")
        interaction.response.extra[WEBSOCKET_KEY] = session_from_flow(flow).to_extra()
        written = self._write(flow, rec, interaction)
        if written is not None:
            self._recorded(flow, rec, written)

    def _write(
        self, flow: http.HTTPFlow, rec: _Record, interaction: Interaction
    ) -> Interaction | None:
        """Append the interaction to the session's cassette: what was written, or None (failure
        reported)."""
        try:
            written = rec.session.record(interaction)
        except (OSError, CassetteError) as e:
            log.error("could not write %s: %s", rec.session.path, e)
            rec.session.stats.failed += 1
            # In the summary and the CLI's exit code: a session that lost recordings failed.
            self.errors.append(f"could not write {rec.session.path}: {e}")
            self._report(flow, "error", rec.session, f"not recorded: {e}")
            return None
        return written

    def _recorded(self, flow: http.HTTPFlow, rec: _Record, written: Interaction) -> None:
        flow.metadata["vcrproxy"] = "recorded"
        flow.comment = f"vcrproxy: recorded as interaction {written.id} in {rec.session.path}"
        self._report(flow, "recorded", rec.session)

    @fail_closed
    def error(self, flow: http.HTTPFlow) -> None:
        replay = self._state.replays.pop(flow.id, None)
        if replay is not None and replay.original is not None:
            flow.request = replay.original
        rec = self._state.records.pop(flow.id, None)
        if (
            rec is not None
            and rec.recorder is not None
            and _client_hung_up(flow)
            and rec.recorder.finished_stream()
        ):
            # The openai SDK (1.x, 2.x) closes its HTTP/1.1 connection right after
            # `data: [DONE]`, often before the upstream's end of stream: keep what it was sent.
            log.warning(
                "%s %s: the client closed the stream before its end; recording what it was sent",
                flow.request.method,
                self._safe(flow.request.url),
            )
            self._state.records[flow.id] = rec
            self.response(flow)
            return
        if replay is not None and replay.fault is not None:
            # The failure we injected (reset, cut): reported, not counted as a failed exchange.
            self._report(flow, "fault", replay.session, replay.fault.describe())
            return
        sess = rec.session if rec else (replay.session if replay else None)
        if sess is not None:
            sess.stats.failed += 1
        msg = flow.error.msg if flow.error else "unknown error"
        if rec is not None:
            log.warning(
                "upstream failed for %s %s: %s (nothing recorded)",
                flow.request.method,
                self._safe(flow.request.url),
                self._safe(msg),
            )
        self._report(flow, "error", sess, msg)

    def _upstream_allowed(self, client) -> bool:
        """For the gate: may this client connection's cassette session go upstream?"""
        named = self._client_names.get(client.id)
        sess = self.named_session(*named) if named else self._default_session()
        return sess.mode in UPSTREAM_MODES

    def hook_failed(self, hook: str, flow: http.HTTPFlow | None, reason: str) -> None:
        """A hook raised (see failclosed.fail_closed): count it, forget the flow's state."""
        self.errors.append(reason)
        if flow is not None:
            self._state.replays.pop(flow.id, None)
            self._state.records.pop(flow.id, None)

    # -- reporting ---------------------------------------------------------------------------
    def _report(
        self, flow: http.HTTPFlow, kind: str, sess: CassetteSession | None, detail: str = ""
    ) -> None:
        if not self.listeners:
            return
        req, resp = flow.request, flow.response
        start = req.timestamp_start
        ttfb = total = None
        size = 0
        if resp is not None:
            if resp.timestamp_start:
                ttfb = (resp.timestamp_start - start) * 1000
            end = resp.timestamp_end or time.time()
            total = (end - start) * 1000
            size = flow.metadata.get(WIRE_SIZE)
            if size is None:
                size = len(resp.raw_content or b"")
        report = FlowReport(
            kind=kind,
            method=req.method,
            url=self._safe(req.url),
            status=resp.status_code if resp is not None else None,
            ttfb_ms=ttfb,
            total_ms=total,
            size=size,
            cassette=sess.path if sess else "",
            detail=self._safe(detail),
        )
        for listener in self.listeners:
            listener(report)

    def all_sessions(self) -> list[CassetteSession]:
        seen: dict[int, CassetteSession] = {}
        for sess in [*self.sessions.values(), *self._closed]:
            seen.setdefault(id(sess), sess)
        return list(seen.values())

    def summary_lines(self) -> list[str]:
        lines = []
        for sess in self.all_sessions():
            st = sess.stats
            if not (st.replayed or st.recorded or st.missed or st.failed or st.faults
                    or sess.unused()):
                continue
            unused = sess.unused()
            lines.append(
                f"{sess.path}: mode {sess.mode}, replayed {st.replayed}, recorded {st.recorded}, "
                f"missed {len(st.missed)}, failed {st.failed}, unused {len(unused)}"
                + (f", faults {len(st.faults)}" if st.faults else "")
            )
            lines.extend(f"  miss: {m}" for m in st.missed)
            lines.extend(f"  fault: {f}" for f in st.faults)
            lines.extend(
                f"  unused: #{i.id} {i.request.method} {i.request.url}" for i in unused[:20]
            )
        lines.extend(f"error: {e}" for e in self.errors)
        return [self._safe(line) for line in lines]

    @property
    def missed(self) -> int:
        return sum(len(s.stats.missed) for s in self.all_sessions()) + len(self.errors)


def _streams(flow: http.HTTPFlow) -> bool:
    """Stream (never buffer) SSE, NDJSON, AWS event streams and bodies of unknown length."""
    resp = flow.response
    assert resp is not None
    if flow.request.method == "HEAD" or resp.status_code in (101, 204, 304):
        return False  # (a 101 has no body: a WebSocket's messages go through websocket hooks)
    ctype = resp.headers.get("content-type", "").lower()
    return any(t in ctype for t in STREAM_TYPES) or "content-length" not in resp.headers


def _client_hung_up(flow: http.HTTPFlow) -> bool:
    """The HTTP/1 client went away mid-response (mitmproxy's message for it), not the upstream."""
    return flow.response is not None and flow.error is not None and (
        flow.error.msg.startswith("Client disconnected")
    )


def prefer_h2(data: tls.TlsData, *, enabled: bool) -> None:
    """Pick h2 in ALPN when the client offers it.

    With connection_strategy=lazy mitmproxy has no server ALPN to mirror and picks the client's
    first offer, and httpx lists http/1.1 first. The choice is made by mitmproxy's
    `alpn_select_callback` from the TlsConfig AppData; tests/test_mitmproxy_contract.py fails if
    that internal changes.
    """
    if not enabled or data.ssl_conn is None:
        return
    if b"h2" not in (data.conn.alpn_offers or ()):
        return
    app = data.ssl_conn.get_app_data()
    if isinstance(app, dict) and app.get("client_alpn") is None and not app.get("server_alpn"):
        app["client_alpn"] = b"h2"


def _proxy_credentials(req: http.Request) -> tuple[str, str | None] | None:
    """(cassette name, mode or None) from `Proxy-Authorization: Basic` (http://NAME:MODE@...)."""
    value = req.headers.get("proxy-authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        user, _, password = base64.b64decode(token.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name = unquote(user)
    if not name:
        return None
    return name, (unquote(password) or None)


def resolve_cassette_name(root: str, name: str) -> str:
    """Map a client-given cassette name to its real path under `root`, refusing escapes: `..`,
    absolute names, and symlinked folders or files that lead outside the (real) root."""
    if "\x00" in name or "\\" in name or name.startswith("/") or os.path.isabs(name):
        raise CassetteError(f"cassette name {name!r} must be a relative path under {root}")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise CassetteError(f"cassette name {name!r} must stay under {root}")
    if not parts[-1].endswith((".yaml", ".yml")):
        parts[-1] += ".yaml"
    # Containment on real paths: a symlinked folder or file inside the root may point anywhere.
    real_root = os.path.realpath(root)
    path = os.path.realpath(os.path.join(real_root, *parts))
    if os.path.commonpath([path, real_root]) != real_root:
        raise CassetteError(f"cassette name {name!r} leads outside {root} (through a symlink)")
    return path


addons = [VCR()] if __package__ != "vcrproxy" else []
