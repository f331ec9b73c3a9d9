"""A client that bypassed the proxy must not pass silently.

When a wrapped command ends (or a test using the pytest fixture finishes), what the proxy saw is
compared with what the cassette expects: a replay cassette holding interactions while no request
came through, or a recording session that saw no request at all, means the client talked to the
network (or to nothing) directly. `diagnose` then writes one paragraph naming the likely cause for
the runtime that ran and what to do; the CLI exits with BYPASS_EXIT (distinct from a miss).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence

BYPASS_EXIT = 4  # the command succeeded, but nothing it did went through the proxy

NODE_NAMES = {"node", "nodejs", "npm", "npx", "pnpm", "yarn", "tsx", "ts-node", "vitest", "jest",
              "mocha", "corepack"}
PYTHON_NAMES = {"pytest", "uv", "poetry", "pdm", "hatch", "tox", "nox", "pip"}
JAVA_NAMES = {"java", "mvn", "mvnw", "gradle", "gradlew", "sbt", "kotlin", "jbang"}

CAUSES = {
    "node-old": (
        "Node {version}'s built-in fetch (used by the openai npm package and the Vercel AI SDK) "
        "ignores HTTPS_PROXY before Node 24. Run `npm install --save-dev undici` in the project: "
        "vcrproxy's preload (NODE_OPTIONS --require) then routes fetch through undici's "
        "EnvHttpProxyAgent; or use Node >= 24."
    ),
    "node-old-https": (
        "Node {version}'s http and https modules (node:https, got, node-fetch 2, an SDK's own "
        "agent) ignore HTTPS_PROXY before Node 24, and vcrproxy's preload routes only fetch "
        "(through the project's undici): give the client a proxy agent (global-agent's "
        "bootstrap, https-proxy-agent) or use Node >= 24."
    ),
    "node-old-undici": (
        "Node {version}'s built-in fetch (used by the openai npm package and the Vercel AI SDK) "
        "ignores HTTPS_PROXY before Node 24, and the project's undici, which vcrproxy's preload "
        "would route it through, {why}: install an undici release made for this Node (see its "
        "package.json `engines`) or use Node >= 24."
    ),
    "node": (
        "Node >= 24 honours HTTPS_PROXY only with NODE_USE_ENV_PROXY=1 (vcrproxy sets it): check "
        "that the client does not bring its own agent or dispatcher, and that the command did "
        "not replace NODE_OPTIONS or the proxy variables."
    ),
    "go": (
        "Go's net/http never proxies requests to localhost or loopback addresses (127.0.0.1, "
        "::1), whatever NO_PROXY says, and a Transport without `Proxy: "
        "http.ProxyFromEnvironment` ignores HTTPS_PROXY. Point the client at a hostname (the "
        "real API host works: replay needs no DNS) or set `Transport.Proxy` explicitly."
    ),
    "python": (
        "A Python client built with `trust_env=False`, or given its own proxy or transport "
        "(e.g. `httpx.Client(proxy=None)`, `requests` with `proxies=`), ignores HTTPS_PROXY: "
        "let it read the environment, or pass `proxy=os.environ['HTTPS_PROXY']`."
    ),
    "java": (
        "Java ignores HTTPS_PROXY: run it with `JAVA_TOOL_OPTIONS=\"-Dhttps.proxyHost=HOST "
        "-Dhttps.proxyPort=PORT\"` (from $HTTPS_PROXY) and trust vcrproxy's CA (`vcrproxy ca`) "
        "in a truststore."
    ),
}


def _program(command: Sequence[str]) -> tuple[str, str | None]:
    """(basename, resolved path) of the program a command runs, skipping `env A=B`."""
    argv = list(command)
    while argv and (os.path.basename(argv[0]) == "env" or "=" in argv[0]):
        argv = argv[1:]
    if not argv:
        return "", None
    path = shutil.which(argv[0])
    return os.path.basename(argv[0]).lower(), path


def _has_undici(start: str | None = None) -> bool:
    """Whether `undici` resolves from `start` (the current folder) up, as Node's require
    would find it (node_modules/undici in it or a parent)."""
    folder = os.path.abspath(start or os.getcwd())
    while True:
        if os.path.isdir(os.path.join(folder, "node_modules", "undici")):
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent


# Loads the project's undici as the preload does (from the current folder) and says whether it
# can route fetch: "ok", or why not.
_UNDICI_PROBE = """
try {
  const u = require('module').createRequire(require('path').join(process.cwd(), 'x'))('undici');
  process.stdout.write(typeof u.EnvHttpProxyAgent === 'function' ? 'ok'
    : 'has no EnvHttpProxyAgent (too old)');
} catch (e) {
  const why = e && e.message ? `${e.name || 'Error'}: ${e.message}` : String(e);
  process.stdout.write(`could not be loaded (${why.split('\\n')[0]})`);
}
"""


def _undici_problem(node: str | None) -> str | None:
    """Why the project's undici (present: `_has_undici`) cannot route fetch on `node` (one
    that does not load there, as undici 8 on Node 20, or one too old), or None."""
    node = node or shutil.which("node")
    if not node:
        return None
    env = {k: v for k, v in os.environ.items() if k != "NODE_OPTIONS"}  # (no preload of ours)
    try:
        got = subprocess.run([node, "-e", _UNDICI_PROBE], capture_output=True, text=True,
                             timeout=10, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    why = got.stdout.strip()
    return None if not why or why == "ok" else why


def _is_go_binary(path: str | None) -> bool:
    """A Go executable carries its build ID in a note near the start of the file."""
    if not path:
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return False
    return head[:4] == b"\x7fELF" and b"Go build" in head


def node_version(node: str | None = None) -> str | None:
    node = node or shutil.which("node")
    if not node:
        return None
    try:
        got = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.match(r"v(\d+\.\d+\.\d+)", got.stdout.strip())
    return m.group(1) if m else None


def runtime_of(command: Sequence[str] | None) -> tuple[str, str | None, str | None]:
    """(runtime, version, why): node-old / node-old-https / node-old-undici (`why` its undici
    cannot be used) / node / go / python / java / "" from the command line."""
    if not command:
        return "", None, None
    name, path = _program(command)
    if name in NODE_NAMES or name.startswith("node"):
        node = path if name.startswith("node") else None
        version = node_version(node)
        if version and int(version.split(".")[0]) < 24:
            # (With a usable undici in the project the preload routes fetch already: what
            # bypassed is then the http/https modules, which no preload of ours can route.)
            if not _has_undici():
                return "node-old", version, None
            why = _undici_problem(node)
            return ("node-old-undici" if why else "node-old-https"), version, why
        return "node", version, None
    if name == "go" or _is_go_binary(path):
        return "go", None, None
    if name.startswith("python") or name in PYTHON_NAMES:
        return "python", None, None
    if name in JAVA_NAMES or name.startswith("java"):
        return "java", None, None
    return "", None, None


def expects_traffic(mode: str, interactions: int) -> bool:
    """Would a run in `mode` (effective: once resolved) that sent no request be suspicious?"""
    if mode == "replay":
        return interactions > 0
    return mode in ("record", "new-episodes")


def diagnose(
    *,
    mode: str,
    cassette: str,
    interactions: int,
    requests: int,
    clients: int = 0,
    command: Sequence[str] | None = None,
    runtime: str | None = None,
    subject: str = "the command",
    kept_no_proxy: str | None = None,
    footer: str = (f"(exit code {BYPASS_EXIT}; a run that makes no request on purpose can use "
                   "--allow-no-traffic)"),
) -> str | None:
    """One paragraph if the session saw no request though it expected some, else None.

    `requests`: HTTP requests that reached the proxy (for this cassette, or in all); `clients`:
    client connections it accepted; `runtime`: given, or guessed from `command`; `subject` and
    `footer` word it for the caller (the CLI, or one test of the pytest plugin);
    `kept_no_proxy`: the NO_PROXY `--keep-no-proxy` left the command, the first suspect.
    """
    if requests or not expects_traffic(mode, interactions):
        return None
    version = why = None
    if runtime is None:
        runtime, version, why = runtime_of(command)
    if mode == "replay":
        what = (f"made no request through the proxy, though {cassette} holds {interactions} "
                f"interaction{'s' if interactions != 1 else ''} to replay")
    else:
        what = f"made no request through the proxy, so nothing was recorded into {cassette}"
    if clients:
        cause = (
            "A client connected but sent no request the proxy could read: it most likely does "
            "not trust vcrproxy's CA (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS... are set for the "
            "command; a client with its own CA list needs `vcrproxy ca`)."
        )
    elif runtime in CAUSES:
        cause = "Likely cause: " + CAUSES[runtime].format(version=version or "< 24",
                                                          why=why or "cannot be used")
    else:
        cause = "Likely causes: " + " ".join(
            CAUSES[k].format(version="< 24") for k in ("node-old", "go", "python", "java")
        )
    if kept_no_proxy and not clients:
        cause = (f"Likely cause: --keep-no-proxy kept NO_PROXY={kept_no_proxy}, and clients "
                 "reach the hosts it lists directly: leave --keep-no-proxy out, or take the "
                 "API's host out of NO_PROXY. Else: " + cause.split(": ", 1)[1])
    return (
        f"vcrproxy: {subject} {what}: its client bypassed the proxy (talking to the network "
        f"directly, if it could). {cause} {footer}"
    )


def check_run(vcr, cassette: str, command: Sequence[str] | None, code: int = 0,
              kept_no_proxy: str | None = None) -> str | None:
    """`diagnose` for a wrapped command's run: the proxy-wide request and client counts against
    the session of its default cassette `cassette` (None when that never opened). `code`: the
    command's exit code; when it failed, that is the run's code, not BYPASS_EXIT, and the
    paragraph says so (a bypass may be why it failed, so it is still told). `kept_no_proxy`:
    the NO_PROXY `--keep-no-proxy` kept for the command."""
    path = os.path.realpath(cassette)  # (sessions are keyed by real path)
    sess = next((s for s in vcr.all_sessions() if s.path == path), None)
    if sess is None:
        return None
    if kept_no_proxy and sess.mode == "replay" and not _lists_any(
            kept_no_proxy, sess.loaded_interactions()):
        kept_no_proxy = None  # (it names none of the hosts the cassette replays)
    return diagnose(
        mode=sess.mode,
        cassette=cassette,
        interactions=len(sess.cassette.interactions) - sess.stats.recorded,
        requests=vcr.gate.requests,
        clients=vcr.gate.clients,
        command=command,
        kept_no_proxy=kept_no_proxy,
        **({} if code == 0 else {"footer": f"(the command's own exit code {code} is returned)"}),
    )


def _lists_any(no_proxy: str, interactions) -> bool:
    """Whether `no_proxy` (a NO_PROXY value) sends a client to any host of `interactions`
    directly, as Python's urllib reads it (suffixes, `*`, an optional port); True when no host
    can be told (a cassette that names none: the NO_PROXY stays a suspect)."""
    from urllib.parse import urlsplit
    from urllib.request import proxy_bypass_environment

    hosts = set()
    for i in interactions:
        try:
            parts = urlsplit(i.request.url)
            host = parts.hostname
            port = parts.port
        except ValueError:
            continue
        if host:
            hosts.add(f"{host}:{port}" if port else host)
    return not hosts or any(proxy_bypass_environment(h, {"no": no_proxy}) for h in hosts)


PLUGIN_WORDS = {"subject": "the test",
                "footer": "(a test that makes no request on purpose need not use the fixture)"}


def check_session(sess, mode: str, path: str) -> str | None:
    """`diagnose` for one test's cassette (pytest plugin), for any runtime the test ran. `sess`
    is None when no request ever named the cassette; then its file decides what was expected."""
    if sess is not None:
        st = sess.stats
        seen = max(st.replayed + st.recorded + len(st.missed) + st.failed, st.requests)
        interactions = len(sess.cassette.interactions) - st.recorded
        return diagnose(mode=sess.mode, cassette=path, interactions=interactions, requests=seen,
                        runtime="", **PLUGIN_WORDS)
    from .modes import plan_for

    decided = plan_for(mode, path)
    if decided.error:
        return None
    interactions = 0
    if decided.load:
        from .yamlio import load_cassette

        try:
            interactions = len(load_cassette(path).interactions)
        except Exception:  # noqa: BLE001 - a broken file is reported elsewhere
            return None
    return diagnose(mode=decided.mode, cassette=path, interactions=interactions, requests=0,
                    runtime="", **PLUGIN_WORDS)
