"""Bad cassettes are data: >= 200 generated malformed files (tests/malformed.py) through the real
`vcrproxy check`, `redact`, `show` and `replay` processes, each under a time limit and an
address-space limit (RLIMIT_AS): no traceback, no hang, no memory blow-up, a clear message.

Plus the schema `check` enforces (one line per problem) and replay's refusal of what it cannot
send, and `--pace recorded` clamping absurd recorded times.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
from malformed import BASE, write_corpus

from vcrproxy import load_cassette, loads_cassette
from vcrproxy.cassette import CassetteError
from vcrproxy.schema import validate

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
VCRPROXY = str(BIN / "vcrproxy")
MEMORY_MB = 1536  # RLIMIT_AS for every command: a bomb that expands hits MemoryError (a failure)
PER_FILE_S = 10


def _limit_memory() -> None:
    limit = MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[str]:
    paths = write_corpus(str(tmp_path_factory.mktemp("malformed")))
    assert len(paths) >= 200
    return paths


@pytest.fixture
def env(confdir) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("VCRPROXY_") and "PROXY" not in k.upper()}
    e["VCRPROXY_CONFDIR"] = confdir
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    return e


def run(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([VCRPROXY, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limit_memory, stdin=subprocess.DEVNULL)


def assert_clean(out: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    assert "MemoryError" not in out.stderr, out.stderr[-3000:]


@pytest.mark.parametrize(("old", "new", "key"), [
    ("    body: '[]'\n", "    body: '[]'\n    body: '{}'\n", "body"),
    ("version: 2\n", "version: 2\nversion: 3\n", "version"),
    ("    duration: 2ms\n", "    duration: 2ms\n    x: {a: 1, a: 2}\n", "a"),
], ids=["body", "version", "flow-mapping"])
def test_a_repeated_key_is_an_error_naming_it(old, new, key):
    # PyYAML (and our fast reader) kept the last value silently; yaml.v3 refuses the file.
    text = BASE.replace(old, new, 1)
    assert text != BASE
    # the line of the repeat, then the line of the first
    first = text[:text.index(new)].count("\n") + 1 + (key == "a")
    line = first + (key != "a")
    with pytest.raises(CassetteError, match=rf"^c\.yaml:{line}:\d+: invalid YAML: mapping key "
                       rf"'{key}' already defined at line {first} "):
        loads_cassette(text, "c.yaml")


def test_check_every_malformed_file_one_process(corpus, env):
    """One `vcrproxy check` over the whole corpus (FIFOs included): every file gets its lines,
    nothing says ok for a broken schema, no traceback, well under PER_FILE_S per file."""
    start = time.monotonic()
    out = run(["check", *corpus], env, timeout=PER_FILE_S * 4)
    took = time.monotonic() - start
    assert_clean(out)
    assert out.returncode == 1
    assert "Error: " in out.stderr.splitlines()[-1]
    said = {}
    for line in out.stdout.splitlines() + out.stderr.splitlines()[:-1]:
        path = next((p for p in corpus if line.startswith(p + ":")), None)
        assert path is not None, line  # every line names its file
        said.setdefault(path, []).append(line)
    assert set(said) == set(corpus)  # every file is reported, FIFOs at once
    for path in corpus:
        name = os.path.basename(path)
        if (any(k in name for k in ("code-", "url-", "method-", "request-", "response-",
                                   "id-duplicate", "interactionz", "alias", "version",
                                   "chunks-inf", "chunks-nan", "header-", "fifo", "int-5000"))
        ) and not name.endswith(("version-2.0.yaml", "version-0x2.yaml")):  # (Go reads both)
            assert not any(line.endswith("interactions)") and ": ok (" in line
                           for line in said[path]), said[path]
    print(f"check: {len(corpus)} files in {took:.2f} s")


def test_redact_every_malformed_file_one_process(corpus, env, tmp_path):
    copies = []
    for path in corpus:
        if os.path.basename(path).startswith("fifo"):
            copies.append(path)  # the FIFO itself: refused, never opened for writing
        else:
            copies.append(shutil.copy(path, tmp_path / os.path.basename(path)))
    out = run(["redact", *map(str, copies)], env, timeout=PER_FILE_S * 4)
    assert_clean(out)
    assert out.returncode == 1
    lines = out.stdout.splitlines() + out.stderr.splitlines()
    assert lines[-1].startswith("Error: ") and "not redacted" in lines[-1]
    for path in map(str, copies):
        assert any(line.startswith(path + ":") for line in lines), path
    assert "redacted" in out.stdout


def test_show_each_malformed_file(corpus):
    """`show` takes one cassette: each file runs the CLI in its own forked process (the driver
    imports it once), killed after PER_FILE_S."""
    out = subprocess.run(
        [sys.executable, str(HERE / "cli_driver.py"), str(PER_FILE_S), str(MEMORY_MB), "show",
         *corpus],
        capture_output=True, text=True, timeout=PER_FILE_S * 20,
    )
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == len(corpus)
    for r in rows:
        assert r["signal"] is None, r  # not killed: no hang
        assert not r["traceback"], r["stderr"]
        assert r["exit"] in (0, 1), r
        if r["exit"] == 1:
            errors = [ln for ln in r["stderr"].splitlines() if ln.startswith("Error: ")]
            assert len(errors) == 1, r
    slowest = max(r["seconds"] for r in rows)
    assert slowest < PER_FILE_S
    print(f"show: {len(rows)} files, slowest {slowest:.2f} s")


CLIENT = textwrap.dedent("""
    import json, os, ssl, sys, time
    from urllib.parse import quote, urlsplit
    import httpx
    port = urlsplit(os.environ["HTTPS_PROXY"]).port
    verify = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    results = []
    for name in sys.argv[1:]:
        proxy = f"http://{quote(name, safe='')}:replay@127.0.0.1:{port}"
        start = time.monotonic()
        try:
            with httpx.Client(proxy=proxy, verify=verify, timeout=10) as c:
                r = c.get("https://api.openai.com/v1/models")
                results.append([name, r.status_code, r.text[:300], time.monotonic() - start])
        except httpx.HTTPError as e:
            results.append([name, 0, repr(e), time.monotonic() - start])
    print(json.dumps(results))
""")


def test_replay_every_malformed_file_through_one_proxy(corpus, env, tmp_path):
    """One real `vcrproxy replay` process; a client names each malformed file as its cassette
    (http://NAME:replay@...). Each request gets an answer (an error naming the problem, or a
    replay) in time, and the proxy survives all of them."""
    root = os.path.dirname(corpus[0])
    good = tmp_path / "good.yaml"
    good.write_text(BASE)
    client = tmp_path / "client.py"
    client.write_text(CLIENT)
    names = [os.path.basename(p) for p in corpus] + ["good-last"]
    shutil.copy(good, os.path.join(root, "good-last.yaml"))
    try:
        out = run(["replay", str(good), "--cassette-dir", root, "-q", "--allow-misses", "--",
                   sys.executable, str(client), *names], env, timeout=PER_FILE_S * 12)
    finally:
        os.unlink(os.path.join(root, "good-last.yaml"))
    assert_clean(out)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(out.stdout)
    assert len(results) == len(names)
    by_status: dict[int, int] = {}
    for name, status, text, took in results:
        assert took < PER_FILE_S, (name, took)
        assert status in (200, 400), (name, status, text)
        by_status[status] = by_status.get(status, 0) + 1
        if name.endswith(("code-minus-one.yaml", "code-1000.yaml", "url-relative.yaml")):
            assert status == 400 and "replay cannot use this cassette" in text, (name, text)
        if "alias" in name or name.startswith("fifo"):
            assert status == 400, (name, text)
    assert results[-1][1] == 200  # still serving after every bad file
    print(f"replay: {len(results)} cassettes named, answers {by_status}")


# -- the schema check, one line per problem -----------------------------------------------------


def test_check_reports_each_schema_problem_on_its_own_line(tmp_path, env):
    text = (BASE.replace("code: 200\n    duration: 1ms", "code: -1\n    duration: 1ms")
            .replace("url: https://api.openai.com/v1/models", "url: /models")
            .replace("- id: 2\n", "- id: 0\n")
            .replace("version: 2\n", "version: 2\ninteractionz: []\n"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = run(["check", str(bad)], env, timeout=30)
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert lines == [
        f"{bad}: unknown top-level key 'interactionz' (go-vcr reads version and interactions)",
        f"{bad}: interactions[1].request.url: '/models' is not an absolute http(s) URL",
        f"{bad}: interactions[1].response.code: -1 is not an HTTP status code (100-999)",
        f"{bad}: interactions[2].id: 0 repeats interactions[0]",
        "Error: 4 problem(s) found",
    ]


def test_reference_cassettes_have_no_schema_problem():
    ref = HERE.parent / "cassettes"
    for path in sorted(ref.glob("*.yaml")):
        assert validate(load_cassette(path)) == [], path


@pytest.mark.parametrize("text, message", [
    ("x: &a [1, 2]\ny: *a\n", "an alias (*name) reuses the node anchored here"),
    ("x: &a [*a]\n", "an alias (*name) reuses the node anchored here"),
    ("version: " + "9" * 5000 + "\n", "unsupported cassette version"),
    ("version: 2\nx: 0x" + "f" * 200_000 + "\n", None),  # read (as text), in well under a second
])
def test_loader_refuses_aliases_and_caps_numbers(text, message):
    start = time.monotonic()
    if message is None:
        loads_cassette(text)
    else:
        with pytest.raises(CassetteError, match=message.replace("*", r"\*").replace("(", r"\(")
                           .replace(")", r"\)")):
            loads_cassette(text)
    assert time.monotonic() - start < 2


def test_fifo_cassette_is_refused_at_once(tmp_path, env):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for args in (["show", str(fifo)], ["run", "--mode", "record", str(fifo), "--", "true"]):
        out = run(args, env, timeout=PER_FILE_S * 2)  # (a FIFO opened blocking waits forever)
        assert out.returncode != 0
        assert "FIFO" in out.stderr and "Error: " in out.stderr, (args, out.stderr)
        assert_clean(out)


# -- --pace recorded clamps absurd recorded times -----------------------------------------------


def test_paced_replay_clamps_absurd_recorded_times(run_proxy, ca_cert, tmp_path, monkeypatch,
                                                   caplog):
    import vcrproxy.pacing

    monkeypatch.setattr(vcrproxy.pacing, "MAX_WAIT_S", 0.5)  # (300 s by default)
    text = (BASE.replace("duration: 12.5ms", "duration: 2000000h")  # 228 years to headers
            .replace("[[1.5, 48], [2.5, 13]]", "[[1.5, 48], [1e300, 13]]")  # and to chunk 2
            .replace("duration: 1ms", "duration: 1ms\n    vcrproxy_chunks: [[0, .inf]]"))
    cassette = tmp_path / "absurd.yaml"
    cassette.write_text(text)
    proxy = run_proxy(cassette, "replay", pace="recorded")
    with httpx.Client(proxy=proxy.url, verify=ca_cert, timeout=10) as client:
        start = time.monotonic()
        r = client.post("https://api.openai.com/v1/chat/completions", content=b"{}",
                        headers={"content-type": "application/json"})
        took = time.monotonic() - start
        assert r.status_code == 200
        assert r.text.endswith("data: [DONE]\n")
        assert 0.9 < took < 5  # two clamped waits of 0.5 s
        r = client.get("https://api.openai.com/v1/models")  # non-finite chunk size: body whole
        assert r.status_code == 200 and r.text == "[]"
    assert "recorded duration of 7200000000 s cut to 0 s" in caplog.text or \
        "cut to 0 s" in caplog.text or "cut to 1 s" in caplog.text
