"""Running mitmproxy in-process with the VCR addon (the CLI, the pytest plugin, tests).

A lean master (core, proxyserver, next_layer, tlsconfig + VCR) instead of mitmdump's DumpMaster:
the ~30 default addons cost about half the replay throughput and none of them is needed here.
`--web` uses mitmproxy's own WebMaster instead, for watching SDK traffic in mitmweb.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import dataclasses
import inspect
import logging
import os
import re
import socket
import sys
import threading
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def _lazy_addons_package() -> None:
    """Import the package `mitmproxy.addons` without running its __init__ until something
    needs more than a submodule.

    mitmproxy's master.py imports `.addons.termlog`, and the package's __init__ imports all ~40
    default addons (flask for onboarding, ldap3 for proxyauth, pyparsing...): ~150 ms of
    `vcrproxy replay`'s ~1 s start, for a lean master that adds five of them. Submodule imports
    work on the bare package; the first other attribute (`default_addons`, as mitmweb's master
    asks for) runs the real __init__ in place. Nothing changes once it has run (a test process
    that imported it earlier)."""
    import importlib.util
    import sys

    if "mitmproxy.addons" in sys.modules:
        return
    spec = importlib.util.find_spec("mitmproxy.addons")
    if spec is None or spec.loader is None:
        return
    package = importlib.util.module_from_spec(spec)

    def __getattr__(name: str) -> Any:  # noqa: N807  (a module's own __getattr__)
        if name.startswith("__") or importlib.util.find_spec(f"{spec.name}.{name}"):
            # (`from mitmproxy.addons import core` asks for the attribute first: a submodule
            # is then imported by the import system itself)
            raise AttributeError(name)
        del package.__getattr__  # type: ignore[attr-defined]
        spec.loader.exec_module(package)  # type: ignore[union-attr]
        return getattr(package, name)

    package.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules["mitmproxy.addons"] = package


_lazy_addons_package()

from cryptography.hazmat.primitives import serialization  # noqa: E402
from mitmproxy import (  # noqa: E402
    addonmanager,
    certs,
    ctx,
    exceptions,
    flow,
    hooks,
    http,
    master,
    options,
)
from mitmproxy.addons import core, disable_h2c, next_layer, proxyserver, tlsconfig  # noqa: E402

from vcrproxy import ca  # noqa: E402
from vcrproxy.ca import (  # noqa: E402, F401  (re-exported)
    BUNDLE_NAME,
    CA_CERT_NAME,
    default_confdir,
)
from vcrproxy.options import BY_NAME  # noqa: E402
from vcrproxy.redaction import DEFAULT_REDACTION, is_credential_name, redact_text  # noqa: E402
from vcrproxy.session import Preloaded  # noqa: E402
from vcrproxy.vcr import VCR, ViewAt  # noqa: E402

WEB_NEEDS_TOKEN = (
    "--web needs mitmproxy >= 11.1: this mitmproxy's web UI has no login token, so any local "
    "user could read the recorded traffic and its keys (Python >= 3.12 installs mitmproxy 12)"
)


class HookTable(addonmanager.AddonManager):
    """mitmproxy's AddonManager with each hook's handlers found once, not on every event.

    mitmproxy's `trigger_event` walks every addon of the chain and its sub-addons on each event
    (a generator, a `getattr`, an `async` call and a `safecall` context per addon), rebuilds the
    hook's arguments per addon, and after every flow hook triggers `update` the same way, which
    no addon of the lean master handles: about a tenth of the CPU of a replayed h2 request. Here
    the addons having a hook are listed once per hook name (forgotten whenever an addon is
    registered or removed); the handler itself is still looked up when called, so a method
    replaced later is the one that runs. Order, awaiting, `AddonHalt` and the "Addon error" log
    line of a raising handler (which skips the rest of its top-level addon, as in mitmproxy) are
    mitmproxy's own (addonmanager.py, 11.0 and 12.x); tests/test_mitmproxy_contract.py pins them.
    """

    def __init__(self, m: master.Master) -> None:
        super().__init__(m)
        # hook name -> per top-level addon of the chain: (itself and) its sub-addons having it
        self._groups: dict[str, list[list[Any]] | None] = {}

    def register(self, addon):
        self._groups.clear()
        return super().register(addon)

    def remove(self, addon):
        self._groups.clear()
        return super().remove(addon)

    def clear(self):
        self._groups.clear()
        return super().clear()

    def _handlers(self, name: str) -> list[list[Any]] | None:
        """The addons having hook `name`, grouped by top-level addon; None when one has a
        non-callable attribute of that name (mitmproxy's own path then raises its error)."""
        try:
            return self._groups[name]
        except KeyError:
            pass
        groups: list[list[Any]] | None = []
        for top in self.chain:
            group = []
            for a in addonmanager.traverse([top]):
                func = getattr(a, name, None)
                if func is None or isinstance(func, types.ModuleType):
                    continue
                if not callable(func):
                    groups = None
                    break
                group.append(a)
            if groups is None:
                break
            if group:
                groups.append(group)
        self._groups[name] = groups
        return groups

    async def trigger_event(self, event: hooks.Hook) -> None:
        name = event.name
        groups = self._handlers(name)
        if groups is None:
            return await super().trigger_event(event)
        if not groups:
            return None
        args = _hook_args(event)
        for group in groups:
            try:
                for a in group:
                    res = getattr(a, name)(*args)
                    if res is not None and inspect.isawaitable(res):
                        await res
            except exceptions.AddonHalt:
                return None
            except exceptions.OptionsError:
                raise
            except Exception:  # noqa: BLE001 - logged exactly as mitmproxy's safecall does
                with addonmanager.safecall():
                    raise
        return None

    async def handle_lifecycle(self, event: hooks.Hook) -> None:
        await self.trigger_event(event)
        if self._handlers("update") == []:
            return  # nobody would see it: no UpdateHook per flow hook
        message = _hook_args(event)[0]
        if isinstance(message, flow.Flow):
            await self.trigger_event(hooks.UpdateHook([message]))


# The confdir whose CA key TlsConfig.configure is loading (None elsewhere: per thread and task).
_CA_CONFDIR: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "vcrproxy_ca_confdir", default=None
)
_mitmproxy_load_key = certs.load_pem_private_key


def _load_pem_private_key(data: bytes, password: bytes | None = None) -> Any:
    """mitmproxy's `certs.load_pem_private_key`, which this replaces (every caller in mitmproxy
    looks the module's function up when it calls), except for our CA key while the lean
    master's TlsConfig loads it: cryptography's RSA key validation (~80 ms, primality checks)
    is skipped for the exact bytes that passed it once before (ca.key_validated), and a key
    that passes it is recorded. Every other key, password or caller is mitmproxy's own path."""
    confdir = _CA_CONFDIR.get()
    if confdir is None or password is not None:
        return _mitmproxy_load_key(data, password)
    if ca.key_validated(confdir, data):
        return serialization.load_pem_private_key(
            data, None, unsafe_skip_rsa_key_validation=True
        )
    key = _mitmproxy_load_key(data, None)
    ca.record_key_validated(confdir, data)
    return key


certs.load_pem_private_key = _load_pem_private_key


class TlsConfig(tlsconfig.TlsConfig):
    """mitmproxy's TlsConfig, loading the CA once per start instead of twice, and without
    validating its RSA key again when those exact bytes passed the validation before
    (`_load_pem_private_key`).

    Its `running` hook calls `configure("confdir")` again (a FIXME there: some master did not
    keep the configure contract), which reads the CA and parses its RSA key once more: ~70-90 ms
    of `vcrproxy replay -- true`. The lean master keeps the contract: `_build` sets every option
    (the confdir included) through Options.update after the addons are added, so `configure`
    has loaded the CA before the master runs, and any later change of the CA options reaches
    `configure` as in mitmproxy. `running` loads only when nothing was loaded.
    tests/test_mitmproxy_contract.py fails if mitmproxy's `running` starts doing more.
    """

    name = "tlsconfig"  # (h2pref.py and mitmproxy's own code look it up by this name)

    def running(self) -> None:
        if self.certstore is None:
            super().running()

    def configure(self, updated: set[str]) -> None:
        token = _CA_CONFDIR.set(os.path.expanduser(ctx.options.confdir))
        try:
            super().configure(updated)
        finally:
            _CA_CONFDIR.reset(token)


_ARG_NAMES: dict[type, tuple[str, ...]] = {}


def _no_type_check(self) -> None:
    """(What `MessageData.__post_init__` is under `python -O`: nothing.)"""


def skip_debug_type_checks() -> None:
    """Build mitmproxy's requests and responses without their debug-time type check.

    `http.MessageData.__post_init__` checks every field of each Request/Response mitmproxy
    builds against its annotation, only when Python runs without -O (`if __debug__`): about 6%
    of the CPU of a replayed h2 request, the request mitmproxy parses from the client. Only the
    lean master turns it off (for the whole process: the CLI's, or the tests' and the pytest
    plugin's in-process proxies); our own responses are built through the checked constructor
    once (fastresponse.py). tests/test_mitmproxy_contract.py fails if the hook point changes.
    """
    if callable(getattr(http.MessageData, "__post_init__", None)):
        http.MessageData.__post_init__ = _no_type_check  # type: ignore[attr-defined]


def _hook_args(event: hooks.Hook) -> list[Any]:
    """`event.args()` (the dataclass fields in order) with the field names looked up once."""
    cls = type(event)
    if cls.args is not hooks.Hook.args:
        return event.args()
    names = _ARG_NAMES.get(cls)
    if names is None:
        names = _ARG_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return [getattr(event, n) for n in names]


class ProxyError(Exception):
    """The proxy could not start; the message is one line for the user."""


@dataclass
class ProxySettings:
    cassette: str
    mode: str = "once"
    listen_host: str = "127.0.0.1"
    listen_port: int = 0
    confdir: str = field(default_factory=default_confdir)
    # vcr_* option values, typed or as text (lists: comma-separated; see options.Option.parse)
    vcr_options: dict[str, Any] = field(default_factory=dict)
    sets: list[str] = field(default_factory=list)  # mitmproxy `--set name=value`
    web: bool = False
    web_port: int = 8081
    # Add the LLM contentview (with the first request) for a host that renders this proxy's
    # flows in its own process (the pytest plugin, tests); the CLI has nothing that renders
    # them (--web adds it when mitmweb loads the addon, whatever this says).
    contentview: bool = True


class _StartupErrors(logging.Handler):
    """Collects error records logged while the servers come up (mitmproxy logs, not raises)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(_one_errno(record.getMessage().strip().splitlines()[0]))


_ERRNO = re.compile(r"\[Errno -?\d+\] ")
# mitmproxy options holding a credential that their name does not say (`proxyauth=user:pass`).
_CREDENTIAL_OPTIONS = ("proxyauth",)
_URL_PASSWORD = re.compile(r"://[^/\s:@]*:([^/\s]+)@")


def _http_proxy_modes(modes: Sequence[str]) -> None:
    """ProxyError unless the first mitmproxy mode spec, the listener a session's clients are
    pointed at, serves HTTP: `regular`, `upstream:URL` (behind a company proxy) or
    `reverse:URL` (a client given the proxy as its base URL, as the replay benchmark's h2load
    is). The clients get HTTP proxy variables (childenv.proxy_url), which a socks5,
    transparent, wireguard... listener does not serve (mode specs:
    mitmproxy/proxy/mode_specs.py). Further specs are listeners of their own (`--set
    mode=regular --set mode=dns@53`) and stay allowed."""
    from mitmproxy.proxy.mode_specs import ProxyMode

    if not modes:
        return
    kind = ProxyMode.parse(modes[0]).type_name
    if kind not in ("regular", "upstream", "reverse"):
        raise ProxyError(
            f"--set mode={modes[0]}: vcrproxy hands its clients an HTTP proxy "
            f"(HTTPS_PROXY=http://HOST:PORT), which a {kind} listener does not serve; put "
            f"`--set mode=regular` first, or run `mitmdump -s addon/vcr.py --mode {modes[0]}`")


def _set_secrets(sets: list[str]) -> list[str]:
    """What an error quoting `--set` items must not show: a credential option's value
    (`upstream_auth=user:password`) and its password, and the password of a URL's user part
    (`mode=upstream:http://user:password@host:port`, which mitmproxy refuses, quoting it)."""
    out: list[str] = []
    for item in sets:
        name, _, value = item.partition("=")
        name = name.strip()
        if value and (name in _CREDENTIAL_OPTIONS or is_credential_name(name)):
            out += [value, value.partition(":")[2]]
        elif name == "modify_headers" and len(value) > 1:
            # `[/filter]/name/value` (mitmproxy's modifyheaders.parse_spec): a header added with
            # its credential (`/~q/api-key/KEY`, `|Authorization|Basic ...`).
            parts = value[1:].split(value[0], 2)
            if len(parts) >= 2 and DEFAULT_REDACTION.secret_header(parts[-2]):
                out += [parts[-1], parts[-1].partition(" ")[2]]
        out += _URL_PASSWORD.findall(value)
    return [v for v in out if v]


def _one_errno(text: str) -> str:
    """mitmproxy wraps a failed listen's OSError in one with the same errno: `[Errno 99] HTTP(S)
    proxy failed to listen on H:P with [Errno 99] error while attempting to bind...`. The
    leading copy goes when the text names its errno again."""
    m = _ERRNO.match(text)
    return text[m.end():] if m and m.group(0) in text[m.end():] else text


class Proxy:
    """mitmproxy + VCR on the running event loop: `await start()`, `await stop()`."""

    def __init__(
        self, settings: ProxySettings, vcr: VCR | None = None, *, preloaded: Preloaded | None = None
    ) -> None:
        """`preloaded`: the cassette the caller already parsed (session.preload_cassette)."""
        self.settings = settings
        self.vcr = vcr or VCR(preloaded)
        self.master: master.Master | None = None
        self._task: asyncio.Task | None = None
        self.host = settings.listen_host
        self.port = settings.listen_port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def web_url(self) -> str:
        """mitmweb's address; with mitmproxy 12 it carries the login token."""
        url = getattr(self.master, "web_url", None)
        return url if isinstance(url, str) else f"http://127.0.0.1:{self.settings.web_port}/"

    @property
    def ca_cert(self) -> str:
        return os.path.join(self.settings.confdir, CA_CERT_NAME)

    def _build(self) -> master.Master:
        s = self.settings
        os.makedirs(s.confdir, mode=0o700, exist_ok=True)
        # confdir from the start: the Options are never without it (the CA is loaded once,
        # when the update below configures TlsConfig with it; see TlsConfig above).
        opts = options.Options(confdir=s.confdir)
        if s.web:
            from mitmproxy.tools.web.master import WebMaster

            m: master.Master = WebMaster(opts, with_termlog=False)
            # Its ErrorCheck ends a start that logged an error with a bare "Error logged during
            # startup, exiting...": without termlog, the error itself was never shown.
            from mitmproxy.addons.errorcheck import ErrorCheck

            for addon in m.addons.chain:
                if isinstance(addon, ErrorCheck):
                    addon.repeat_errors_on_stderr = True
            if "web_password" not in opts:
                # mitmproxy < 11.1 serves the web UI to anyone who can reach the port: every
                # flow, keys included, to any local user. Refuse rather than expose them.
                raise ProxyError(WEB_NEEDS_TOKEN)
            m.addons.add(self.vcr)
        else:
            m = master.Master(opts, with_termlog=False)
            skip_debug_type_checks()
            opts.changed.disconnect(m.addons._configure_all)  # the stock manager, still empty
            m.addons = HookTable(m)
            # (no UI here to list the LLM view: see VCR.contentview)
            self.vcr.contentview = ViewAt.FIRST_REQUEST if s.contentview else ViewAt.OFF
            lean = (core.Core(), proxyserver.Proxyserver(), next_layer.NextLayer(), TlsConfig(),
                    disable_h2c.DisableH2C())
            m.addons.add(*lean)
            named = {item.partition("=")[0] for item in s.sets}
            if any(n not in opts and not n.startswith("vcr_") for n in named):
                # An option of a stock addon the lean master leaves out (upstream_auth behind
                # an authenticating proxy, anticache, block_private): mitmdump's whole set
                # then, as `mitmdump -s addon/vcr.py` has it, in its order.
                from mitmproxy import addons as stock

                ours = (core.Core, proxyserver.Proxyserver, next_layer.NextLayer,
                        tlsconfig.TlsConfig, disable_h2c.DisableH2C)
                m.addons.add(*[a for a in stock.default_addons() if not isinstance(a, ours)])
            m.addons.add(self.vcr)
        try:
            vcr_options = {
                name: BY_NAME[name].parse(value) if name in BY_NAME else value
                for name, value in s.vcr_options.items()
            }
            extra: dict[str, Any] = {}
            if s.web:
                extra = {"web_open_browser": False, "web_port": s.web_port}
            opts.update(
                listen_host=s.listen_host,
                listen_port=s.listen_port,
                confdir=s.confdir,
                connection_strategy="lazy",
                # Interception certificates from SNI alone: no upstream lookups, works offline.
                upstream_cert=False,
                vcr_cassette=s.cassette,
                vcr_mode=s.mode,
                **extra,
                **vcr_options,
            )
            if s.sets:
                try:
                    opts.set(*s.sets)
                except exceptions.OptionsError as e:
                    # mitmproxy 11 says "Not an integer: abc" without naming the option.
                    msg = str(e).strip().splitlines()[0]
                    raise ProxyError(redact_text(f"--set {', '.join(s.sets)}: {msg}",
                                                 values=_set_secrets(s.sets))) from None
                # The cassette and mode are the command's own (its CASSETTE argument, `record`
                # or `--mode`): a passed-through --set naming others would silently win.
                for name, own in (("vcr_cassette", s.cassette), ("vcr_mode", s.mode)):
                    value = getattr(opts, name)
                    if name == "vcr_cassette" and own and value:  # (one file, any spelling)
                        value, own = os.path.realpath(value), os.path.realpath(own)
                    if own and value != own:
                        raise ProxyError(
                            f"--set {name}={getattr(opts, name)}: conflicts with the command's "
                            f"own {name[4:]} ({own}); name it there instead")
                _http_proxy_modes(opts.mode)
            if s.web and not opts.web_port:  # (--web-port 0, or --set web_port=0)
                opts.update(web_port=_free_port())
        except (exceptions.OptionsError, ValueError) as e:
            raise ProxyError(str(e).strip().splitlines()[0]) from None
        except KeyError as e:
            raise ProxyError(f"unknown option {e}") from None
        return m

    async def start(self, timeout: float = 15.0) -> None:
        if sys.version_info < (3, 12):
            _quiet_cancelled_handlers(asyncio.get_running_loop())
        errors = _StartupErrors()
        logging.getLogger().addHandler(errors)
        try:
            self.master = self._build()
            self._task = asyncio.create_task(self.master.run())
            ps = self.master.addons.get("proxyserver")
            deadline = asyncio.get_running_loop().time() + timeout
            while True:
                await asyncio.sleep(0.01)
                if errors.messages or self._task.done():
                    break
                addrs = ps.listen_addrs() if ps else []
                if addrs and self.vcr.ready:
                    self.host, self.port = addrs[0][0], addrs[0][1]
                    return
                if asyncio.get_running_loop().time() > deadline:
                    errors.messages.append("the proxy did not start in time")
                    break
            await self.stop()
            if self._task is not None and self._task.done() and not self._task.cancelled():
                exc = self._task.exception()
                if exc is not None and not errors.messages:
                    errors.messages.append(str(exc) or type(exc).__name__)
            # One line (mitmweb adds "Try specifying a different port by using `--set
            # web_port=N`" under a busy port's error, in mitmproxy's spelling, not ours).
            message = errors.messages[0].strip() if errors.messages else ""
            raise ProxyError(message.splitlines()[0] if message else "the proxy stopped")
        finally:
            logging.getLogger().removeHandler(errors)

    async def stop(self) -> None:
        if self.master is not None and self._task is not None and not self._task.done():
            self.master.shutdown()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 10)
            except (TimeoutError, Exception):  # noqa: BLE001 - shutting down anyway
                pass
            await self._end_open_connections()
        self.vcr.close_sessions()  # flush even if the master never reached `done`

    async def _end_open_connections(self, timeout: float = 5.0) -> None:
        """End the client connections still open once the master stopped (a client the wrapped
        command left behind, mid-stream): their flows' `error` hooks then run now, before the
        summary and the exit code (an exchange the stop cut is not recorded: it fails the run),
        not after them, when nothing counts them any more. Then what they left is written."""
        assert self.master is not None
        server = self.master.addons.get("proxyserver")
        open_ = getattr(server, "connections", None)
        if open_:
            self.vcr.recorder.stopping = True  # (what the error hooks now see is the stop's cut)
            for handler in list(open_.values()):
                io = handler.transports.get(handler.client)
                if io is not None and io.handler is not None:
                    io.handler.cancel("vcrproxy stopped")
            deadline = time.monotonic() + timeout
            while open_ and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        # A write one of them started, or one the master's `done` was still waiting for when
        # the wait above gave up on it (a WebSocket session's, held up by the cassette folder's
        # lock): all are counted before the summary. (None left: at once.)
        with contextlib.suppress(Exception):
            await self.vcr.recorder.done()


def _free_port(host: str = "127.0.0.1") -> int:
    """A port free on `host` now, for `--web-port 0`: mitmweb would listen on one the kernel
    picks but print, and name its login cookie after, the port it was given (0)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _quiet_cancelled_handlers(loop: asyncio.AbstractEventLoop) -> None:
    """Python 3.11's asyncio.streams asks a cancelled connection handler for its exception
    (3.12 checks `task.cancelled()` first), which raises CancelledError in a done-callback: the
    loop then logged 'Exception in callback StreamReaderProtocol...' with a traceback for every
    client connection still open at Ctrl-C. That one is dropped; the rest goes on as before."""
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), asyncio.CancelledError) and "handle" in context:
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


async def _cancel_others(timeout: float = 5.0) -> None:
    """Cancel every other task on this loop and wait (bounded) for them to finish."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)


class BackgroundProxy:
    """A Proxy on its own event loop in a daemon thread (pytest plugin, tests, benchmarks)."""

    def __init__(
        self, settings: ProxySettings, vcr: VCR | None = None, *, preloaded: Preloaded | None = None
    ) -> None:
        self.proxy = Proxy(settings, vcr, preloaded=preloaded)
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None

    @property
    def vcr(self) -> VCR:
        return self.proxy.vcr

    @property
    def url(self) -> str:
        return self.proxy.url

    def start(self) -> BackgroundProxy:
        started: concurrent.futures.Future[None] = concurrent.futures.Future()

        def main() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self.proxy.start())
            except BaseException as e:  # noqa: BLE001 - handed to the starting thread
                started.set_exception(e)
                return
            started.set_result(None)
            self._loop.run_forever()

        self._thread = threading.Thread(target=main, name="vcrproxy", daemon=True)
        self._thread.start()
        started.result(timeout=30)
        return self

    def call(self, fn, *args):
        """Run fn(*args) on the proxy's loop (addon state is not thread-safe) and return it."""

        async def run():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=30)

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self.proxy.stop(), self._loop).result(timeout=30)
            # mitmproxy's shutdown leaves the handlers of connections still open (a WebSocket
            # session) pending: end them now, or the client waits on a dead proxy and the
            # abandoned tasks log "Task was destroyed but it is pending!" later, anywhere.
            asyncio.run_coroutine_threadsafe(_cancel_others(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._thread = None

    def __enter__(self) -> BackgroundProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
