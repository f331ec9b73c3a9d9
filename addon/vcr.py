"""The vcrproxy mitmproxy addon: record exchanges to go-vcr cassettes and replay them offline.

Embedded by the `vcrproxy` CLI, or loaded straight into mitmproxy:

    mitmdump -s addon/vcr.py --set vcr_cassette=cassettes/chat.yaml --set vcr_mode=record
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from enum import StrEnum

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
    # mitmproxy execs a script without a sys.modules entry, and @dataclass looks a class's
    # module up there (AttributeError at load): lend it the package's own copy of this module.
    sys.modules.setdefault(__name__, importlib.import_module("vcrproxy.vcr"))

from mitmproxy import ctx, exceptions, http

from vcrproxy import options
from vcrproxy.failclosed import UpstreamGate, fail_closed
from vcrproxy.flows import LARGE_BODY
from vcrproxy.h2pref import PreferH2, prefer_h2
from vcrproxy.localuser import OwnerOnly
from vcrproxy.options import DEFAULT_CASSETTE, MODES, PACES
from vcrproxy.recorder import Recorder
from vcrproxy.redaction import output_text, redact_logs
from vcrproxy.registry import (
    FAULTS_KEY,
    SessionRegistry,
    proxy_credentials,
    resolve_cassette_name,
)
from vcrproxy.replayer import Replayer
from vcrproxy.reporter import FlowReport, Reporter
from vcrproxy.session import CassetteSession, Preloaded

log = logging.getLogger("vcrproxy")

# The HTTP/2 libraries log every header they decode or encode at DEBUG (hpack: `Decoded
# (b'authorization', b'Bearer ...')`), before any hook can redact it: those records never help a
# user and would put keys on stderr with -v, so they stop at INFO.
_PROTOCOL_DUMPS = ("hpack", "h2")


def quiet_protocol_dumps() -> None:
    """Set the HTTP/2 libraries' loggers to INFO, unless set higher already (whatever the root
    logger's level is or becomes: -v, pytest's caplog)."""
    for name in _PROTOCOL_DUMPS:
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:  # (NOTSET too)
            logger.setLevel(logging.INFO)

__all__ = [
    "DEFAULT_CASSETTE", "FAULTS_KEY", "MODES", "PACES", "VCR", "FlowReport", "ViewAt",
    "prefer_h2", "proxy_credentials", "resolve_cassette_name",
]


class ViewAt(StrEnum):
    """When VCR adds the "LLM" contentview of AI API bodies (contentview.py).

    LOAD: when mitmproxy loads the addon, for the UIs that list and show views (mitmweb, the
    console, `mitmdump -s`). A host with no UI (proxy.py's lean master) sets one of the others
    before it loads the addon: FIRST_REQUEST, for a host that renders this proxy's flows in
    its own process (the pytest plugin); OFF, where nothing renders a flow (the CLI). Either
    way a session that sees no request (`vcrproxy replay x.yaml -- true`) never imports it,
    and the CLI's first request does not wait for it (mitmproxy's contentviews and our AI
    format parsers: ~45 ms, of a 50 MB recording's ~0.5 s)."""

    LOAD = "load"
    FIRST_REQUEST = "first-request"
    OFF = "off"


class MaskedOutput:
    """A text stream whose writes are masked (redaction.output_text): what an addon prints
    itself, past the masked log records (mitmdump's dumper)."""

    def __init__(self, out) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(output_text(text) if text.strip() else text)

    def __getattr__(self, name: str):
        return getattr(self._out, name)


class VCR:
    """The vcrproxy addons composed, in hook order: session registry, h2 preference, replayer,
    recorder, reporter, upstream gate, owner check (mitmproxy runs an addon's `addons` after
    the addon itself). Declares the
    vcr_* options (see options.py).

    `preloaded`: a cassette the host already parsed (`session.preload_cassette`), taken over by
    the session that opens that same, unchanged file. `check_faults`: the faults of `vcr_fault`
    are for the default cassette, so one that cannot fire there (`faults.cannot_fire`) stops the
    proxy at start; False for a host whose default cassette only catches stray requests (the
    pytest plugin: its tests name their faults in their proxy URLs).
    """

    def __init__(self, preloaded: Preloaded | None = None, *, check_faults: bool = True) -> None:
        self.registry = SessionRegistry(preloaded, check_faults)
        self.reporter = Reporter(self.registry)
        self.recorder = Recorder(self.reporter, self.registry.safe)
        # Refuses every server connection our hooks did not choose (failclosed.py).
        # A proxy started for replay connects to nothing but its own loopback servers.
        # Latched by `running`: once started for replay, closed for the proxy's life (a
        # start-up update that fails and is rolled back must not latch it).
        self._offline = False
        self.gate = UpstreamGate(
            self.registry.upstream_allowed, self.hook_failed,
            offline=lambda: self._offline or options.offline(ctx.options),
            own=lambda address: self.replayer.chunks.serves(address),
        )
        self.replayer = Replayer(self.registry, self.recorder, self.reporter, self.gate)
        h2 = PreferH2()
        self.owner_only = OwnerOnly()  # other local users' clients are closed at once
        self.addons = [
            self.registry, h2, self.replayer, self.recorder, self.reporter, self.gate,
            self.owner_only,
        ]
        for addon in (self.registry, h2, self.replayer, self.recorder, self.reporter):
            addon.hook_failed = self.hook_failed  # type: ignore[attr-defined]  (fail_closed)
        # When the LLM contentview is added (ViewAt); a host sets it before loading the addon.
        self.contentview = ViewAt.LOAD
        self._view_pending = False

    def load(self, loader) -> None:
        options.add_options(loader)
        quiet_protocol_dumps()
        redact_logs()
        if self.contentview == ViewAt.FIRST_REQUEST:
            self._view_pending = True
        elif self.contentview == ViewAt.LOAD:
            _register_view()

    @fail_closed
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if self._view_pending:
            self._view_pending = False
            try:
                _register_view()
            except Exception as e:  # noqa: BLE001 - a missing view must not answer the flow
                log.warning("vcrproxy: the LLM contentview could not be added: %s", e)

    def configure(self, updated: set[str]) -> None:
        opts = ctx.options
        if any(name.startswith(options.PREFIX) for name in updated):
            try:
                options.validate(opts)
            except ValueError as e:
                raise exceptions.OptionsError(str(e)) from None
        if self._offline and "vcr_mode" in updated and not options.offline(opts):
            # A proxy started for replay never goes upstream, whatever sets its mode later: a
            # `--set vcr_mode=record` after `vcrproxy replay`'s own, mitmweb's options editor.
            # (mitmproxy rolls the option back: the mode stays replay.)
            raise exceptions.OptionsError(
                f"a proxy started for replay never goes upstream: its mode stays replay (start "
                f"another proxy for {opts.vcr_mode})")
        if "stream_large_bodies" in updated and opts.stream_large_bodies:
            # Taken over: mitmproxy would stream a request body past it too, connecting upstream
            # at its headers, before any hook of ours chose where (every such request was
            # refused: 502), and stream a response past it untapped (recorded empty). Responses
            # past it stream through the recorder's tap (flows.streams); requests are read whole.
            try:
                from mitmproxy.utils import human

                size = human.parse_size(opts.stream_large_bodies)
            except ValueError as e:
                raise exceptions.OptionsError(f"stream_large_bodies: {e}") from None
            self.recorder.stream_from = size if size is not None else LARGE_BODY
            opts.stream_large_bodies = None
        if "websocket" in updated and not opts.websocket and \
                opts.vcr_mode != options.Mode.PASSTHROUGH:
            # (mitmproxy then relays a session's frames as raw bytes, past every hook: each was
            # recorded as a bare 101 without a message, and replay could not answer one)
            raise exceptions.OptionsError(
                "vcrproxy records and replays WebSocket sessions through mitmproxy's WebSocket "
                "handling: leave it on (or use passthrough mode)")
        # Replay answers without any upstream: connect only once a request really goes out.
        if opts.vcr_mode != options.Mode.PASSTHROUGH and opts.connection_strategy != "lazy":
            opts.connection_strategy = "lazy"

    def running(self) -> None:
        # mitmdump's dumper prints flows (URL, headers, bodies) itself, not through logging.
        dumper = ctx.master.addons.get("dumper")
        if dumper is not None and not isinstance(dumper.outfp, MaskedOutput):
            dumper.outfp = MaskedOutput(dumper.outfp)
        if options.offline(ctx.options):
            self._offline = True
        # mitmproxy's DNS resolver (a default addon of mitmdump and mitmweb, and of the CLI's
        # master with a stock addon's option such as dns_name_servers) answers a DNS
        # listener's queries by asking the name servers itself, past every hook of ours. A
        # replay proxy has none (its queries then go to the upstream gate, which refuses them:
        # SERVFAIL); another asks it only for a client whose cassette goes upstream, not where
        # `once` resolved an existing file to replay.
        resolver = ctx.master.addons.get("dnsresolver")
        if resolver is not None:
            ctx.master.addons.remove(resolver)
            if not self._offline:
                ctx.master.addons.add(GatedResolver(resolver, self._resolves))

    def _resolves(self, client) -> bool:
        """Whether a DNS query of `client` may be answered from the network (GatedResolver)."""
        try:
            return not self._offline and self.registry.upstream_allowed(client)
        except Exception:  # noqa: BLE001 - a cassette that cannot open: closed
            return False

    def done(self) -> None:
        # (the proxy stops: its record run ends; the sessions were closed by the host)
        self.registry.run.close()

    def hook_failed(self, hook: str, flow: http.HTTPFlow | None, reason: str) -> None:
        """A hook raised (see failclosed.fail_closed): count it, forget the flow's state."""
        self.reporter.errors.append(reason)
        if flow is not None:
            self.replayer.forget(flow)
            self.recorder.forget(flow)

    # -- for hosts (the CLI, the pytest plugin, tests) -----------------------------------------
    @property
    def sessions(self) -> dict[str, CassetteSession]:
        return self.registry.sessions

    @property
    def listeners(self):
        return self.reporter.listeners

    @property
    def errors(self) -> list[str]:
        return self.reporter.errors

    @property
    def ready(self) -> bool:
        return self.replayer.ready

    def named_session(self, name: str, mode: str | None) -> CassetteSession:
        return self.registry.named_session(name, mode)

    def release(self, path: str) -> list[str]:
        """Close one cassette's session (e.g. at the end of a test); return its miss texts."""
        return self.registry.release(path)

    def close_sessions(self) -> None:
        self.registry.close_all()

    _close_sessions = close_sessions

    def all_sessions(self) -> list[CassetteSession]:
        return self.registry.all_sessions()

    def summary_lines(self) -> list[str]:
        return self.reporter.summary_lines()

    @property
    def missed(self) -> int:
        return self.reporter.missed


class GatedResolver:
    """mitmproxy's DNS resolver (`dnsresolver`), asked only for a client `allowed` says may go
    upstream; another's query is left to the upstream gate, which refuses it (SERVFAIL)."""

    def __init__(self, resolver, allowed) -> None:
        self.resolver = resolver
        self.allowed = allowed

    def configure(self, updated: set[str]) -> None:
        self.resolver.configure(updated)  # (its caches of the name servers)

    async def dns_request(self, flow) -> None:
        if self.allowed(flow.client_conn):
            await self.resolver.dns_request(flow)


def _register_view() -> None:
    from vcrproxy.contentview import register

    register()


addons = [VCR()] if __package__ != "vcrproxy" else []
