"""pytest plugin (registered through the `pytest11` entry point): a cassette per test.

One proxy per pytest process (per xdist worker) serves every test; each test names its own
cassette in the proxy URL it is given (`http://<cassette>:<mode>@127.0.0.1:PORT`), so tests in
parallel never share a "current cassette". Use the `vcrproxy` fixture::

    def test_chat(vcrproxy):
        client = openai.OpenAI()  # HTTPS_PROXY and the CA variables are set for this test
        ...

    @pytest.mark.vcrproxy(mode="replay", cassette="shared/chat.yaml")
    def test_other(vcrproxy): ...

    @pytest.mark.vcrproxy(fault="status:429@1")  # the first request gets a 429, the retry the
    def test_retry(vcrproxy): ...                  # recording (see vcrproxy.faults)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from typing import NoReturn

import pytest

from . import options
from .faults import parse_faults
from .options import MODES

MARKER = "vcrproxy"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vcrproxy", "record/replay AI API traffic through vcrproxy")
    group.addoption(
        "--vcrproxy-mode",
        choices=MODES,
        default=None,
        help="Cassette mode for every test (default: $VCRPROXY_MODE or once), like "
        "pytest-recording's --record-mode.",
    )
    group.addoption(
        "--vcrproxy-dir",
        default=None,
        help="Cassette root (default: <rootdir>/cassettes); a test's cassette is "
        "<root>/<test module>/<test name>.yaml.",
    )
    group.addoption(
        "--vcrproxy-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="A mitmproxy or vcr_* option for the proxy, e.g. vcr_pace=recorded.",
    )
    parser.addini("vcrproxy_mode", "Default cassette mode.", default="")
    parser.addini("vcrproxy_dir", "Cassette root, relative to rootdir.", default="")
    parser.addini("vcrproxy_set", "mitmproxy / vcr_* options, one NAME=VALUE per line.",
                  type="linelist", default=[])
    # Every vcr_* option also as an ini key (vcrproxy_match_on, ...); its VCRPROXY_* variable
    # wins over the ini file, --vcrproxy-set over both.
    for opt in _ini_options():
        kind = "linelist" if opt.is_list else "bool" if opt.type is bool else "string"
        parser.addini(_ini_key(opt), opt.help, type=kind, default=None)


def _ini_options() -> list[options.Option]:
    return [o for o in options.ADDON_OPTIONS if o.cli == "flag" and o.name != "vcr_cassette_dir"]


def _ini_key(opt: options.Option) -> str:
    return "vcrproxy_" + opt.key


def _table_options(config: pytest.Config) -> dict[str, object]:
    """vcr_* values from the ini file, then the environment (VCRPROXY_*)."""
    values: dict[str, object] = {}
    for opt in _ini_options():
        value = config.getini(_ini_key(opt))
        if value not in (None, [], ""):
            values[opt.name] = opt.parse(value)
    try:
        values.update(
            (k, v) for k, v in options.from_environ().items() if k != "vcr_cassette_dir"
        )
    except ValueError as e:
        raise pytest.UsageError(f"vcrproxy: {e}") from None
    return values


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(mode=None, cassette=None, fault=None): cassette mode and/or file (relative "
        "to the cassette root) for this test; fault: replay fault(s) KIND[:ARG][@WHICH], "
        "e.g. fault='status:429@1' or fault=['reset@1', 'delay:200'].",
    )
    _root(config)  # (a bad --vcrproxy-dir is a usage error at start, not in every test)
    _mode(config)  # (and a bad VCRPROXY_MODE or vcrproxy_mode)
    config.stash[_OPTIONS] = _proxy_options(config)  # (and a bad option)


# Where the plugin keeps the proxy's options, checked once at start (_proxy_options).
_OPTIONS = pytest.StashKey[tuple[dict[str, object], list[str], dict[str, str]]]()

# vcr_* options the plugin sets itself, from its own flags and the markers: not for --set.
_OWN = {"vcr_mode": "--vcrproxy-mode (or a marker's mode=)",
        "vcr_cassette": "a marker's cassette= (each test has its own cassette)",
        "vcr_cassette_dir": "--vcrproxy-dir (or the vcrproxy_dir ini key)"}


def _proxy_options(config: pytest.Config) -> tuple[dict[str, object], list[str], dict[str, str]]:
    """(vcr_* values from the ini file and the environment, mitmproxy `--set` items, vcr_*
    items of --vcrproxy-set / vcrproxy_set): checked here, at start, where a bad one is one
    usage line (raised in the session fixture it was a traceback in every test). Raises
    pytest.UsageError."""
    table = _table_options(config)
    sets = list(config.getini("vcrproxy_set")) + config.getoption("--vcrproxy-set")
    vcr_options: dict[str, str] = {}
    for item in list(sets):
        name, sep, value = item.partition("=")
        if not (sep and name.startswith("vcr_")):
            continue
        if name in _OWN:
            raise pytest.UsageError(f"vcrproxy: --vcrproxy-set {name}: the plugin sets it; use "
                                    f"{_OWN[name]}")
        opt = options.BY_NAME.get(name)
        if opt is None or not opt.addon:
            raise pytest.UsageError(f"vcrproxy: --vcrproxy-set {name}: no such option")
        try:
            opt.parse(value)
        except ValueError as e:
            raise pytest.UsageError(f"vcrproxy: --vcrproxy-set {e}") from None
        vcr_options[name] = value
        sets.remove(item)
    return table, sets, vcr_options


def _mode(config: pytest.Config) -> str:
    """The run's mode: --vcrproxy-mode, $VCRPROXY_MODE, the vcrproxy_mode ini key, else once.
    Raises pytest.UsageError for an unknown one (checked at start, by pytest_configure)."""
    mode = (
        config.getoption("--vcrproxy-mode")
        or os.environ.get("VCRPROXY_MODE")
        or config.getini("vcrproxy_mode")
        or "once"
    )
    if mode not in MODES:
        raise pytest.UsageError(f"vcrproxy: unknown mode {mode!r} (use {', '.join(MODES)})")
    return mode


def _root(config: pytest.Config) -> str:
    if config.getoption("--vcrproxy-dir") == "":  # (an unset variable: not the default root)
        raise pytest.UsageError("--vcrproxy-dir: an empty path (an unset variable?)")
    root = config.getoption("--vcrproxy-dir") or config.getini("vcrproxy_dir") or "cassettes"
    return os.path.abspath(os.path.join(str(config.rootpath), root))


def _cannot_start(config: pytest.Config, message: str) -> NoReturn:
    """End the run with `message` (one line, pytest's usage-error exit 4): the proxy cannot
    start, so no test using it can run. (A pytest.UsageError raised in the session fixture was
    an ERROR with the plugin's traceback in every such test, and the run went on.) The CA and
    the proxy start on first use, not in pytest_configure: a run that uses no cassette creates
    no CA. An xdist worker cannot end the run (pytest.exit there is an INTERNALERROR in the
    controller): its tests each fail at setup with the one line instead."""
    if hasattr(config, "workerinput"):
        raise pytest.fail.Exception(message, pytrace=False) from None  # (no chained traceback)
    raise pytest.exit.Exception(message, returncode=pytest.ExitCode.USAGE_ERROR) from None


_RUN_KEY = "vcrproxy_record_run"  # workerinput: the token of the pytest run's record run
_RUN = pytest.StashKey[object]()  # the controller's store.RecordRun


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist controller, per worker: the token of one record run (store.RecordRun) that
    this process holds for the whole pytest run, which every worker's proxy joins. Each worker
    has its own proxy; without it, a worker that had finished (its proxy stopped, its run
    over) before another worker's first write to a cassette they share had its recordings in
    it replaced (record mode starts a file afresh unless a live run of its own started it)."""
    config = node.config
    if _mode(config) == options.Mode.REPLAY:
        return  # (a replay run's proxies record nothing)
    if _RUN not in config.stash:
        from vcrproxy.store import RecordRun

        config.stash[_RUN] = RecordRun()
    token = config.stash[_RUN].token()  # type: ignore[attr-defined]
    if token is not None:
        node.workerinput[_RUN_KEY] = token


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(_RUN, None)
    if run is not None:
        run.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def vcrproxy_server(pytestconfig: pytest.Config):
    """The proxy shared by this process's tests (started on first use)."""
    from vcrproxy.ca import CAError, default_confdir, ensure_ca
    from vcrproxy.proxy import BackgroundProxy, ProxyError, ProxySettings
    from vcrproxy.vcr import VCR

    root = _root(pytestconfig)
    confdir = default_confdir()
    try:
        ca, bundle = ensure_ca(confdir)
    except CAError as e:
        _cannot_start(pytestconfig, f"vcrproxy: {e}")
    table, sets, vcr_options = pytestconfig.stash[_OPTIONS]
    # Every test names its cassette and mode in its proxy URL; requests that name none (not
    # routed by the fixture) just pass through. A run in replay mode (CI, offline) gets a proxy
    # started for replay instead, closed to upstream whatever a client's URL names (a client
    # that drops the URL's credentials, a marker asking to record): its unnamed requests meet
    # an empty cassette of its own, outside the cassette root, and are misses.
    unnamed = None
    if _mode(pytestconfig) == options.Mode.REPLAY:
        unnamed = tempfile.mkdtemp(prefix="vcrproxy-")
        cassette = os.path.join(unnamed, "unnamed.yaml")
        with open(cassette, "w", encoding="utf-8") as f:
            f.write("---\nversion: 2\ninteractions: []\n")
        mode = options.Mode.REPLAY.value
    else:
        cassette, mode = os.path.join(root, "_unnamed.yaml"), options.Mode.PASSTHROUGH.value
    settings = ProxySettings(
        cassette=cassette,
        mode=mode,
        confdir=confdir,
        vcr_options={**table, "vcr_cassette_dir": root},
        sets=sets + [f"{k}={v}" for k, v in vcr_options.items()],
    )
    try:
        vcr = VCR(check_faults=False)
        # An xdist worker's proxy records for the whole pytest run, not only its own life: a
        # cassette another worker (maybe done and gone by now) started afresh in this run is
        # added to, not started afresh again (pytest_configure_node).
        vcr.registry.run.join(getattr(pytestconfig, "workerinput", {}).get(_RUN_KEY))
        try:
            # (vcr_fault here is for every test's cassette, not checked against the stray one)
            server = BackgroundProxy(settings, vcr).start()
        except ProxyError as e:
            _cannot_start(pytestconfig, f"vcrproxy: {e}")
        server.ca_cert, server.ca_bundle = ca, bundle  # type: ignore[attr-defined]
        yield server
        server.stop()
    finally:
        if unnamed is not None:
            shutil.rmtree(unnamed, ignore_errors=True)


@dataclass
class VcrproxyHandle:
    """What a test gets: its cassette, mode, proxy URL and the environment for subprocesses."""

    cassette: str
    name: str
    mode: str
    url: str
    ca_cert: str
    ca_bundle: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def proxies(self) -> dict[str, str]:
        return {"http://": self.url, "https://": self.url}


_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
NAME_MAX = 255  # bytes in one file name (POSIX NAME_MAX on Linux and macOS; ext4, APFS, tmpfs)
_HASH_HEX = 16  # 64 bits of sha256: no two ids of one test meet by chance


def cassette_name(node: pytest.Item) -> str:
    """`<module>/[<class>/]<test name>.yaml`, relative to the cassette root: the test's name
    with characters other than `A-Za-z0-9_.-` replaced by `-`. A part longer than a file name
    may be (NAME_MAX bytes; a parametrize id such as a whole prompt) keeps its readable start
    and ends in `-` + 16 hex digits of the SHA-256 of the whole part (the test name as pytest
    spells it), so it is deterministic, unique, and a name that fits is the same as ever."""
    module = os.path.splitext(os.path.basename(str(node.path)))[0]
    parts = [_fit(module, module, "")]
    cls = getattr(node, "cls", None)  # (a doctest item has none)
    if cls is not None:
        parts.append(_fit(cls.__name__, cls.__name__, ""))
    name = node.name
    from vcrproxy.redaction import redact_text

    shown = redact_text(name)
    if shown != name:
        # A parametrize id holding a key (test_chat[openai-sk-proj-...]): a file name is
        # committed like content. Masked, and told apart from its siblings by a hash of the id.
        shown = f"{shown}-{_digest(name)}"
    parts.append(_fit(_SAFE.sub("-", shown).strip("-"), name, ".yaml"))
    return "/".join(parts)


_NAMES = pytest.StashKey[dict]()  # cassette name -> the test id that got it (this session)


def _own_name(request: pytest.FixtureRequest) -> str:
    """cassette_name, refused for a second test that would share it: `test[a b]` and
    `test[a-b]` differ only in characters a file name cannot hold (renaming either would lose
    existing cassettes), and the second one would replay the first one's recording."""
    name = cassette_name(request.node)
    first = request.config.stash.setdefault(_NAMES, {}).setdefault(name, request.node.nodeid)
    if first == request.node.nodeid:
        first = _claim_across_workers(request.config, name, first)
    if first != request.node.nodeid:
        pytest.fail(f"vcrproxy: {request.node.nodeid} would share the cassette {name} with "
                    f"{first}: give one its own, @pytest.mark.vcrproxy(cassette=...)",
                    pytrace=False)
    return name


def _claim_across_workers(config: pytest.Config, name: str, nodeid: str) -> str:
    """Under pytest-xdist, the test that first took cassette `name` in this run, whichever
    worker ran it (each worker's stash sees its own tests only: two colliding names on two
    workers both passed, sharing one file). A file per name, made once, in a per-user folder
    of the run (xdist's testrunuid); `nodeid` when there is no such run or folder."""
    from vcrproxy.store import lease_folder

    run = getattr(config, "workerinput", {}).get("testrunuid")
    folder = lease_folder("claims") if run else None
    if folder is None:
        return nodeid
    try:
        folder = os.path.join(folder, str(run))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        path = os.path.join(folder, _digest(f"{_root(config)}\0{name}"))
        temp = f"{path}.{os.getpid()}"
        with open(temp, "w", encoding="utf-8") as f:
            f.write(nodeid)
        try:
            os.link(temp, path)  # (whole or not at all: a reader never sees it half written)
        except FileExistsError:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read() or nodeid
        finally:
            os.unlink(temp)
    except OSError:
        pass
    return nodeid


def _fit(stem: str, whole: str, suffix: str) -> str:
    """`stem + suffix` if it fits in NAME_MAX UTF-8 bytes, else its start, `-`, a hash of
    `whole` and `suffix` (cut at a character, never inside a multi-byte one)."""
    if len((stem + suffix).encode("utf-8", "surrogatepass")) <= NAME_MAX:
        return stem + suffix
    room = NAME_MAX - len(suffix) - 1 - _HASH_HEX
    start = stem.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
    return f"{start.rstrip('-')}-{_digest(whole)}{suffix}"


def _digest(whole: str) -> str:
    """_HASH_HEX hex digits of the SHA-256 of `whole` (a test's name as pytest spells it)."""
    return hashlib.sha256(whole.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_HEX]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test with the marker gets the fixture even if it does not name it (a module's
    `pytestmark`, a class's marker): without it the test talked to the real API and passed."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is not None and "vcrproxy" not in names and item.get_closest_marker(MARKER):
            names.append("vcrproxy")


_MARKER_KEYS = ("mode", "cassette", "fault")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"_vcrproxy_rep_{report.when}", report)


@pytest.fixture
def vcrproxy(request: pytest.FixtureRequest, vcrproxy_server, monkeypatch) -> VcrproxyHandle:
    """Route this test's HTTP(S) through vcrproxy into its own cassette."""
    from vcrproxy.cassette import CassetteError
    from vcrproxy.childenv import NO_PROXY_VARS, proxy_exports, proxy_url
    from vcrproxy.vcr import resolve_cassette_name

    # Every level's marker, the closest winning per argument (a module's mode='replay' and a
    # test's own cassette= combine: with the closest alone the module's mode was lost).
    markers = list(request.node.iter_markers(MARKER))
    kwargs: dict[str, object] = {}
    for marker in reversed(markers):
        kwargs.update(marker.kwargs)
    unknown = [repr(a) for marker in markers for a in marker.args]
    unknown += [f"{k}=" for k in kwargs if k not in _MARKER_KEYS]
    if unknown:  # (a misspelt mode= left the test recording upstream in the default mode)
        pytest.fail(f"vcrproxy marker: unknown argument(s) {', '.join(unknown)} (it takes "
                    f"{', '.join(k + '=' for k in _MARKER_KEYS)})", pytrace=False)
    if kwargs.get("mode") == "":  # (an unset variable: not the run's default mode)
        pytest.fail("vcrproxy marker: mode='': an empty mode (an unset variable?)", pytrace=False)
    mode = kwargs.get("mode") or _mode(request.config)
    # A wrong marker fails its own test's setup in one line (no traceback through the plugin),
    # as the shared-name refusal does.
    if mode not in MODES:
        pytest.fail(f"vcrproxy marker: unknown mode {mode!r} (use {', '.join(MODES)})",
                    pytrace=False)
    if kwargs.get("cassette") == "":  # (an unset variable: not the default cassette)
        pytest.fail(f"vcrproxy marker: cassette={kwargs['cassette']!r}: an empty cassette name "
                    f"(an unset variable?)", pytrace=False)
    cassette = kwargs.get("cassette")
    if isinstance(cassette, os.PathLike):  # (Path('shared') / 'chat.yaml')
        cassette = os.fspath(cassette)
    if cassette is not None and not isinstance(cassette, str):
        pytest.fail(f"vcrproxy marker: cassette={cassette!r}: expected a name (str or path)",
                    pytrace=False)
    name = cassette or _own_name(request)
    wanted = kwargs.get("fault") or ()
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    try:
        parse_faults(wanted)
    except ValueError as e:
        pytest.fail(f"vcrproxy marker: {e}", pytrace=False)
    vcr = vcrproxy_server.vcr
    try:
        path = resolve_cassette_name(_root(request.config), name)
    except CassetteError as e:
        pytest.fail(f"vcrproxy marker: {e}", pytrace=False)
    proxy = vcrproxy_server.proxy
    url = proxy_url(proxy.host, proxy.port, name, mode, wanted)
    env = proxy_exports(url, vcrproxy_server.ca_cert, vcrproxy_server.ca_bundle)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in NO_PROXY_VARS:
        monkeypatch.delenv(key, raising=False)
    handle = VcrproxyHandle(
        cassette=path,
        name=name,
        mode=mode,
        url=url,
        ca_cert=vcrproxy_server.ca_cert,
        ca_bundle=vcrproxy_server.ca_bundle,
        env=dict(os.environ),
    )
    errors_before = vcrproxy_server.call(lambda: len(vcr.errors))
    yield handle
    # Flush and forget this test's cassette; report its misses, or a client that bypassed it.
    from .bypass import check_session

    sess = vcrproxy_server.call(vcr.sessions.get, path)
    # A response the client already has may still be being written (off the proxy's loop).
    deadline = time.monotonic() + 120
    while sess is not None and vcrproxy_server.call(getattr, sess, "pending") > 0:
        if time.monotonic() > deadline:
            break
        time.sleep(0.005)
    misses = vcrproxy_server.call(vcr.release, path)
    # Requests the proxy could not give this cassette to (a replay run, a cassette never
    # recorded: each answered 400): a test that tolerates API errors must not pass on them.
    refused = [e for e in vcrproxy_server.call(lambda: list(vcr.errors[errors_before:]))
               if path in e]
    call_report = getattr(request.node, "_vcrproxy_rep_call", None)
    passed = call_report is None or call_report.passed
    failed = vcrproxy_server.call(getattr, sess.stats, "upstream_failed") if sess else 0
    if failed and passed:  # (as `vcrproxy record -- CMD` exits 3: nothing recorded for them)
        refused.append(f"{failed} exchange(s) failed upstream and were not recorded")
    gave_up = vcrproxy_server.call(lambda: sum(sess.stats.abandoned.values())) if sess else 0
    if gave_up and passed:  # (an attempt the test's client gave up on and never retried)
        refused.append(f"{gave_up} request(s) the client gave up on before any answer, and "
                       "did not send again, were not recorded")
    cut = vcrproxy_server.call(getattr, sess.stats, "client_cut") if sess else 0
    if cut and passed:  # (a stream the test stopped reading early: nothing recorded either)
        refused.append(f"{cut} response(s) the client stopped reading before their end were "
                       "not recorded (the next replay would miss them)")
    if refused and passed:
        pytest.fail(f"vcrproxy: {path}:\n" + "\n".join(dict.fromkeys(refused)), pytrace=False)
    if misses and passed:
        # (a miss, or a fault of the marker's that could not or did not fire: each says which)
        pytest.fail(f"vcrproxy: {path}:\n" + "\n".join(misses), pytrace=False)
    bypass = check_session(sess, mode, path) if passed else None
    if bypass:
        pytest.fail(bypass, pytrace=False)
