"""Session registry addon: which cassette session a flow belongs to.

A client names its cassette (and mode) in the proxy URL, `http://NAME[:MODE]@host:port`, which
arrives as `Proxy-Authorization: Basic` on CONNECT (remembered per client connection) or on each
plain-HTTP request; requests that name none use `vcr_cassette`. One CassetteSession per file.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from urllib.parse import unquote

from mitmproxy import ctx, exceptions, http

from . import faults, options, recording
from .cassette import CassetteError
from .childenv import cassette_name_parts
from .failclosed import UPSTREAM_MODES, fail_closed
from .matching import MatchConfig
from .options import MODES
from .redaction import RedactionConfig, redact_text, use_for_logs
from .session import CassetteSession, Preloaded
from .store import RecordRun
from .wsmatch import ws_match_config
from .yamlv3 import quoted_name

log = logging.getLogger("vcrproxy")

FAULTS_KEY = "vcrproxy_faults"  # flow.metadata: faults asked for in the client's proxy URL


class SessionRegistry:
    """Open sessions by the cassette's real path (symlinks resolved: one file is one session
    however it is reached); rebuilt when a vcr_* option changes."""

    def __init__(self, preloaded: Preloaded | None = None, check_faults: bool = True) -> None:
        self.sessions: dict[str, CassetteSession] = {}
        self.closed: list[CassetteSession] = []  # kept for the summary
        self.match = MatchConfig()
        self.ws_match = ws_match_config(self.match, options.WS_IGNORE_JSON)  # client messages
        self.redaction: RedactionConfig | None = RedactionConfig.default()
        # What text about flows (logs, live lines, the summary) is masked with: the rules the
        # user gave, even when the cassette is written unredacted (vcr_redact off).
        self.text_rules = RedactionConfig.default()
        self.faults = faults.FaultInjector()
        self.run = RecordRun()  # this proxy's record run (store.started_afresh)
        self._client_names: dict[str, tuple[str, str | None]] = {}
        # A cassette the host already parsed (the CLI checks it before starting), handed to the
        # first session that opens that same, unchanged file: parsed once, not twice.
        self._preloaded = preloaded
        self._default: tuple[str, str] | None = None  # (vcr_cassette, its real path)
        # Whether this proxy's faults (vcr_fault) are for its default cassette, checked when it
        # opens (faults.cannot_fire): the CLI's and mitmdump's; the pytest plugin's default
        # session only catches unnamed requests, its tests' faults come in their proxy URLs.
        self.check_faults = check_faults

    def configure(self, updated: set[str]) -> None:
        if not any(name.startswith(options.PREFIX) for name in updated):
            return
        opts = ctx.options
        try:
            self.match = MatchConfig.from_strings(
                on=options.names(opts.vcr_match_on),
                ignore_json_paths=options.names(opts.vcr_match_ignore_json),
                ignore_query=options.names(opts.vcr_match_ignore_query),
                headers=options.names(opts.vcr_match_headers),
                allow_repeats=opts.vcr_allow_repeats,
            )
            self.text_rules = RedactionConfig.from_strings(
                headers=options.names(opts.vcr_redact_headers),
                query=options.names(opts.vcr_redact_query),
                fields=options.names(opts.vcr_redact_fields),
                patterns=list(opts.vcr_redact_patterns),
            )
            self.redaction = self.text_rules if opts.vcr_redact else None
            self.faults.configure(list(opts.vcr_fault), opts.vcr_fault_seed)
            # Parsed here, with the other options, so a bad path is an error at start, not at
            # the first replayed WebSocket upgrade.
            try:
                self.ws_match = ws_match_config(self.match, options.names(opts.vcr_ws_ignore_json))
            except ValueError as e:
                raise ValueError(f"vcr_ws_ignore_json: {e}") from None
        except ValueError as e:
            raise exceptions.OptionsError(str(e)) from None
        use_for_logs(self, self.text_rules)  # (log records: redaction.redact_logs)
        # Cassettes open lazily (at `running` or first use), not at every reconfigure.
        self.close_all()

    def _open(self, path: str, mode: str) -> CassetteSession:
        preloaded = None
        if self._preloaded is not None and self._preloaded.path == path:
            preloaded, self._preloaded = self._preloaded, None
        sess = CassetteSession(path, mode, self.match, self.redaction, preloaded=preloaded,
                               run=self.run, text_rules=self.text_rules)
        self.sessions[path] = sess
        if sess.mode in (options.Mode.RECORD, options.Mode.NEW_EPISODES):
            recording.warm_up(self.redaction)
        return sess

    def default_session(self) -> CassetteSession:
        cassette = ctx.options.vcr_cassette
        if self._default is None or self._default[0] != cassette:
            # Resolved once per option value (it runs per request): the session opened at the
            # start keeps answering even if the working directory changes later. Real paths
            # (as named ones): one file reached through a symlink is one session, one mode.
            self._default = (cassette, os.path.realpath(cassette or options.DEFAULT_CASSETTE))
        path = self._default[1]
        sess = self.sessions.get(path)
        if sess is None:
            sess = self._open(path, ctx.options.vcr_mode)
            if self.check_faults:
                try:
                    self.faults.check_start(sess)
                except faults.FaultError as e:
                    del self.sessions[path]
                    sess.close()
                    raise CassetteError(str(e)) from None
        return sess

    def _cassette_root(self) -> str:
        root = ctx.options.vcr_cassette_dir or os.path.dirname(
            os.path.abspath(ctx.options.vcr_cassette or options.DEFAULT_CASSETTE)
        )
        return os.path.abspath(root)

    def named_session(self, name: str, mode: str | None) -> CassetteSession:
        """The session for a cassette named by a client; raises CassetteError on a bad name, or
        on a mode that would go upstream in a proxy started for replay (options.offline)."""
        if mode is not None and options.offline(ctx.options):
            mode = _offline_mode(name, mode)
        path = resolve_cassette_name(self._cassette_root(), name)
        sess = self.sessions.get(path)
        if sess is None:
            return self._open(path, mode or ctx.options.vcr_mode)
        if mode and mode != sess.requested_mode:
            # Two clients disagreeing on one file's mode is a mistake to report, not to settle.
            raise CassetteError(f"cassette {name!r} is open in mode {sess.requested_mode}; this "
                                f"client asked for {mode}")
        return sess

    def session_for(self, flow: http.HTTPFlow) -> CassetteSession:
        """The flow's session; drops its Proxy-Authorization (never forwarded upstream).
        Raises CassetteError for a bad cassette name or mode."""
        headers = flow.request.headers
        # (a plain scan first: a lookup of an absent header costs a KeyError, twice per request)
        given = any(name.lower() == b"proxy-authorization" for name, _ in headers.fields)
        named = (proxy_credentials(flow.request) if given else None) or self._client_names.get(
            flow.client_conn.id)
        if given:
            headers.pop("proxy-authorization", None)
        if named is None:
            return self.default_session()
        name, password = named
        # (Its password is ours to read as MODE[+FAULTS], but may be another proxy's real one,
        # composed with our port: never quoted back.)
        first = (password or "").split(";")[0]
        ours = first in ("", *MODES) or faults.is_fault_item(first)  # (our syntax: said back)
        try:
            mode, wanted = faults.split_credential(password)
        except ValueError as e:
            if ours:
                raise CassetteError(f"proxy URL of {name!r}: {e}") from None
            mode, wanted = "?", []
        if mode is not None and mode not in MODES:
            raise CassetteError(
                f"proxy URL of {name!r}: unknown mode (its password, not shown: it may be "
                f"another proxy's): use one of {', '.join(MODES)}, then ;FAULT items if any")
        if wanted:
            flow.metadata[FAULTS_KEY] = wanted
        return self.named_session(name, mode)

    def safe(self, text: str) -> str:
        """Text about a flow as it may leave the proxy (log, live line, summary): one redaction
        for all, with the session's names (even when recording unredacted)."""
        return redact_text(text, self.text_rules)

    # -- hooks ---------------------------------------------------------------------------------
    async def running(self) -> None:
        try:
            self.default_session()
        except CassetteError as e:
            # Logged as an error during startup: mitmdump and our CLI both stop on it.
            log.error("vcrproxy: %s", e)
            ctx.master.shutdown()

    @fail_closed
    def http_connect(self, flow: http.HTTPFlow) -> None:
        named = proxy_credentials(flow.request)
        if named is not None:
            self._client_names[flow.client_conn.id] = named

    @fail_closed
    def client_disconnected(self, client) -> None:
        self._client_names.pop(client.id, None)

    def upstream_allowed(self, client) -> bool:
        """For the upstream gate: may this client connection's cassette session go upstream?"""
        named = self._client_names.get(client.id)
        sess = self.named_session(*named) if named else self.default_session()
        return sess.mode in UPSTREAM_MODES

    # -- closing -------------------------------------------------------------------------------
    def release(self, path: str) -> list[str]:
        """Close one cassette's session (e.g. at the end of a test); return its miss texts."""
        sess = self.sessions.pop(os.path.realpath(path), None)
        if sess is None:
            return []
        sess.close()
        self.closed.append(sess)
        return [*sess.stats.explanations, *self.faults.never_fired(sess)[0]]

    def close_all(self) -> None:
        for sess in self.sessions.values():
            sess.close()
        # Keep them for the summary; a reconfigure starts a fresh registry.
        self.closed.extend(self.sessions.values())
        self.sessions = {}

    def all_sessions(self) -> list[CassetteSession]:
        seen: dict[int, CassetteSession] = {}
        for sess in [*self.sessions.values(), *self.closed]:
            seen.setdefault(id(sess), sess)
        return list(seen.values())


def _offline_mode(name: str, mode: str) -> str:
    """The mode a client's proxy URL names, in a proxy started for replay: `replay` stays, `once`
    is replay (a missing cassette is then an error, not a recording); an upstream mode is
    refused (CassetteError), so no client can take a replay session online."""
    if mode in (options.Mode.REPLAY, options.Mode.ONCE):
        return options.Mode.REPLAY.value
    raise CassetteError(f"this proxy was started for replay and never goes upstream: cassette "
                        f"{name!r} cannot be opened in mode {mode} (start a proxy in that mode)")


def proxy_credentials(req: http.Request) -> tuple[str, str | None] | None:
    """(cassette name, mode or None) from `Proxy-Authorization: Basic` (http://NAME:MODE@...)."""
    value = req.headers.get("proxy-authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        raw = base64.b64decode(token.strip())
    except binascii.Error:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # RFC 7617 2.1: without a charset parameter the encoding is unspecified; requests and
        # aiohttp send ISO-8859-1 (latin-1), which decodes any bytes.
        text = raw.decode("latin-1")
    user, _, password = text.partition(":")
    # A percent-escape that is no UTF-8 stays a lone surrogate, which the name's rules refuse
    # (childenv.cassette_name_parts): decoded to U+FFFD, `%ff` and `%fe` named one file.
    name = unquote(user, errors="surrogateescape")
    if not name:
        return None
    return name, (unquote(password) or None)


def resolve_cassette_name(root: str, name: str) -> str:
    """Map a client-given cassette name to its real path under `root`, refusing escapes: `..`,
    absolute names, and symlinked folders or files that lead outside the (real) root; and a
    name holding a secret's shape (a key given as the proxy URL's user: a file name is
    committed like content, and redaction never sees it). Raises CassetteError."""
    if redact_text(name) != name:
        raise CassetteError("the proxy URL's cassette name holds what looks like a secret (a key "
                            "given as the proxy user?): it is never made a file name")
    try:
        parts = cassette_name_parts(name)
    except ValueError as e:
        raise CassetteError(f"cassette name {quoted_name(name)} {e} {root}") from None
    if not parts[-1].endswith((".yaml", ".yml")):
        parts[-1] += ".yaml"
    # Containment on real paths: a symlinked folder or file inside the root may point anywhere.
    real_root = os.path.realpath(root)
    path = os.path.realpath(os.path.join(real_root, *parts))
    if os.path.commonpath([path, real_root]) != real_root:
        raise CassetteError(
            f"cassette name {quoted_name(name)} leads outside {root} (through a symlink)")
    return path
