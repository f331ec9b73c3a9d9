"""`vcrproxy`: record and replay AI API traffic through a local proxy into go-vcr cassettes."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import click

from vcrproxy import ca as ca_module
from vcrproxy.ca import default_confdir
from vcrproxy.cassette import CassetteError, os_error
from vcrproxy.childenv import (
    NO_PROXY_VARS,
    cassette_name_parts,
    child_env,
    proxy_exports,
    proxy_url,
    shell_exports,
)
from vcrproxy.options import ADDON_OPTIONS, BY_NAME, MODES, OPTIONS, Mode

from .common import (
    CONTEXT,
    EmptyPathError,
    EnvOption,
    LineUsageError,
    Path,
    not_empty,
    table_option,
)

if TYPE_CHECKING:  # the proxy (and so mitmproxy, asyncio) is imported only where one runs
    import asyncio

    from vcrproxy.proxy import Proxy, ProxySettings
    from vcrproxy.session import Preloaded

# Signals that stop a session in order (proxy stopped, open WebSocket sessions and pending
# fsyncs written, summary printed) instead of Python's default of dying at once: Ctrl-C (INT), a
# supervisor's or `vcrproxy stop`'s TERM, a closing terminal or ssh session's HUP, and QUIT
# (Ctrl-\, and the graceful stop some supervisors send, as nginx's images do). A wrapped
# command gets the same signal (as from a terminal, or a signal-forwarding init).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
# Exported by --background: JSON of the shell's values of the variables its exports replace or
# unset (the previous session's own, for one started inside another), which `stop` restores.
SAVED_ENV = "VCRPROXY_SAVED_ENV"
# Exported by --background: the session's confdir (where its state file is), for `stop` to find
# it when the start had its own --confdir (the default is another folder).
SESSION_CONFDIR = "VCRPROXY_SESSION_CONFDIR"
MISS_EXIT = 3  # the child succeeded but replay had misses (or, with --strict, left some unused)
BYPASS_EXIT = 4  # the child succeeded but made no request through the proxy (bypass.py)


def ensure_ca(confdir: str) -> tuple[str, str]:
    """vcrproxy.ca.ensure_ca, its error as a one-line click error."""
    try:
        return ca_module.ensure_ca(confdir)
    except ca_module.CAError as e:
        raise click.ClickException(str(e)) from None


# -- shared options ---------------------------------------------------------------------------
def proxy_options(f):
    opts = [table_option(o) for o in OPTIONS if o.cli == "flag"]
    opts.append(click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                             help="Any mitmproxy or vcr_* option, e.g. --set ssl_insecure=true."))
    for opt in reversed(opts):
        f = opt(f)
    return f


# `--set` names whose empty value silently means a default (an unset variable: a CA made in
# the working directory, the default cassette or root, every interface).
_SET_NOT_EMPTY = ("confdir", "vcr_cassette", "vcr_cassette_dir", "listen_host", "web_host")


def _check_sets(ctx: click.Context, sets: tuple[str, ...]) -> None:
    """`--set NAME=VALUE` items that cannot mean what they say are one-line usage errors:
    - an empty value for a _SET_NOT_EMPTY name;
    - `confdir`, which --confdir names (the CA the wrapped command is handed comes from
      --confdir: another one for the proxy breaks its TLS);
    - an option whose flag was typed on the command line with another value (`record C
      --redact --set vcr_redact=false`: the --set, applied last, silently won and wrote the key
      into the cassette)."""
    from vcrproxy.options import BY_NAME

    for spec in sets:
        name, eq, value = spec.partition("=")
        name = name.strip()
        if eq and not value.strip() and name in _SET_NOT_EMPTY:
            raise EmptyPathError(f"--set {name}=: an empty value (an unset variable?)")
        if name == "confdir":
            raise EmptyPathError(f"--set {spec}: name it with --confdir (the command is handed "
                                 f"that CA)")
        opt = BY_NAME.get(name)
        if opt is None or opt.cli != "flag" or opt.key not in ctx.params:
            continue
        if ctx.get_parameter_source(opt.key) is not click.core.ParameterSource.COMMANDLINE:
            continue
        try:
            same = opt.parse(value) == opt.parse(ctx.params[opt.key])
        except ValueError:
            same = False
        if not same:
            raise EmptyPathError(f"--set {spec}: contradicts {opt.flag} on the command line; "
                                 f"give one of them")


@dataclass
class Session:
    cassette: str
    mode: str
    command: tuple[str, ...]
    kw: dict[str, Any]
    # Called with the proxy URL (and with --web the web UI's, else None) once listening.
    on_ready: Callable[[str, str | None], None] | None = None
    background: bool = False  # the detached child of --background (cli/background.py)


def _settings(s: Session) -> ProxySettings:
    from vcrproxy.proxy import ProxySettings

    kw = s.kw
    return ProxySettings(
        cassette=s.cassette,
        mode=s.mode,
        listen_host=kw["host"],
        listen_port=kw["port"],
        confdir=os.path.abspath(os.path.expanduser(kw["confdir"])),
        vcr_options={
            o.name: o.parse(kw[o.key]) for o in ADDON_OPTIONS if o.cli == "flag"
        },
        sets=list(kw["sets"]),
        web=kw["web"],
        web_port=kw["web_port"],
        contentview=False,  # nothing here renders a flow (--web: mitmweb adds the view itself)
    )


@contextlib.contextmanager
def _imports_frozen():
    """For the imports of a session (the proxy's ~500 modules): the cyclic garbage collector
    paused meanwhile, then everything the process holds moved to its permanent generation
    (gc.freeze), which later collections skip. Those modules, the parsed cassette and the
    options live as long as the process; the collector's passes over them were 6% of the
    instructions of `vcrproxy replay x.yaml -- true` (pausing alone only defers the pass). No
    collection first: one over a preloaded 10,000-interaction cassette is what codec._loads
    avoids; the cost is that cyclic garbage left from start-up is never freed (a CLI process:
    little)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if paused:
            gc.enable()


def _precheck(s: Session) -> Preloaded | None:
    """One-line errors before anything starts; the cassette, parsed if it will be replayed."""
    from vcrproxy.modes import plan_for

    decided = plan_for(s.mode, s.cassette)  # the one mode x file-state switch (modes.py)
    if decided.error:
        raise click.ClickException(decided.error)
    if s.command:
        from .command import check_command

        check_command(s.command[0])  # 127 not found, 126 not executable (POSIX shells)
    preloaded = None
    if decided.load:
        with _imports_frozen():
            from vcrproxy.session import preload_cassette

        try:
            preloaded = preload_cassette(s.cassette)  # parsed once: the session takes it over
        except CassetteError as e:
            raise click.ClickException(str(e)) from None
        except OSError as e:
            raise click.ClickException(str(os_error(s.cassette, e))) from None
    _check_faults(s, decided.mode, preloaded)
    return preloaded


def _check_faults(s: Session, mode: str, preloaded: Preloaded | None) -> None:
    """A --fault that can never fire in this session (faults.cannot_fire: an id the cassette
    lacks, a mode that replays nothing...) is a one-line error before anything starts: a fault
    test that passes without its fault cannot fail. (The proxy checks again as it opens the
    cassette, for mitmdump; here it is one line, not a log line and an error.)"""
    items = list(s.kw["fault"])
    repeats = BY_NAME["vcr_allow_repeats"].parse(s.kw["allow_repeats"])
    for item in s.kw["sets"]:  # (--set vcr_fault=... adds to the flag, as in mitmproxy)
        name, _, value = item.partition("=")
        if name.strip() == "vcr_fault":
            items.append(value)
        elif name.strip() == "vcr_allow_repeats":
            with contextlib.suppress(ValueError):
                repeats = BY_NAME["vcr_allow_repeats"].parse(value)
    if not items:
        return
    from vcrproxy.faults import FaultError, cannot_fire, parse_faults

    try:
        wanted = parse_faults(BY_NAME["vcr_fault"].parse(items))
    except FaultError as e:
        raise click.ClickException(str(e)) from None
    loaded = preloaded.cassette.interactions if preloaded is not None else []
    problems = cannot_fire(wanted, s.cassette, mode, loaded, repeats)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise click.ClickException(problems[0][1] + more)


def _not_mitmproxy(record: logging.LogRecord) -> bool:
    return not record.name.startswith("mitmproxy")


def _setup_logging(kw: dict[str, Any]) -> None:
    """Log lines on stderr as `vcrproxy: message` (live.prefixed: once), before anything that
    may log (the cassette's precheck notes a cut-off file)."""
    from .live import PrefixFormatter

    root = logging.getLogger()
    if not root.handlers:  # (as logging.basicConfig: logging set up by a host stays as it is)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(PrefixFormatter())
        root.addHandler(handler)
        root.setLevel(logging.DEBUG if kw["verbose"] else logging.WARNING)
    for handler in root.handlers:
        if not kw["verbose"]:
            # Quiet mitmproxy with a handler filter, not a logger level: Proxy.start must still
            # see its errors (a port in use is only logged), else it waits for its timeout.
            handler.addFilter(_not_mitmproxy)
    # -q: summary only, no per-flow warnings (a MISS is in the summary).
    logging.getLogger("vcrproxy").setLevel(logging.ERROR if kw["quiet"] else logging.NOTSET)


def run_session(s: Session) -> int:
    _setup_logging(s.kw)
    return _serve(s, _precheck(s))


def _serve(s: Session, preloaded: Preloaded | None) -> int:
    """Run the checked session `s` until its command ends or it is stopped; its exit code."""
    import asyncio

    with _imports_frozen():
        from vcrproxy.proxy import ProxyError

    settings = _settings(s)
    ca, bundle = ensure_ca(settings.confdir)
    try:
        return asyncio.run(_run(s, settings, ca, bundle, preloaded))
    except ProxyError as e:
        raise click.ClickException(str(e)) from None


def _no_proxy_unset(kw: dict[str, Any]) -> tuple[str, ...]:
    """What the printed exports unset: NO_PROXY (both cases), unless --keep-no-proxy keeps the
    shell's, as it does a wrapped command's (child_env)."""
    return () if kw["keep_no_proxy"] else NO_PROXY_VARS


def run_background(s: Session) -> int:
    """--background: check and prepare here (one-line errors at once), run the session in a
    detached child, print its exports (and how to stop it) and return."""
    import json

    from . import background

    if s.command:
        raise click.ClickException("--background runs a standalone session: give no COMMAND")
    _setup_logging(s.kw)
    preloaded = _precheck(s)  # the child serves this parse (fork keeps it): not parsed twice
    confdir = os.path.abspath(os.path.expanduser(s.kw["confdir"]))
    ca, bundle = ensure_ca(confdir)
    def child(on_ready: Callable[[str, str | None], None]) -> int:
        return _serve(replace(s, on_ready=on_ready, background=True), preloaded)

    pid, url, web_url = background.start(confdir, child)
    exports = proxy_exports(url, ca, bundle, user_env=os.environ)
    exports["VCRPROXY_PID"] = str(pid)
    exports[SESSION_CONFDIR] = confdir
    unset = _no_proxy_unset(s.kw)
    # What the shell had of the variables these replace or unset, for `vcrproxy stop` to put
    # back (NODE_OPTIONS aside: stop takes only the preload out of it, whatever came since).
    touched = [*exports, *unset, SAVED_ENV]
    exports[SAVED_ENV] = json.dumps({n: os.environ[n] for n in touched
                                     if n in os.environ and n != "NODE_OPTIONS"})
    click.echo(shell_exports(exports, unset=unset))
    click.echo(f"vcrproxy: {s.mode} {s.cassette} on {url} in the background (pid {pid}); "
               'stop it with: eval "$(vcrproxy stop)"', err=True)
    if web_url:  # (the session's own note of it goes to its log, seen only at stop)
        click.echo(f"vcrproxy: web UI: {web_url}", err=True)
    return 0


async def _run(
    s: Session, settings: ProxySettings, ca: str, bundle: str, preloaded: Preloaded | None
) -> int:
    kw = s.kw
    import asyncio

    from vcrproxy.proxy import Proxy

    from .live import LiveLog

    proxy = Proxy(settings, preloaded=preloaded)
    live = LiveLog(quiet=kw["quiet"])
    if not kw["quiet"]:  # -q prints no live lines: no report is built per flow either
        proxy.vcr.listeners.append(live.flow)
    await proxy.start()
    if s.on_ready is not None:
        s.on_ready(proxy.url, proxy.web_url if kw["web"] else None)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[int] = []  # the stop signals, in order

    def on_signal(signum: int) -> None:
        received.append(signum)
        stop.set()

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    code = 0
    ran = True  # else the error is the whole story: no summary of a session that never was
    try:
        if kw["web"]:
            live.note(f"web UI: {proxy.web_url}")
        if s.command:
            env = child_env(proxy.url, ca, bundle, keep_no_proxy=kw["keep_no_proxy"])
            try:
                child = await _spawn(list(s.command), env)
            except OSError as e:  # (what only exec tells: not a program; or gone since the check)
                from .command import exec_error

                ran = False
                raise exec_error(s.command[0], e) from None
            code = await _wait_child(child, stop, received)
        elif s.background:
            live.note(f"{s.mode} {s.cassette} on {proxy.url}, pid {os.getpid()}")
            await stop.wait()
        else:
            live.note(f"{s.mode} {s.cassette} on {proxy.url} - in your shell:")
            exports = proxy_exports(proxy.url, ca, bundle, user_env=os.environ)
            print(shell_exports(exports, unset=_no_proxy_unset(kw)), flush=True)
            live.note("Ctrl-C to stop")
            if not sys.stdout.isatty():
                live.note('runs until stopped: for eval "$(vcrproxy ...)" add --background')
            await stop.wait()
    finally:
        # The handlers stay while the proxy stops and the summary is printed: a second signal
        # (a hangup's HUP then TERM, Ctrl-C twice) must not kill the flush it waits for.
        try:
            await proxy.stop()
            if ran:
                live.summary(proxy.vcr.summary_lines())
        finally:
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)
    if received and not s.command:
        # `vcrproxy stop` exits with a background session's code: the rules of a command that
        # succeeded (a miss, an exchange that failed upstream, --strict's unused ones: 3).
        return _verdict(s, proxy, 0) if s.background else 0
    return _verdict(s, proxy, code)


async def _spawn(command: list[str], env: dict[str, str]):
    """The wrapped command's process; a file exec takes for no program (ENOEXEC: a script
    without `#!`) is run by /bin/sh, as execvp, `env`, `timeout` and shells run it."""
    import asyncio

    from .command import shell_script

    try:
        return await asyncio.create_subprocess_exec(*command, env=env)
    except OSError as e:
        script = shell_script(command, e, env.get("PATH"))
        if script is None:
            raise
        refused = e
    try:
        return await asyncio.create_subprocess_exec(*script, env=env)
    except OSError:
        raise refused from None  # (what exec said of the command itself)


def _verdict(s: Session, proxy: Proxy, code: int) -> int:
    """The exit code after a wrapped command (or a background session, as if its command had
    succeeded): its own, unless it succeeded and the session shows a bypass (BYPASS_EXIT, with
    a command only), a miss, an exchange that failed upstream, a response the client hung up
    on before its end (neither is recorded), or with --strict an unused interaction
    (MISS_EXIT)."""
    from vcrproxy.bypass import check_run

    kw, vcr = s.kw, proxy.vcr
    kept = (next((os.environ[n] for n in NO_PROXY_VARS if os.environ.get(n)), None)
            if kw["keep_no_proxy"] else None)  # (a client reaches its hosts directly)
    bypass = check_run(vcr, s.cassette, s.command, code, kept) if s.command else None
    if bypass and not kw["allow_no_traffic"]:
        click.echo(bypass, err=True)
        if code == 0:
            return BYPASS_EXIT
    if code == 0 and vcr.missed and not kw["allow_misses"]:
        return MISS_EXIT
    stats = [sess.stats for sess in vcr.all_sessions()]
    # Exchanges not recorded (the next replay would miss each), in this order: how many, and
    # what is said of them.
    lost = [
        (sum(st.upstream_failed for st in stats), "exchange(s) failed and were not recorded"),
        (sum(sum(st.abandoned.values()) for st in stats),  # (never sent again)
         "request(s) the client gave up on before any answer, and did not send again, were not "
         "recorded"),
        (sum(st.stopped for st in stats),  # (a client the command left behind, mid-stream)
         "exchange(s) still streaming when the session ended were cut by its end and not "
         "recorded (a client left behind?): let their clients finish before the session ends "
         "while recording"),
        (sum(st.client_cut for st in stats),  # (closed before its final event)
         "response(s) the client stopped reading before their end were not recorded (the next "
         "replay would miss them): let the command read them to the end while recording"),
    ]
    if code == 0 and not kw["allow_misses"]:
        for count, what in lost:
            if count:
                click.echo(f"vcrproxy: {count} {what}", err=True)
                return MISS_EXIT
    unused = sum(len(sess.unused()) for sess in vcr.all_sessions())
    if code == 0 and kw["strict"] and unused:
        click.echo(f"vcrproxy: --strict: {unused} recorded interaction(s) were not used", err=True)
        return MISS_EXIT
    return code


async def _wait_child(
    child: asyncio.subprocess.Process, stop: asyncio.Event, received: list[int]
) -> int:
    """The wrapped command's exit code (128+N if signal N killed it). When the session is told
    to stop (`received`: the STOP_SIGNALS that came), the child gets the first of them, as a
    terminal sends Ctrl-C or a hangup to the whole job (for a `kill -HUP` of vcrproxy alone,
    or a child in its own process group), 10 s to exit, then SIGKILL."""
    import asyncio

    waiter = asyncio.ensure_future(child.wait())
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        # The command's whole tree, as a terminal signals the whole job: a supervisor's or a CI
        # timeout's `kill -TERM` of vcrproxy alone left a launcher's children (`sh -c`, `npm
        # test`) running without their proxy.
        from .command import process_tree, signal_tree

        tree = process_tree(child.pid) if child.returncode is None else []
        signal_tree(tree, received[0] if received else signal.SIGINT)
        deadline = asyncio.get_running_loop().time() + 10
        try:
            await asyncio.wait_for(asyncio.shield(waiter), 10)
        except TimeoutError:
            signal_tree(tree + [p for p in process_tree(child.pid) if p not in tree],
                        signal.SIGKILL)
            await waiter
        # A launcher that died at once leaves its children to init: they get the same 10 s,
        # then the SIGKILL (a worker that ignores SIGTERM would run on without its proxy).
        from .command import still_running

        while (left := still_running(tree[1:])) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        if left:
            signal_tree(left, signal.SIGKILL)
    stopper.cancel()
    rc = child.returncode or 0
    return 128 - rc if rc < 0 else rc  # killed by signal N -> 128+N, like a shell


# -- commands ---------------------------------------------------------------------------------


class _LazyGroup(click.Group):
    """Commands that live in other modules are imported when used (`vcrproxy --help` lists them
    from this table), so each command starts with only what it needs: mitmproxy, the matcher,
    the redaction rules and the show renderers are each most of some command's start-up."""

    LAZY = {  # name -> (module, attribute, one-line help for the listing)
        "show": ("vcrproxy.cli.tools", "show",
                 "Read CASSETTE as the conversation it holds."),
        "check": ("vcrproxy.cli.tools", "check",
                  "Validate CASSETTES and look for unredacted secrets."),
        "redact": ("vcrproxy.cli.tools", "redact",
                   "Scrub secrets from existing CASSETTES in place."),
        "diff": ("vcrproxy.cli.diff", "diff",
                 "What changed from cassette OLD to NEW."),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["vcrproxy.args"] = list(args)  # as typed: invoke's failure path reads them
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """A command whose stdout a shell evals (`eval "$(vcrproxy stop)"`) ends that output,
        when it fails, with `(exit N)`: eval's status is that of the last command it ran, so
        without it a failure (stop's 3 after a replay miss, a background session that could not
        start) would pass a `set -e` script. Usage errors (a bad --pid) included."""
        try:
            return super().invoke(ctx)
        except BaseException as e:
            code = _exit_code(e)
            if code and _evaluated(ctx.meta.get("vcrproxy.args", [])):
                click.echo(f"(exit {code})")
            raise

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY and name not in self.commands:
            import importlib

            module, attr, _ = self.LAZY[name]
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.LAZY and name not in self.commands:
                rows.append((name, self.LAZY[name][2]))
            else:
                cmd = super().get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(formatter.width - 6 - 10)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


EVALUATED = {"stop", "env"}  # stdout is shell code (and the session commands with --background)


def _evaluated(args: list[str]) -> bool:
    """Whether the command line `args` (after `vcrproxy`) prints shell code for eval."""
    words = [a for a in args if not a.startswith("-")]
    name = words[0] if words else ""
    if name in EVALUATED:
        return True
    if name not in ("record", "replay", "run"):
        return False
    own = args[: args.index("--")] if "--" in args else args  # a wrapped command's own flags
    if "--background" in own:
        return True
    try:
        return bool(click.BOOL.convert(os.environ.get(BY_NAME["background"].env) or "0",
                                       None, None))
    except click.BadParameter:
        return False


def _exit_code(e: BaseException) -> int:
    """The exit status the process will have for `e` raised out of a command (click's rules)."""
    if isinstance(e, SystemExit):
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    if isinstance(e, click.exceptions.Exit):
        return e.exit_code
    if isinstance(e, click.ClickException):
        return e.exit_code
    return 1  # click.Abort (Ctrl-C), or a crash


@click.group(cls=_LazyGroup, context_settings=CONTEXT)
@click.version_option(package_name="vcrproxy")
def main() -> None:
    """Record and replay AI API traffic (OpenAI, Anthropic, Gemini, gateways) through a local
    proxy into go-vcr `version: 2` cassettes.

    \b
      vcrproxy record cassettes/chat.yaml -- pytest -q     # record through the real API
      vcrproxy replay cassettes/chat.yaml -- pytest -q     # offline, from the cassette
      vcrproxy replay cassettes/chat.yaml                  # standalone: prints exports
      vcrproxy show cassettes/chat.yaml                    # read it as a conversation
    """
    # A lone surrogate (JSON's "\ud83d": an answer cut mid-emoji) has no UTF-8: every view
    # ended in a UnicodeEncodeError traceback. Written as its escape instead.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _session_command(name: str, mode: str | None, helptext: str):
    @main.command(name, help=helptext, context_settings=CONTEXT)
    @click.argument("cassette", type=Path())  # its file state: modes.plan_for
    @click.argument("command", nargs=-1, type=click.UNPROCESSED)
    @proxy_options
    def cmd(cassette: str, command: tuple[str, ...], **kw: Any) -> None:
        ctx = click.get_current_context()
        if not command and "--" in ctx.find_root().meta.get("vcrproxy.args", []):
            # (`-- $CMD` with CMD unset: a standalone session would wait for Ctrl-C forever)
            raise LineUsageError("nothing after `--`: give the command to run (an unset "
                                   "variable?), or leave `--` out for a standalone session")
        _check_sets(ctx, kw["sets"])
        session = Session(cassette, mode or kw.pop("mode"), command, kw)
        sys.exit(run_background(session) if kw["background"] else run_session(session))

    return cmd


record = _session_command(
    "record", "record",
    "Record every exchange afresh into CASSETTE (overwrites it), around COMMAND or standalone.",
)
replay = _session_command(
    "replay", "replay",
    "Answer only from CASSETTE, never going upstream; a request with no match is an error.",
)
run = _session_command(
    "run", None,
    "Run with --mode (default once: replay if CASSETTE exists, else record).",
)
run = click.option(
    BY_NAME["vcr_mode"].flag, "mode", cls=EnvOption, type=click.Choice(MODES),
    default=Mode.ONCE.value,
    envvar=BY_NAME["vcr_mode"].env, show_default=True,
    help=f"{' | '.join(MODES)}. {BY_NAME['vcr_mode'].help}",
)(run)


@main.command(context_settings=CONTEXT)
@click.option("--port", type=int, required=True, envvar="VCRPROXY_PORT",
              help="Port of a running vcrproxy.")
@click.option("--host", default="127.0.0.1", envvar="VCRPROXY_HOST", show_default=True,
              callback=not_empty)
@click.option("--cassette", "name", default="", callback=not_empty,
              help="Cassette name for this shell's requests.")
@click.option("--mode", type=click.Choice(MODES), default=None,
              help="Mode for that cassette (needs --cassette).")
@click.option("--confdir", type=Path(), default=default_confdir,
              envvar="VCRPROXY_CONFDIR",
              show_default="~/.vcrproxy")
def env(port: int, host: str, name: str, mode: str | None, confdir: str) -> None:
    """Print shell exports for a running proxy: eval "$(vcrproxy env --port N)"."""
    if not 1 <= port <= 65535:  # (0 would be "any port" to a listener: no running proxy)
        raise click.ClickException(f"--port {port}: a running proxy's port is 1 to 65535")
    if name:
        try:  # (every proxy refuses such a name on each request: resolve_cassette_name)
            cassette_name_parts(name)
        except ValueError as e:
            raise EmptyPathError(f"--cassette {name}: a cassette name {e} the proxy's "
                                 f"cassette folder") from None
    if mode and not name:  # (a mode rides on a cassette name in the proxy URL: NAME:MODE)
        raise EmptyPathError(f"--mode {mode}: needs --cassette (the mode is that cassette's)")
    ca, bundle = ensure_ca(os.path.expanduser(confdir))
    click.echo(shell_exports(proxy_exports(proxy_url(host, port, name or None, mode), ca, bundle)))


@main.command(context_settings=CONTEXT)
@click.option("--pid", type=int, envvar="VCRPROXY_PID",
              help="The session to stop (default: $VCRPROXY_PID, else the only one running).")
@click.option("--confdir", type=Path(), default=default_confdir,
              envvar="VCRPROXY_CONFDIR",
              help=f"Where the session's state is (default: ${SESSION_CONFDIR}, exported by "
                   "its start, else $VCRPROXY_CONFDIR or ~/.vcrproxy).")
def stop(pid: int | None, confdir: str) -> None:
    """Stop a `--background` session: eval "$(vcrproxy stop)" also undoes its exports (what
    the shell had before comes back, the rest is unset).

    Its flows and summary go to stderr; the exit code is the session's (3 if replay missed, an
    exchange failed upstream while recording, or --strict found unused interactions), and the
    shell code ends with `(exit N)` when N is not 0, so eval fails too."""
    import shlex

    from vcrproxy.childenv import without_preload

    from . import background

    names = [n for n in proxy_exports("http://x", "", "") if n != "NODE_OPTIONS"]
    # What the start replaced or unset gets the shell's earlier value back, the rest goes. With
    # no session's exports in this shell (a second stop, a fresh terminal), a value that is not
    # ours is the shell's own (a company proxy or CA the first stop put back): it stays.
    saved = _saved_env()
    ours = "VCRPROXY_PID" in os.environ or SAVED_ENV in os.environ
    lines = [f"export {n}={shlex.quote(saved[n])}" if n in saved else f"unset {n}"
             for n in [*names, "VCRPROXY_PID", SESSION_CONFDIR, SAVED_ENV]
             if n in saved or ours or n not in os.environ or _looks_ours(os.environ[n])]
    lines += [f"export {n}={shlex.quote(saved[n])}" for n in NO_PROXY_VARS if n in saved]
    undo = "\n".join(lines)
    # NODE_OPTIONS holds the user's own options too: only the session's preload goes.
    node = os.environ.get("NODE_OPTIONS")
    if node is not None and without_preload(node) != node:
        rest = without_preload(node)
        undo += f"\nexport NODE_OPTIONS={shlex.quote(rest)}" if rest else "\nunset NODE_OPTIONS"
    def show(log: str) -> None:
        for line in log.splitlines():
            if not line.startswith(("export ", "unset ")):
                click.echo(line, err=True)

    try:
        code, log = background.stop(_stop_confdir(confdir, pid), pid)
    except background.SessionGone as e:
        show(e.log)  # what a session that died had logged, before the error line
        click.echo(undo)  # the exports point at no session: undo them all the same
        raise
    show(log)
    click.echo(undo)
    sys.exit(code)  # (_LazyGroup.invoke adds the `(exit N)`)


def _looks_ours(value: str) -> bool:
    """Whether an exported value is surely one a vcrproxy start sets: a path in vcrproxy's
    folder (its CA, bundle, preload). A loopback proxy URL may be the shell's own (cntlm, px
    at 127.0.0.1:3128): left alone."""
    return "vcrproxy" in value


def _stop_confdir(confdir: str, pid: int | None) -> str:
    """Where `stop` looks for the session: --confdir when given on the command line; else the
    folder the session's start exported ($VCRPROXY_SESSION_CONFDIR: a `--background --confdir
    DIR` session lives in DIR, whatever this shell's default is) when it holds the session (or
    no pid names one), else the default ($VCRPROXY_CONFDIR, ~/.vcrproxy)."""
    from click.core import ParameterSource

    from . import background

    confdir = os.path.abspath(os.path.expanduser(confdir))
    exported = os.environ.get(SESSION_CONFDIR) or ""
    source = click.get_current_context().get_parameter_source("confdir")
    if not exported or source is ParameterSource.COMMANDLINE:
        return confdir
    exported = os.path.abspath(os.path.expanduser(exported))
    if pid is None or os.path.exists(
            os.path.join(background.state_dir(exported), f"{pid}.json")):
        return exported
    return confdir


def _saved_env() -> dict[str, str]:
    """The shell's values from before the --background session ($VCRPROXY_SAVED_ENV: only
    variables it replaced or unset); empty when absent or not what --background wrote."""
    import json

    try:
        saved = json.loads(os.environ.get(SAVED_ENV) or "{}")
    except ValueError:
        return {}
    if not isinstance(saved, dict):
        return {}
    return {k: v for k, v in saved.items() if isinstance(k, str) and isinstance(v, str)}


@main.command(context_settings=CONTEXT)
@click.option("--confdir", type=Path(), default=default_confdir,
              envvar="VCRPROXY_CONFDIR",
              show_default="~/.vcrproxy")
@click.option("--bundle", is_flag=True, help="Print the bundle (system roots + our CA) instead.")
def ca(confdir: str, bundle: bool) -> None:
    """Print the path of vcrproxy's CA certificate (created on first use)."""
    cert, bundle_path = ensure_ca(os.path.expanduser(confdir))
    click.echo(bundle_path if bundle else cert)
    if sys.stderr.isatty():
        click.echo(
            "Trust it per process with SSL_CERT_FILE / REQUESTS_CA_BUNDLE / NODE_EXTRA_CA_CERTS "
            f"(vcrproxy sets these for wrapped commands), or system-wide e.g.\n  sudo cp {cert} "
            "/usr/local/share/ca-certificates/vcrproxy.crt && sudo update-ca-certificates",
            err=True,
        )



def __getattr__(name: str):
    """`from vcrproxy.cli.main import show` (and check, redact, diff) still works."""
    if name in _LazyGroup.LAZY:
        return main.get_command(click.Context(main), name)
    raise AttributeError(name)

__all__ = ["main"]
