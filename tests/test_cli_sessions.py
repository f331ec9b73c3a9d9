"""`vcrproxy record|replay|run` as real processes wrapping real commands (curl, the openai SDK,
shells), against the real fake gateway: the child's environment, exit codes, live lines, the
summary, Ctrl-C, standalone mode and the user-facing errors on the real stderr."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from fakegateway import FakeGateway

from vcrproxy import load_cassette

REPO = Path(__file__).resolve().parent.parent
VERCEL = REPO / "cassettes" / "vercel-gateway-claude-simple-streaming.yaml"
BIN = Path(sys.executable).parent
VCRPROXY = str(BIN / "vcrproxy")
KEY = "sk-test-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa9876"  # fake, 40 chars after the prefix
TIMEOUT = 60
PROXY_URL = re.compile(r"^http://127\.0\.0\.1:(\d+)$")
SUMMARY = re.compile(
    r"^vcrproxy: (?P<path>.+): mode (?P<mode>[a-z-]+), replayed (?P<replayed>\d+), "
    r"recorded (?P<recorded>\d+), missed (?P<missed>\d+), failed (?P<failed>\d+), "
    r"unused (?P<unused>\d+)$"
)
CLEARED = (
    "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
)


def live_line(kind: str, method: str, url: str, status: int, size: str) -> re.Pattern[str]:
    """The line per flow: kind, method, URL, status, ttfb, total, size."""
    return re.compile(
        rf"^{re.escape(f'{kind:<11} {method} {url} {status}')}  ttfb \d+ms  total \d+ms  "
        rf"{re.escape(size)}$"
    )


def summary(stderr: str) -> dict[str, str]:
    found = [m.groupdict() for line in stderr.splitlines() if (m := SUMMARY.match(line))]
    assert len(found) == 1, stderr
    return found[0]


def has_line(stderr: str, pattern: re.Pattern[str]) -> bool:
    return any(pattern.match(line) for line in stderr.splitlines())


@pytest.fixture
def base_env(confdir) -> dict[str, str]:
    """The test's environment without proxies or VCRPROXY_* settings; this venv first on PATH
    (so a child's `python` has the SDKs); the session CA."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VCRPROXY_") and k.upper() not in CLEARED
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VCRPROXY_CONFDIR"] = confdir
    return env


@pytest.fixture
def vcr(base_env):
    """vcr(*args, env=..., cwd=...) -> CompletedProcess of the real `vcrproxy`."""

    def run(*args, env: dict[str, str] | None = None, cwd=None, timeout: float = TIMEOUT):
        return subprocess.run(
            [VCRPROXY, *map(str, args)],
            env={**base_env, **(env or {})},
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def vcr_all(base_env):
    """vcr_all([args | (args, env), ...], env=...) -> CompletedProcesses: independent runs side
    by side (each pays for Python and mitmproxy starting)."""

    def run(runs: list, env: dict[str, str] | None = None):
        runs = [r if isinstance(r, tuple) else (r, {}) for r in runs]
        procs = [
            subprocess.Popen([VCRPROXY, *map(str, args)], env={**base_env, **(env or {}), **own},
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for args, own in runs
        ]
        done = []
        try:
            for (args, _), proc in zip(runs, procs, strict=True):
                out, err = proc.communicate(timeout=TIMEOUT)
                done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
        return done

    return run


class Lines:
    """Lines of a pipe, read in a thread; wait_for() a marker with a deadline."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self.closed = False
        self._cond = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def wait_for(self, marker: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(marker in line for line in self.lines):
                left = deadline - time.monotonic()
                assert not self.closed and left > 0, f"no {marker!r} in {self.lines}"
                self._cond.wait(left)

    def wait_closed(self, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.closed and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return "\n".join(self.lines)


@pytest.fixture
def spawn(base_env):
    """spawn(*args, env=...) -> (Popen, stdout Lines, stderr Lines); killed at teardown."""
    procs: list[subprocess.Popen] = []

    def start(*args, env: dict[str, str] | None = None):
        proc = subprocess.Popen(
            [VCRPROXY, *map(str, args)],
            env={**base_env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # our SIGINT goes to vcrproxy alone, as `kill -INT` would
        )
        procs.append(proc)
        return proc, Lines(proc.stdout), Lines(proc.stderr)

    yield start
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def gateway_hits(gateway: FakeGateway, tag: str) -> int:
    return sum(1 for r in gateway.requests if tag in r["target"])


def curl(*urls: str) -> list[str]:
    """A shell running curl with NO proxy or CA flag: both come from the environment."""
    cmds = [f"curl -sS --max-time 20 {shlex.quote(u)} && echo" for u in urls]
    return ["sh", "-c", " && ".join(cmds)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# The demo (`make demo`)


def test_demo_replays_the_founding_cassette_offline(vcr):
    before = VERCEL.read_bytes()
    out = vcr("replay", "cassettes/vercel-gateway-claude-simple-streaming.yaml", "--",
              "python", "-m", "vcrproxy.cli.demo_client", cwd=REPO,
              env={"AI_GATEWAY_API_KEY": KEY})
    assert out.returncode == 0, out.stderr
    assert out.stdout == "Olá!\n(tokens: 16 in, 7 out)\n"
    lines = out.stderr.splitlines()
    assert len(lines) == 2, out.stderr  # one live line, one summary line: nothing else
    url = "https://ai-gateway.vercel.sh/v1/chat/completions"
    assert live_line("replayed", "POST", url, 200, "3.3 kB").match(lines[0]), lines[0]
    assert lines[1] == (
        f"vcrproxy: {VERCEL}: mode replay, replayed 1, recorded 0, missed 0, failed 0, unused 0"
    )
    assert VERCEL.read_bytes() == before  # replay never writes


def test_verbose_logs_debug(vcr):
    out = vcr("replay", "-v", "--allow-no-traffic", VERCEL, "--", "true")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^vcrproxy: HTTP\(S\) proxy listening at 127\.0\.0\.1:\d+\.$", out.stderr,
                     re.M), out.stderr
    assert summary(out.stderr)["unused"] == "1"  # printed once, also with -v
    # (without -v there is no such line: the demo's stderr is exactly two lines)


# ---------------------------------------------------------------------------------------------
# The child's environment


PRINT_ENV = [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]


def test_child_environment(vcr_all, confdir, ca_cert):
    import certifi

    for _ in range(3):  # the free port may be taken by someone else before vcrproxy binds it
        port = free_port()
        parent = {
            "VCRPROXY_PORT": str(port),
            "NO_PROXY": "localhost,127.0.0.1",
            "no_proxy": "*",
            "SSL_CERT_FILE": "/nonexistent/user.pem",
            "VCRPROXY_TEST_MARKER": "kept",
        }
        out, kept = vcr_all(
            [["replay", "--allow-no-traffic", VERCEL, "--", *PRINT_ENV],
             ["replay", "--allow-no-traffic", "--keep-no-proxy", VERCEL, "--port", "0", "--",
              *PRINT_ENV]],
            env=parent,
        )
        if "already in use" not in out.stderr:
            break
    assert out.returncode == 0, out.stderr
    env = json.loads(out.stdout)
    url = f"http://127.0.0.1:{port}"
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        assert env[name] == env[name.lower()] == url
    assert env["VCRPROXY_URL"] == url
    assert "NO_PROXY" not in env and "no_proxy" not in env
    bundle = os.path.join(confdir, "vcrproxy-ca-bundle.pem")
    # (That bundle, or one beside it that adds the certificates of trust files the parent's
    # own variables name: this machine's CI sets them all to the system bundle.)
    given = env["SSL_CERT_FILE"]
    assert given == bundle or given.startswith(bundle[:-len(".pem")] + "-"), given
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "AWS_CA_BUNDLE",
                 "GIT_SSL_CAINFO", "HTTPLIB2_CA_CERTS", "PIP_CERT"):
        assert env[name] == given, name
    assert Path(bundle).read_text(encoding="ascii") in Path(given).read_text(encoding="ascii")
    assert env["NODE_EXTRA_CA_CERTS"] == env["VCRPROXY_CA"] == ca_cert
    assert env["NODE_USE_ENV_PROXY"] == "1"  # Node >= 24; older Node gets the preload:
    assert env["NODE_OPTIONS"].startswith("--require ")
    assert "node_preload.cjs" in env["NODE_OPTIONS"]
    assert env["VCRPROXY_TEST_MARKER"] == "kept"
    # The bundle: the usual roots plus our CA.
    text = Path(bundle).read_text(encoding="ascii")
    assert text.endswith(Path(ca_cert).read_text(encoding="ascii"))
    roots = Path(certifi.where()).read_text(encoding="ascii", errors="replace")
    last_root = roots.rstrip().rsplit("-----BEGIN CERTIFICATE-----", 1)[1]
    assert last_root in text

    assert kept.returncode == 0, kept.stderr
    env = json.loads(kept.stdout)
    assert (env["NO_PROXY"], env["no_proxy"]) == ("localhost,127.0.0.1", "*")
    assert int(PROXY_URL.match(env["HTTPS_PROXY"]).group(1)) > 0  # --port 0: a free port


# ---------------------------------------------------------------------------------------------
# Real use: curl and the openai SDK through the proxy, trust and proxy from the environment


def test_curl_records_then_replays_through_the_env(vcr, gateway, tmp_path):
    tag = uuid.uuid4().hex
    get = f"{gateway.url}/json?size=57&tag={tag}"
    chat = f"{gateway.url}/v1/chat/completions?tag={tag}"
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
                       "stream": True})
    command = ["sh", "-c",
               f"curl -sS --max-time 20 -H {shlex.quote('Authorization: Bearer ' + KEY)} "
               f"{shlex.quote(get)} && echo && "
               f"curl -sS --max-time 20 -H 'content-type: application/json' "
               f"-d {shlex.quote(body)} {shlex.quote(chat)}"]
    cassette = tmp_path / "curl.yaml"
    # NO_PROXY=* in the user's shell would send curl around the proxy: vcrproxy clears it.
    parent = {"NO_PROXY": "*", "no_proxy": "*"}

    rec = vcr("record", cassette, "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}",
              "--", *command, env=parent)
    assert rec.returncode == 0, rec.stderr
    assert rec.stdout.startswith('{"pad":"' + "x" * 47 + '"}\n')
    assert rec.stdout.count('"delta":{"content":') >= 1 and "data: [DONE]" in rec.stdout
    assert gateway_hits(gateway, tag) == 2
    assert has_line(rec.stderr, live_line("recorded", "GET", get, 200, "57 B")), rec.stderr
    chat_line = re.compile(rf"^recorded    POST {re.escape(chat)} 200  ttfb \d+ms  total \d+ms  ")
    assert has_line(rec.stderr, chat_line), rec.stderr
    assert summary(rec.stderr) == {"path": str(cassette), "mode": "record", "replayed": "0",
                                   "recorded": "2", "missed": "0", "failed": "0", "unused": "0"}
    assert "Traceback" not in rec.stderr
    text = cassette.read_text(encoding="utf-8")
    assert KEY not in text
    recorded = load_cassette(cassette)
    assert [(i.request.method, i.request.url) for i in recorded.interactions] == [
        ("GET", get), ("POST", chat)
    ]
    assert recorded.interactions[0].request.headers["Authorization"] == ["Bearer <REDACTED>"]
    assert recorded.interactions[1].response.body.endswith("data: [DONE]\n\n")

    rep = vcr("replay", cassette, "--", *command, env=parent)
    assert rep.returncode == 0, rep.stderr
    assert rep.stdout == rec.stdout
    assert gateway_hits(gateway, tag) == 2  # answered from the cassette only
    assert has_line(rep.stderr, live_line("replayed", "GET", get, 200, "57 B")), rep.stderr
    assert summary(rep.stderr)["replayed"] == "2"
    assert cassette.read_text(encoding="utf-8") == text


OPENAI_CHILD = """
import sys
import openai

client = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key=sys.argv[2], max_retries=0,
                       timeout=20)
stream = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "Say hi in Portuguese"}],
    stream=True,
    stream_options={"include_usage": True},
)
text, usage = "", None
for chunk in stream:
    for choice in chunk.choices:
        text += choice.delta.content or ""
    usage = chunk.usage or usage
print(text)
print("usage", usage.prompt_tokens, usage.completion_tokens)
reply = client.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "again"}]
)
print(reply.choices[0].message.content)
"""


def test_openai_sdk_records_then_replays_with_the_gateway_gone(vcr, tmp_path):
    child = tmp_path / "child.py"
    child.write_text(OPENAI_CHILD)
    cassette = tmp_path / "sdk.yaml"
    gw = FakeGateway(gap_ms=5).start()
    try:
        url = gw.url
        rec = vcr("record", cassette, "--set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}",
                  "--", "python", child, url, KEY)
        assert len(gw.requests) == 2
    finally:
        gw.stop()
    assert rec.returncode == 0, rec.stderr
    assert rec.stdout.splitlines()[0] == "You said: Say hi in Portuguese"
    assert rec.stdout.splitlines()[2] == "You said: again"
    assert summary(rec.stderr)["recorded"] == "2"
    assert KEY not in cassette.read_text(encoding="utf-8")

    rep = vcr("replay", cassette, "--", "python", child, url, KEY)
    assert rep.returncode == 0, rep.stderr
    assert rep.stdout == rec.stdout
    chat = f"{url}/v1/chat/completions"
    assert has_line(rep.stderr, re.compile(rf"^replayed    POST {re.escape(chat)} 200  ")), (
        rep.stderr
    )
    assert summary(rep.stderr) == {"path": str(cassette), "mode": "replay", "replayed": "2",
                                   "recorded": "0", "missed": "0", "failed": "0", "unused": "0"}
    check = vcr("check", cassette)
    assert check.returncode == 0, check.stderr


# ---------------------------------------------------------------------------------------------
# Exit codes


def test_child_exit_code_becomes_ours(vcr_all, tmp_path):
    cassette = tmp_path / "none.yaml"
    out, killed = vcr_all([["record", cassette, "--", "sh", "-c", "echo out; exit 7"],
                           ["replay", VERCEL, "--", "sh", "-c", "kill -TERM $$"]])
    assert out.returncode == 7, out.stderr  # its own failure wins over the bypass code (4)
    assert out.stdout == "out\n"
    assert out.stderr.startswith("vcrproxy: no traffic\nvcrproxy: the command made no request")
    assert not cassette.exists()  # recording nothing writes nothing
    assert killed.returncode == 128 + signal.SIGTERM, killed.stderr


def test_replay_misses_exit_3_unless_allowed(vcr_all):
    missing = "https://ai-gateway.vercel.sh/v1/models"
    out, allowed, allowed_env, failing, quiet = vcr_all([
        ["replay", VERCEL, "--", *curl(missing)],
        ["replay", "--allow-misses", VERCEL, "--", *curl(missing)],
        (["replay", VERCEL, "--", *curl(missing)], {"VCRPROXY_ALLOW_MISSES": "1"}),
        ["replay", VERCEL, "--", "sh", "-c", f"curl -sS {missing}; exit 5"],
        ["replay", "-q", VERCEL, "--", *curl(missing)],
    ])
    assert out.returncode == 3, out.stderr
    assert '"code": "vcrproxy_cassette_miss"' in out.stdout  # the child got a clear 400
    assert any(line.startswith(f"MISS        GET {missing} 400  ttfb ")
               for line in out.stderr.splitlines()), out.stderr
    assert f"vcrproxy: MISS GET {missing}: " in out.stderr  # why: the nearest interaction
    assert "nearest is interaction 0" in out.stderr
    assert summary(out.stderr)["missed"] == "1"
    assert f"vcrproxy:   miss: GET {missing}" in out.stderr.splitlines()

    assert allowed.returncode == 0, allowed.stderr
    assert summary(allowed.stderr)["missed"] == "1"
    assert allowed_env.returncode == 0, allowed_env.stderr

    assert failing.returncode == 5  # the command's own failure wins

    assert quiet.returncode == 3
    assert quiet.stderr.splitlines() == [
        f"vcrproxy: {VERCEL}: mode replay, replayed 0, recorded 0, missed 1, failed 0, unused 1",
        f"vcrproxy:   miss: GET {missing}",
        "vcrproxy:   unused: #0 POST https://ai-gateway.vercel.sh/v1/chat/completions",
    ]


# ---------------------------------------------------------------------------------------------
# Modes, and VCRPROXY_MODE switching `run` without editing the command


def test_run_modes_and_vcrproxy_mode(vcr, gateway, tmp_path):
    tag = uuid.uuid4().hex
    a = f"{gateway.url}/json?size=20&tag={tag}"
    b = f"{gateway.url}/json?size=30&tag={tag}"
    cassette = tmp_path / "run.yaml"
    trust = ("--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}")

    def run(*urls: str, mode: str | None = None, args: tuple[str, ...] = ()):
        env = {"VCRPROXY_MODE": mode} if mode else {}
        return vcr("run", *trust, *args, cassette, "--", *curl(*urls), env=env)

    def hits(url: str) -> int:
        return sum(1 for r in gateway.requests if r["target"] == url[len(gateway.url):])

    out = run(a, mode="replay")  # the same command, switched to replay: no cassette yet
    assert out.returncode == 1
    assert out.stderr == f"Error: {cassette}: cassette not found (replay needs a recording)\n"
    assert hits(a) == 0

    out = run(a)  # once, no cassette: records
    assert out.returncode == 0, out.stderr
    assert (summary(out.stderr)["mode"], hits(a)) == ("record", 1)
    out = run(a)  # once, cassette exists: replays
    assert (summary(out.stderr)["mode"], summary(out.stderr)["replayed"], hits(a)) == (
        "replay", "1", 1)

    out = run(a, mode="record")  # afresh
    assert out.returncode == 0, out.stderr
    assert (summary(out.stderr)["mode"], hits(a)) == ("record", 2)
    assert len(load_cassette(cassette).interactions) == 1

    out = run(a, b, mode="new-episodes")  # a is replayed, b recorded and appended
    assert out.returncode == 0, out.stderr
    assert has_line(out.stderr, live_line("replayed", "GET", a, 200, "20 B")), out.stderr
    assert has_line(out.stderr, live_line("recorded", "GET", b, 200, "30 B")), out.stderr
    assert (hits(a), hits(b)) == (2, 1)
    assert [i.request.url for i in load_cassette(cassette).interactions] == [a, b]

    before = cassette.read_bytes()
    out = run(a, mode="passthrough")
    assert out.returncode == 0, out.stderr
    assert out.stdout == '{"pad":"' + "x" * 10 + '"}\n'
    assert hits(a) == 3
    assert cassette.read_bytes() == before
    assert has_line(out.stderr, live_line("passthrough", "GET", a, 200, "20 B")), out.stderr

    out = run(a, b, mode="record", args=("--mode", "replay"))  # the option beats the variable
    assert out.returncode == 0, out.stderr
    assert summary(out.stderr)["replayed"] == "2"
    assert (hits(a), hits(b)) == (3, 1)


# ---------------------------------------------------------------------------------------------
# Ctrl-C


CHILD_SLEEPS = """
import signal, sys, time
import httpx

def interrupted(*_):
    print("interrupted", flush=True)
    sys.exit(130)

with httpx.Client(timeout=20) as client:  # proxy and CA from the environment
    for size in (11, 12, 13):
        r = client.get(sys.argv[1] + f"/json?size={size}&tag=" + sys.argv[2])
        print(r.status_code, r.text, flush=True)
# Installed before "ready": a Ctrl-C right after it must not land outside a handler.
signal.signal(signal.SIGINT, interrupted)
print("ready", flush=True)
time.sleep(30)
"""


def test_ctrl_c_stops_the_child_and_keeps_what_was_recorded(spawn, gateway, tmp_path):
    child = tmp_path / "child.py"
    child.write_text(CHILD_SLEEPS)
    cassette = tmp_path / "ctrlc.yaml"
    tag = uuid.uuid4().hex
    proc, out, err = spawn("record", cassette, "--set",
                           f"ssl_verify_upstream_trusted_ca={gateway.ca_path}",
                           "--", sys.executable, child, gateway.url, tag)
    out.wait_for("ready")
    assert out.lines[:3] == ['200 {"pad":"x"}', '200 {"pad":"xx"}', '200 {"pad":"xxx"}']
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 130
    assert time.monotonic() - started < 10  # not the child's 30 s sleep
    assert out.wait_closed().endswith("interrupted")  # the child got the Ctrl-C too
    stderr = err.wait_closed()
    assert "Traceback" not in stderr
    assert summary(stderr)["recorded"] == "3"
    recorded = load_cassette(cassette)
    assert [i.request.url for i in recorded.interactions] == [
        f"{gateway.url}/json?size={n}&tag={tag}" for n in (11, 12, 13)
    ]
    assert [i.response.body for i in recorded.interactions] == [
        '{"pad":"x"}', '{"pad":"xx"}', '{"pad":"xxx"}'
    ]


CHILD_STREAMS = """
import signal, sys, time
import httpx

signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
with httpx.Client(timeout=20) as client, client.stream("GET", sys.argv[1]) as r:
    got, chunks = 0, r.iter_raw()  # (kept: a dropped iterator closes the response)
    for chunk in chunks:
        got += len(chunk)
        if got > 12 << 20:  # past LARGE_BODY: the stream's text process runs
            break
    print("ready", flush=True)
    time.sleep(30)  # the connection stays open, the stream unfinished
"""


def _group(pgid: int) -> list[int]:
    """The processes left in process group `pgid`."""
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            left.append(int(pid))
    return left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_mid_large_stream_no_traceback_no_process_left(spawn, base_env, gateway,
                                                              tmp_path):
    """Ctrl-C to a standalone proxy while a 50 MB stream is under way, past 8 MB (its text is
    made in a forked child), its client (another terminal) still connected: vcrproxy stops at
    once, prints no traceback (on Python 3.11 asyncio logged one per connection still open,
    'Exception in callback StreamReaderProtocol...CancelledError', as it cancelled their
    handlers), leaves no process behind, and records nothing of the unfinished stream."""
    child = tmp_path / "child.py"
    child.write_text(CHILD_STREAMS)
    cassette = tmp_path / "ctrlc.yaml"
    proc, out, err = spawn("record", cassette, "--set",
                           f"ssl_verify_upstream_trusted_ca={gateway.ca_path}")
    out.wait_for("unset no_proxy")
    client = subprocess.Popen(
        ["sh", "-c", f'eval "$EXPORTS" && exec {shlex.quote(sys.executable)} {child} '
                     f'"{gateway.url}/big?mb=50&chunked=1"'],
        env={**base_env, "EXPORTS": "\n".join(out.lines)}, stdout=subprocess.PIPE, text=True)
    try:
        assert client.stdout.readline() == "ready\n"
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
        assert proc.wait(15) == 0
        stderr = err.wait_closed()
    finally:
        client.kill()
        client.wait(10)
        client.stdout.close()
    assert "Traceback" not in stderr and "Exception in callback" not in stderr, stderr
    deadline = time.monotonic() + 5
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _group(proc.pid) == []
    assert not cassette.exists() or not load_cassette(cassette).interactions


def test_standalone_prints_exports_and_stops_on_ctrl_c(spawn, base_env, gateway, tmp_path):
    cassette = tmp_path / "standalone.yaml"
    tag = uuid.uuid4().hex
    proc, out, err = spawn("record", cassette, "--set",
                           f"ssl_verify_upstream_trusted_ca={gateway.ca_path}")
    out.wait_for("unset no_proxy")
    exports = "\n".join(out.lines)
    assert exports.splitlines()[0].startswith("export HTTPS_PROXY=http://127.0.0.1:")
    assert "export CURL_CA_BUNDLE=" in exports and "unset NO_PROXY" in exports
    err.wait_for("Ctrl-C to stop")
    url = re.search(r"HTTPS_PROXY=(\S+)", exports).group(1)
    assert err.lines[0] == f"vcrproxy: record {cassette} on {url} - in your shell:"

    target = f"{gateway.url}/json?size=25&tag={tag}"
    shell = subprocess.run(
        ["sh", "-c", f'eval "$EXPORTS" && curl -sS --max-time 20 {shlex.quote(target)}'],
        env={**base_env, "EXPORTS": exports, "NO_PROXY": "*"},
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout == '{"pad":"' + "x" * 15 + '"}'
    err.wait_for("recorded    GET")

    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
    stderr = err.wait_closed()
    assert "Traceback" not in stderr
    assert has_line(stderr, live_line("recorded", "GET", target, 200, "25 B")), stderr
    assert summary(stderr)["recorded"] == "1"
    recorded = load_cassette(cassette)
    assert [i.request.url for i in recorded.interactions] == [target]


# ---------------------------------------------------------------------------------------------
# User mistakes on the real stderr: one line, no traceback (the logging setup is real here)


def test_errors_are_one_line_on_the_real_stderr(base_env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\ninteractions: [\n")
    not_a_program = tmp_path / "data.bin"
    not_a_program.write_bytes(b"\x00\x01\x02 not a program")
    not_a_program.chmod(0o755)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    cases = {
        "port": (["record", tmp_path / "p.yaml", "--port", port, "--", "true"],
                 f"127.0.0.1:{port}"),
        "set": (["replay", VERCEL, "--set", "vcr_mode=bogus", "--", "true"],
                "--set vcr_mode=bogus: vcr_mode: 'bogus' is not one of"),
        "yaml": (["replay", bad, "--", "true"], f"{bad}:3:1: invalid YAML"),
        "missing": (["replay", tmp_path / "none.yaml"], "cassette not found"),
        "command": (["run", VERCEL, "--", "no-such-command-vcrproxy"],
                    "command not found: no-such-command-vcrproxy"),
        "exec": (["replay", VERCEL, "--", not_a_program],
                 f"cannot run {not_a_program}: Exec format error"),
    }
    try:
        procs = {
            name: subprocess.Popen([VCRPROXY, *map(str, args)], env=base_env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for name, (args, _) in cases.items()
        }
        results = {name: p.communicate(timeout=TIMEOUT) for name, p in procs.items()}
    finally:
        taken.close()
    for name, (_, needle) in cases.items():
        stdout, stderr = results[name]
        # (a command that cannot be run: 127 not found, 126 not a program, as shells exit)
        code = {"command": 127, "exec": 126}.get(name, 1)
        assert procs[name].returncode == code, (name, stderr)
        assert stdout == ""
        lines = stderr.splitlines()
        assert len(lines) == 1, (name, stderr)
        assert lines[0].startswith("Error: ") and needle in lines[0], (name, lines[0])
    assert "already in use" in results["port"][1].lower()


RAW_TUNNEL = f"""
import os, sys, urllib.parse
sys.path.insert(0, {os.path.dirname(__file__)!r})
from sessions import connect_tunnel
proxy = urllib.parse.urlsplit(os.environ["HTTPS_PROXY"])
s = connect_tunnel(proxy.hostname, proxy.port, f"localhost:{{sys.argv[1]}}")
s.sendall(b"\\x00\\x01 not http at all\\r\\n\\r\\n")
s.settimeout(3)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
"""


def test_log_lines_carry_the_prefix_once(vcr, gateway):
    """A message made with our prefix for another reader (here the gate's refusal, also the
    flow's error) is logged with it once: it read `vcrproxy: vcrproxy: refused ...`."""
    got = vcr("replay", VERCEL, "--", sys.executable, "-c", RAW_TUNNEL, gateway.port)
    lines = got.stderr.splitlines()
    assert any(line.startswith("vcrproxy: refused an upstream connection to localhost:")
               for line in lines), got.stderr
    assert all(line.startswith("vcrproxy: ") for line in lines), got.stderr
    assert not any(line.count("vcrproxy:") > 1 for line in lines), got.stderr


def test_env_refuses_a_port_no_proxy_can_listen_on(vcr):
    """`env` prints exports for a running proxy: port 0 (or 70000) cannot be one."""
    for port in ("0", "70000"):
        got = vcr("env", "--port", port)
        assert got.returncode == 1 and got.stdout == "(exit 1)\n", got  # no exports; eval fails
        assert got.stderr == f"Error: --port {port}: a running proxy's port is 1 to 65535\n"
