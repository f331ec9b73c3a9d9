"""Replayer addon: answer a request from its cassette session, or say why none matches.

A match is answered at once (`vcr_pace=instant`) or streamed with its recorded timing from the
loopback chunk server (`recorded`); in mode replay a request without a match gets a miss
response in its provider's error shape. Everything else goes to the recorder (or upstream).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time

from mitmproxy import ctx, http
from mitmproxy.proxy.mode_specs import UpstreamMode

from . import faults, options, trailers
from .cassette import CHUNKS_KEY, CassetteError, Interaction, Response
from .failclosed import UpstreamGate, fail_closed, one_line
from .fastresponse import replay_answer
from .flows import (
    CHUNKS_METADATA,
    bidirectional,
    client_closed,
    client_hung_up,
    error_text,
    request_to_model,
    request_url,
    shared_request_model,
)
from .misses import miss_response
from .options import Mode, Pace
from .pacing import ChunkServer, PacedReply
from .recorder import Recorder
from .registry import FAULTS_KEY, SessionRegistry
from .reporter import WIRE_SIZE, Reporter, counting_tap
from .schema import method_problem
from .session import CassetteSession
from .websocket import is_upgrade, session_from_response
from .wsplayer import Choice, Upstream, WebSocketPlayer

log = logging.getLogger("vcrproxy")


def interim_answer(found: Interaction, headers) -> str | None:
    """Why `found`'s recorded answer cannot be the final answer to a request with `headers`
    (mitmproxy Headers), or None when it can. A 1xx status is interim (RFC 9110 section 15.2):
    a client keeps reading for the final answer, so sending one as the answer hangs it (HTTP/1.1)
    or crashes mitmproxy's HTTP/2 layer. A 101 is final only to a WebSocket upgrade (replayed by
    the loopback player); any other 1xx never. Such a match is a miss, with this reason."""
    code = found.response.code
    if code >= 200:
        return None
    if code == 101:
        if is_upgrade(headers):
            return None
        return (f"interaction {found.id} matches, but its answer is a 101 WebSocket upgrade and "
                "this request does not ask for one (no `Upgrade: websocket`; HTTP/2 requests "
                "never do): replay sends a 101 only to a WebSocket handshake")
    return (f"interaction {found.id} matches, but its answer is code {code}, an interim (1xx) "
            "status, not a final answer: replay cannot send it (`vcrproxy check` reports it)")


def upstream_tls(opts) -> ssl.SSLContext:
    """The TLS context for an upstream connection the proxy makes itself (a diverged
    new-episodes WebSocket session, wsplayer.Upstream), trusting what mitmproxy's own upstream
    connections trust: `ssl_verify_upstream_trusted_ca` / `_confdir` if set, else certifi's
    bundle; nothing checked with `ssl_insecure`."""
    cafile = opts.ssl_verify_upstream_trusted_ca or None
    capath = opts.ssl_verify_upstream_trusted_confdir or None
    if cafile is None and capath is None:
        import certifi

        cafile = certifi.where()
    context = ssl.create_default_context(cafile=cafile, capath=capath)
    if opts.ssl_insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


BIDI_WAIT_S = 5.0  # s a replayed bidirectional stream may stay open before a warning says why


def upstream_proxy(client, opts) -> tuple[tuple[str, str, int] | None, str | None]:
    """The upstream proxy a connection of `client` goes through (its listener's `--mode
    upstream:URL`: scheme, host, port), and the Proxy-Authorization mitmproxy would send it
    (`upstream_auth`); (None, None) for any other mode."""
    mode = getattr(client, "proxy_mode", None)
    if not isinstance(mode, UpstreamMode):
        return None, None
    auth = opts.upstream_auth if "upstream_auth" in opts else None
    header = None
    if auth:
        from mitmproxy.addons.upstream_auth import parse_upstream_auth

        header = parse_upstream_auth(auth).decode("latin-1")
    return (mode.scheme, mode.address[0], mode.address[1]), header


def _retry_count(flow: http.HTTPFlow) -> int | None:
    """The request's `x-stainless-retry-count` (None if absent or not a number)."""
    value = flow.request.headers.get("x-stainless-retry-count", "")
    return int(value) if value.isascii() and value.isdigit() else None


class _Replay:
    __slots__ = ("session", "interaction", "original", "fault", "counted", "answering",
                 "returned", "flow")

    def __init__(self, session: CassetteSession, interaction: Interaction,
                 flow: http.HTTPFlow) -> None:
        self.session = session
        self.interaction = interaction
        self.flow = flow
        self.original: http.Request | None = None  # set when redirected to the chunk server
        self.fault: faults.Injection | None = None
        self.counted = False  # in stats.replayed (taken back if the exchange fails)
        # The answer is on its way to the client: the request hook is done (after a `delay`),
        # or the loopback server sent its head. Before that, a client that leaves (its timeout
        # shorter than a delay or the recorded latency) got nothing: its retry gets the
        # interaction (`returned`: it is back in the matcher).
        self.answering = False
        self.returned = False

    def give_back(self) -> None:
        """Nothing of the answer reached the client: the interaction is unused again."""
        if not self.returned:
            self.returned = True
            self.session.put_back(self.interaction)

    def count(self) -> None:
        self.session.stats.replayed += 1
        self.counted = True

    def uncount(self) -> None:
        """The exchange failed after all (an error, a hook that raised, a WebSocket session that
        missed or whose player failed): it is not a replayed one."""
        if self.counted:
            self.counted = False
            self.session.stats.replayed -= 1


class Replayer:
    def __init__(
        self,
        registry: SessionRegistry,
        recorder: Recorder,
        reporter: Reporter,
        gate: UpstreamGate,
    ) -> None:
        self.registry = registry
        self.gate = gate
        self.recorder = recorder
        self.reporter = reporter
        self.chunks = ChunkServer()
        self._replays: dict[str, _Replay] = {}
        # WebSocket players by the interaction each plays (id), with its replay state: a
        # player whose client leads to a recording another holds may trade with it.
        self._ws_players: dict[int, tuple[WebSocketPlayer, _Replay]] = {}
        # Request bodies streamed upstream as they come (`requestheaders`): session, body so far.
        self._streamed: dict[str, tuple[CassetteSession, bytearray]] = {}
        # The session (or why none) `requestheaders` found for a flow it left to `request`
        # (session_for drops the Proxy-Authorization it reads: it answers once per flow).
        self._found: dict[str, CassetteSession | CassetteError] = {}
        # Replayed WebSocket sessions still open, reported at their end (their live line
        # gives the messages' bytes and the session's length, not the upgrade's).
        self._open_ws: dict[str, tuple[http.HTTPFlow, CassetteSession]] = {}

    @property
    def ready(self) -> bool:
        return bool(self.chunks.port)

    async def running(self) -> None:
        await self.chunks.start()

    async def done(self) -> None:
        for flow, _ in list(self._open_ws.values()):  # (still open at the stop)
            self.websocket_end(flow)
        await self.chunks.stop()

    @fail_closed
    def websocket_end(self, flow: http.HTTPFlow) -> None:
        held = self._open_ws.pop(flow.id, None)
        if held is not None:
            kind = flow.metadata.get("vcrproxy")
            self.reporter.report(flow, kind if kind in ("miss", "error") else "replayed",
                                 held[1])

    def forget(self, flow: http.HTTPFlow) -> None:
        """A hook failed for `flow` (answered as a miss instead): drop its state and its count."""
        self._streamed.pop(flow.id, None)
        self._found.pop(flow.id, None)
        state = self._replays.pop(flow.id, None)
        if state is not None:
            state.uncount()

    @fail_closed
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        """A bidirectional stream (flows.bidirectional: gRPC, AWS event streams over HTTP/2)
        that goes upstream (passthrough, record) streams its request body as it comes, tapped
        for the recording: its client may wait for an answer before sending more, and a body
        read whole would never end. mitmproxy connects upstream right after this hook, so the
        choice and the gate's permit are made here. Replaying modes read it whole (to match)."""
        if flow.response is not None or flow.error is not None or not bidirectional(flow.request) \
                or method_problem(flow.request.method) is not None:  # (`request` answers it)
            return
        try:
            sess = self.registry.session_for(flow)
        except CassetteError as e:
            self._found[flow.id] = e  # (the request hook answers it)
            return
        if sess.replays or flow.metadata.get(FAULTS_KEY):
            self._found[flow.id] = sess
            if sess.replays:
                asyncio.get_running_loop().call_later(BIDI_WAIT_S, self._still_streaming, flow)
            return
        body = bytearray()

        def tap(data: bytes) -> bytes:
            body.extend(data)
            return data

        flow.request.stream = tap
        self._streamed[flow.id] = (sess, body)
        sess.stats.requests += 1
        if not sess.passthrough:
            self.recorder.track(flow, sess, None)  # (its answer may begin before its end)
        self.gate.permit(flow)

    def _still_streaming(self, flow: http.HTTPFlow) -> None:
        """A replayed bidirectional stream whose request body has not ended after BIDI_WAIT_S:
        say why nothing answers it (its client may be waiting for an answer mid-stream)."""
        if flow.live and flow.request.timestamp_end is None and flow.response is None \
                and flow.error is None:
            log.warning(
                "%s %s: no answer while its request stream is open: replay matches a request "
                "whole, so a bidirectional client that waits for answers before ending its "
                "stream cannot be replayed (it fails at its own deadline); record or "
                "passthrough relay it as it comes", flow.request.method,
                self.registry.safe(flow.request.url))

    def _streamed_body(self, flow: http.HTTPFlow) -> None:
        """A streamed request's body (`requestheaders`) onto the flow, as far as it came."""
        self._found.pop(flow.id, None)
        streamed = self._streamed.pop(flow.id, None)
        if streamed is not None:
            flow.request.data.content = bytes(streamed[1])

    @fail_closed
    def request(self, flow: http.HTTPFlow):
        """Returns an awaitable when a fault delays the answer (mitmproxy awaits it)."""
        if flow.id in self._streamed:  # (already sent upstream: recorded as it went)
            self._streamed_body(flow)
            return
        found = self._found.pop(flow.id, None)
        if flow.response is not None or flow.error is not None:
            return
        try:
            if isinstance(found, CassetteError):
                raise found
            sess = found if found is not None else self.registry.session_for(flow)
        except CassetteError as e:
            self._answer_miss(flow, None, f"vcrproxy: {e}")
            return
        sess.stats.requests += 1
        wanted = flow.metadata.get(FAULTS_KEY)
        if wanted:
            # Faults its proxy URL asks for that can never fire here: an error, not a test that
            # cannot fail (checked once per list and session).
            problem = self.registry.faults.admit(sess, wanted)
            if problem is not None:
                self._answer_miss(flow, sess, f"vcrproxy: {problem}")
                return
        if sess.passthrough:
            self.gate.permit(flow)
            return
        live = None
        # Recording with repeats allowed: what this session recorded answers an identical
        # request, as in new-episodes and go-vcr's record modes with replayable interactions
        # (recorder.go); a WebSocket session is recorded each time (nothing plays it here).
        repeats = (sess.mode is Mode.RECORD and sess.matcher.config.allow_repeats
                   and len(sess.matcher) > 0 and not is_upgrade(flow.request.headers))
        if sess.replays or repeats:
            # Replay alone never records: the memoised, shared model will do (flows.py).
            convert = shared_request_model if sess.mode is Mode.REPLAY else request_to_model
            live = convert(flow.request)
            found, unsendable = self._find_final(sess, live, flow.request.headers)
            if found is None and sess.replays:
                found = self._from_abandoned(flow, sess, live)
            if found is not None:
                return self._replay(flow, sess, found, live)
            if sess.mode is Mode.REPLAY:
                if unsendable is not None:
                    self._answer_miss(flow, sess, f"vcrproxy: {unsendable}")
                    return
                miss = sess.explain(live)
                self._answer_miss(flow, sess, "vcrproxy: no recorded interaction matches. "
                                  + miss.message())
                return
        bad = method_problem(flow.request.method)
        if bad is not None:
            # mitmproxy's HTTP/1 parser takes any method (`GE(T`, a NUL): recorded, it made a
            # cassette replay refuses whole (schema.py). Answered here, never sent upstream.
            self._answer_miss(flow, sess, f"vcrproxy: {bad}: not forwarded, nothing recorded")
            return
        self.recorder.track(flow, sess, live)  # (converted once: the recording reuses it)
        self.gate.permit(flow)

    @staticmethod
    def _find_final(sess: CassetteSession, live, headers) -> tuple[Interaction | None, str | None]:
        """The first match whose answer can be final for this request (`interim_answer`), and
        else why the first match cannot; matches passed over stay unused (a WebSocket session
        and a plain GET recorded at one URL each answer their own kind)."""
        passed: list[Interaction] = []
        first_why = None
        found = sess.find(live)
        while found is not None:
            why = interim_answer(found, headers)
            if why is None:
                break
            if any(p is found for p in passed):  # (allow_repeats gives the last one again)
                found = None
                break
            passed.append(found)
            first_why = first_why or why
            found = sess.find(live)
        for p in passed:
            sess.put_back(p)
        return found, (first_why if found is None else None)

    def _from_abandoned(self, flow: http.HTTPFlow, sess: CassetteSession, live
                        ) -> Interaction | None:
        """The interaction of an answer not yet begun that this request, an SDK's retry, takes
        over: the SDK gave the earlier attempt up. Over HTTP/2 httpcore (hence the openai and
        anthropic Python SDKs) forgets a timed-out stream without a reset and retries on a new
        connection, leaving the old one open: nothing else tells the proxy (over HTTP/1.1 the
        connection closes: `client_closed`). The sign is the Stainless SDKs' attempt counter,
        `x-stainless-retry-count` (openai-python, anthropic-python and their Node twins send
        it on every request: 0, then 1, 2, ...): an attempt with a higher count than an
        unanswered one with the same interaction replaces it. The replaced flow is killed (its
        stream reset, its delay ended: `_inject`); None if there is no such answer."""
        count = _retry_count(flow)
        if not count:
            return None
        for state in list(self._replays.values()):
            old = state.flow
            before = _retry_count(old)
            if (state.session is not sess or state.answering or state.returned
                    or old is flow or before is None or before >= count):
                continue
            sess.put_back(state.interaction)
            found, _ = self._find_final(sess, live, flow.request.headers)
            if found is None:
                sess.take(state.interaction)  # (not this request's: it stays used)
                continue
            state.returned = True
            state.uncount()
            if old.killable:
                old.kill()
            return found
        return None

    def _replay(self, flow: http.HTTPFlow, sess: CassetteSession, found: Interaction, live):
        state = _Replay(sess, found, flow)
        self._replays[flow.id] = state
        recorded = found.response
        if recorded.code != 101:
            wanted = flow.metadata.get(FAULTS_KEY, ())
            state.fault = self.registry.faults.choose(sess, found, wanted)
            if state.fault is not None:
                return self._inject(flow, state)
        state.count()
        flow.comment = f"vcrproxy: replayed interaction {found.id} of {sess.path}"
        flow.metadata["vcrproxy"] = "replayed"
        if found.response.extra.get(CHUNKS_KEY):  # stream timing for the LLM contentview
            flow.metadata[CHUNKS_METADATA] = found.response.extra[CHUNKS_KEY]
        if recorded.code == 101 and is_upgrade(flow.request.headers) and self.chunks.port:
            # A WebSocket session: played by the loopback server (see websocket.py for why). Its
            # shape was validated when the cassette opened (schema.py).
            player = self._websocket_player(flow, state, recorded, live)
            self._to_loopback(flow, state, self.chunks.register(player), method=None)
            return
        if ctx.options.vcr_pace == Pace.RECORDED and self.chunks.port:
            # Streamed from the loopback chunk server so the client sees the recorded pacing.
            reply = PacedReply(recorded, origin=time.monotonic(), method=flow.request.method)
            token = self.chunks.register(reply)
            # HEAD stays HEAD: mitmproxy then reads the loopback answer as bodiless too.
            head = flow.request.method.upper() == "HEAD"
            self._to_loopback(flow, state, token, method="HEAD" if head else "GET")
            return
        h2 = flow.request.http_version.startswith("HTTP/2")
        flow.response = replay_answer(recorded, h2=h2, method=flow.request.method,
                                      http10=flow.request.http_version == "HTTP/1.0")
        flow.response.trailers = trailers.for_client(recorded.trailer, flow)
        state.answering = True
        return None

    def _inject(self, flow: http.HTTPFlow, state: _Replay):
        """Answer with the faults chosen for this request (faults.py); returns what the request
        hook returns (an awaitable for a delay)."""
        injection, sess, found = state.fault, state.session, state.interaction
        assert injection is not None
        text = injection.describe()
        if injection.failure is not None:
            state.give_back()  # a failed answer uses no interaction: the retry gets it
        else:
            state.count()
        url = self.registry.safe(flow.request.url)
        sess.stats.faults.append(f"{text} -> {flow.request.method} {url} (interaction {found.id})")
        flow.metadata["vcrproxy"] = "fault"
        flow.comment = f"vcrproxy: fault {text} on interaction {found.id} of {sess.path}"
        log.info("fault %s: %s %s", text, flow.request.method, url)
        head = flow.request.method.upper() == "HEAD"

        def route(reply) -> None:
            token = self.chunks.register(reply)
            self._to_loopback(flow, state, token, method="HEAD" if head else "GET")

        paced = ctx.options.vcr_pace == Pace.RECORDED and bool(self.chunks.port)
        wait = faults.apply(injection, flow, found.response, route, paced)
        if injection.failure is None and flow.response is not None:  # the recording, late
            flow.response.trailers = trailers.for_client(found.response.trailer, flow)
        if state.original is not None:  # (the loopback server's head says it is answering)
            return wait
        if wait is None:
            state.answering = True
            return None

        async def then_answer() -> None:
            # (A client that leaves during the delay gets nothing: its interaction goes back at
            # once, before the delay ends, for the retry it is likely already sending.)
            waiting = asyncio.ensure_future(wait)
            while not waiting.done():
                await asyncio.wait([waiting], timeout=0.05)
                if not waiting.done() and (client_closed(flow) or state.returned):
                    waiting.cancel()
                    state.uncount()
                    state.give_back()
                    return
            state.answering = True

        return then_answer()

    def _to_loopback(
        self, flow: http.HTTPFlow, state: _Replay, token: str, method: str | None
    ) -> None:
        """Point the flow at the loopback server's `/<token>` (restored in `response`)."""
        state.original = flow.request.copy()
        # Straight to it, also from an upstream-mode listener (whose requests all go through
        # the upstream proxy: our loopback server is not there to be reached).
        flow.server_conn.via = None
        flow.request.scheme = "http"
        flow.request.host = "127.0.0.1"
        flow.request.port = self.chunks.port_for(token)
        flow.request.path = "/" + token
        if method is not None:
            flow.request.method = method
            flow.request.content = b""
        self.gate.permit(flow)  # our own loopback server, not the recorded host

    def _other_sessions(self, sess: CassetteSession, live, headers, playing: Interaction
                        ) -> list[Interaction]:
        """The other WebSocket sessions recorded for this upgrade, in cassette order: the
        unused ones (left unused: the player takes one over only if the client's messages lead
        to it) and those another live player plays (which may trade: `_trade`)."""
        def held(i: Interaction) -> bool:
            entry = self._ws_players.get(id(i))
            return entry is not None and entry[1].interaction is i and entry[0].open

        return [i for i in sess.unused_matches(live, held)
                if i is not playing and interim_answer(i, headers) is None]

    def _websocket_player(
        self, flow: http.HTTPFlow, state: _Replay, recorded: Response, live
    ) -> WebSocketPlayer:
        sess = state.session
        url = self.registry.safe(flow.request.url)
        choices = [Choice(state.interaction, session_from_response(recorded))]
        others = self._other_sessions(sess, live, flow.request.headers, state.interaction)
        choices += [Choice(i, session_from_response(i.response)) for i in others]

        def switch(old: Interaction, new: Interaction) -> bool:
            if sess.take(new):
                sess.put_back(old)
            elif not self._trade(sess, old, new):
                return False  # (another client's session holds it, and cannot trade)
            state.interaction = new
            # (after a trade `old` is another player's: its entry stays)
            if self._ws_players.get(id(old), (None,))[0] is player:
                del self._ws_players[id(old)]
            self._ws_players[id(new)] = (player, state)
            return True

        def on_miss(n: int, text: str) -> None:
            state.uncount()  # counted once, as a miss (an HTTP miss is never also replayed)
            sess.stats.missed.append(f"WebSocket {url} (client message {n})")
            sess.stats.explanations.append(text)
            flow.metadata["vcrproxy"] = "miss"
            log.warning("MISS %s", self.registry.safe(text))

        def on_fail(text: str) -> None:
            state.uncount()
            self.recorder.drop_websocket(flow)  # (a diverged session's failure is no episode)
            sess.stats.failed += 1
            flow.metadata["vcrproxy"] = "error"
            log.error("%s", self.registry.safe(text))

        upstream = None
        if sess.mode is Mode.NEW_EPISODES and not options.offline(ctx.options):
            def on_diverge(text: str) -> None:
                # Not this recording: it stays for a session that matches it; this one is
                # recorded as a new episode, as the client sees it (recorder.adopt_websocket).
                state.uncount()
                sess.put_back(state.interaction)
                self._open_ws.pop(flow.id, None)  # (reported as recorded: the recorder's)
                self.recorder.adopt_websocket(flow, sess)
                flow.metadata["vcrproxy"] = "recording"
                log.info("%s; new episode: the rest goes upstream and is recorded",
                         self.registry.safe(text))

            upstream = Upstream(request_url(flow.request),
                                list(flow.request.headers.items(multi=True)),
                                upstream_tls(ctx.options), on_diverge,
                                *upstream_proxy(flow.client_conn, ctx.options))

        player = WebSocketPlayer(
            recorded,
            choices,
            config=self.registry.ws_match,
            match_binary=ctx.options.vcr_ws_match_binary,
            paced=ctx.options.vcr_pace == Pace.RECORDED,
            url=url,
            on_miss=on_miss,
            on_fail=on_fail,
            switch=switch,
            upstream=upstream,
            redaction=self.registry.text_rules,
        )
        self._ws_players[id(state.interaction)] = (player, state)
        return player

    def _trade(self, sess: CassetteSession, old: Interaction, new: Interaction) -> bool:
        """Whether the player holding `new` (another client's session at the same URL) can
        play another recording instead, from what passed so far (WebSocketPlayer.could_play):
        `old` (which the caller gives up), an unused one, or one a third player holds that can
        move on in turn, and so on (a chain: N sessions replayed in any order, a rotation of
        them included). Then every player of the chain moves, and `new` is this caller's."""
        chain = self._chain(sess, new, old, set())
        if chain is None:
            return False
        for (holder, holder_state), target in chain:
            holder.trade(next((c for c in holder.choices if c.key is target), None)
                         or Choice(target, session_from_response(target.response)))
            holder_state.interaction = target
            self._ws_players[id(target)] = (holder, holder_state)
        if chain[-1][1] is not old:
            sess.put_back(old)  # the chain ended at an unused recording: `old` is free again
        return True

    def _chain(self, sess: CassetteSession, want: Interaction, freed: Interaction,
               seen: set[int]) -> list[tuple[tuple[WebSocketPlayer, _Replay], Interaction]] | None:
        """Moves that free `want` (held by a live player of `sess`): each (player, the
        recording it plays from then on), the last one taking `freed` or an unused recording
        (taken here); None if there are none. Depth-first, each recording visited once."""
        held = self._ws_players.get(id(want))
        if held is None or held[1].session is not sess or held[1].interaction is not want \
                or not held[0].open:
            return None
        holder = held[0]
        seen.add(id(want))
        candidates = [freed, *(c.key for c in holder.choices if c.key is not freed)]
        for target in candidates:
            if id(target) in seen:
                continue
            choice = next((c for c in holder.choices if c.key is target), None) \
                or Choice(target, session_from_response(target.response))
            if not holder.could_play(choice):
                continue
            if target is freed:
                return [(held, target)]
            entry = self._ws_players.get(id(target))
            if entry is not None and entry[1].interaction is target and entry[0].open:
                rest = self._chain(sess, target, freed, seen)
                if rest is not None:
                    return [(held, target), *rest]
            elif entry is None or entry[1].interaction is not target:
                if sess.take(target):  # unused: this one plays it
                    return [(held, target)]
        return None

    def _answer_miss(self, flow: http.HTTPFlow, sess: CassetteSession | None, text: str) -> None:
        text = one_line(text, limit=1 << 20)  # a lone surrogate from the body must not raise
        safe = self.registry.safe
        text = safe(text)
        if sess is not None:
            sess.stats.missed.append(safe(f"{flow.request.method} {request_url(flow.request)}"))
            sess.stats.explanations.append(text)
        else:
            self.reporter.errors.append(text)
        flow.metadata["vcrproxy"] = "miss"
        flow.comment = text
        log.warning("%s", one_line(  # (a method may hold a lone surrogate: `G\x80T`)
            f"MISS {flow.request.method} {safe(request_url(flow.request))}: {text}",
            limit=1 << 20))
        flow.response = miss_response(flow.request, text)

    @fail_closed
    def responseheaders(self, flow: http.HTTPFlow) -> None:
        replay = self._replays.get(flow.id)
        resp = flow.response
        assert resp is not None
        if replay is not None and replay.original is not None:
            replay.answering = True
        if replay is not None and replay.original is not None and resp.status_code != 101:
            # Streamed, counted: the live line's size of an answer that ends in `error` (a
            # `cut` fault, a client that stopped reading a paced one) is what was sent.
            resp.stream = counting_tap(flow)
            # The loopback server's own `Connection: close` (each reply is served once) is not
            # the recording's: passed on, it closed the client's keep-alive connection after
            # every paced answer (a recording never replays hop-by-hop headers).
            resp.headers.pop("connection", None)
            if replay.original.http_version == "HTTP/1.0":
                # (RFC 9112 6.1: no Transfer-Encoding to an HTTP/1.0 request: the body then
                # ends with the connection, as an HTTP/1.0 client reads it)
                resp.headers.pop("transfer-encoding", None)

    @fail_closed
    def response(self, flow: http.HTTPFlow) -> None:
        self._streamed_body(flow)  # (a stream whose answer ended before its request did)
        replay = self._replays.pop(flow.id, None)
        if replay is None:
            return
        if replay.original is not None:
            flow.request = replay.original
            # streamed from the loopback server, so mitmproxy kept no body to measure
            flow.metadata[WIRE_SIZE] = len(replay.interaction.response.body_bytes)
            if flow.response is not None:  # paced: sent after this hook, h2 clients only
                flow.response.trailers = trailers.for_client(
                    replay.interaction.response.trailer, flow
                )
                if flow.response.raw_content is None:  # already sent: for the web UI/view
                    flow.response.raw_content = replay.interaction.response.body_bytes
        if replay.fault is not None:
            self.reporter.report(flow, "fault", replay.session, replay.fault.describe())
            return
        if flow.websocket is not None and flow.metadata.get("vcrproxy") != "recording":
            self._open_ws[flow.id] = (flow, replay.session)  # (reported at its end)
            self.reporter.hold(flow)
            return
        self.reporter.report(flow, "replayed", replay.session)

    @fail_closed
    def error(self, flow: http.HTTPFlow) -> None:
        self._streamed_body(flow)
        replay = self._replays.pop(flow.id, None)
        if replay is None:
            return
        if replay.original is not None:
            flow.request = replay.original
        if not replay.answering and flow.websocket is None:
            # The client left before any of the answer (a delay or the recorded latency longer
            # than its timeout): no interaction used, so its retry gets the recording.
            replay.uncount()
            replay.give_back()
            self.reporter.report(flow, "error", replay.session,
                                 "the client left before the answer (interaction kept)")
            return
        if replay.fault is not None:
            # The failure we injected (reset, cut): reported, not counted as a failed exchange.
            self.reporter.report(flow, "fault", replay.session, replay.fault.describe())
            return
        if client_hung_up(flow):
            # The client stopped reading a paced answer it had begun to get (a cancelled
            # generation, a test of the first token): replayed as far as it read, as instant
            # replay counts the same run (whose whole answer left at once).
            self.reporter.report(flow, "replayed", replay.session)
            return
        replay.uncount()
        replay.session.stats.failed += 1
        self.reporter.report(
            flow, "error", replay.session, error_text(flow)
        )
