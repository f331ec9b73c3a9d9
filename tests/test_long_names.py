"""Cassette names at the file system's limit (NAME_MAX, 255 bytes).

The pytest plugin shortens a test name that would not fit (a parametrize id holding a prompt):
a readable start, `-`, 16 hex digits of the whole name's SHA-256; a name that fits is the same as
ever, so existing cassettes are still found. And a cassette named right up to the limit can be
rewritten: the temporary file beside it (`.NAME.PID.N.tmp`) was 17 bytes longer than the name.
Real pytest runs of a user suite with the real plugin and proxy, the fake gateway and httpx;
the real CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway
from test_cli import KEY, leaky_copy
from test_cli_sessions import base_env, vcr  # noqa: F401  (fixtures)

from vcrproxy import load_cassette

LONG = "Summarise the following support ticket in one sentence. " * 6
SUITE = textwrap.dedent(f'''
    import os
    import httpx
    import pytest

    GATEWAY = os.environ["SAMPLE_GATEWAY_URL"]
    LONG = {LONG!r}

    @pytest.mark.parametrize("prompt", ["short", LONG + "A", LONG + "B"], ids=str)
    def test_prompt(vcrproxy, prompt):
        with httpx.Client(timeout=20) as client:
            r = client.post(GATEWAY + "/v1/chat/completions", json={{
                "model": "gpt-fake", "messages": [{{"role": "user", "content": prompt}}]}})
        assert r.status_code == 200, r.text

    class TestGroup:
        def test_plain(self, vcrproxy):
            with httpx.Client(timeout=20) as client:
                assert client.get(GATEWAY + "/json?size=3").status_code == 200
''')


def _pytest(suite, gw, confdir, mode: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                   PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--rootdir", str(suite), str(suite), "--vcrproxy-mode", mode,
         "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
        env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
    )


def test_long_test_names_are_shortened_uniquely_and_found_again(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_names.py").write_text(SUITE)
    (suite / "pytest.ini").write_text("[pytest]\nvcrproxy_dir = recorded\n")
    with FakeGateway() as gw:
        got = _pytest(suite, gw, confdir, "record")
        assert got.returncode == 0 and "4 passed" in got.stdout, got.stdout[-3000:]
        folder = suite / "recorded" / "test_names"
        names = sorted(p.name for p in folder.iterdir())
        # unchanged where they fit: existing cassettes keep their names
        assert "test_prompt-short.yaml" in names
        assert (folder / "TestGroup" / "test_plain.yaml").is_file()
        long = [n for n in names if n not in ("test_prompt-short.yaml", "TestGroup")]
        assert len(long) == 2, names  # one cassette each: A and B do not share one
        for name in long:
            assert len(name.encode()) <= 255, name
            assert name.startswith("test_prompt-Summarise-the-following-support-ticket"), name
            assert len(load_cassette(folder / name).interactions) == 1
        seen = len(gw.requests)
        # deterministic: a replay run finds every cassette by the same names, nothing goes up
        again = _pytest(suite, gw, confdir, "replay")
        assert again.returncode == 0 and "4 passed" in again.stdout, again.stdout[-3000:]
        assert len(gw.requests) == seen
        assert sorted(p.name for p in folder.iterdir()) == names


def test_a_cassette_named_up_to_the_limit_is_rewritten(vcr, tmp_path):  # noqa: F811
    """`redact` rewrites the file atomically through a temporary file beside it."""
    path = tmp_path / ("c" * 250 + ".yaml")  # 255 bytes
    leaky_copy(path)
    got = vcr("redact", path)
    assert got.returncode == 0 and "2 secret(s) redacted" in got.stdout, got.stderr
    assert KEY not in path.read_text()
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no temporary file left


def test_two_tests_that_would_share_a_cassette_are_told_apart(tmp_path, confdir):
    """`test[a b]` and `test[a/b]` both became `test-a-b.yaml`: the second replayed the
    first's recording (once mode). Now the second fails, saying which cassette and why."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_clash.py").write_text(textwrap.dedent('''
        import os
        import httpx
        import pytest

        @pytest.mark.parametrize("what", ["a b", "a/b"], ids=str)
        def test_ask(vcrproxy, what):
            with httpx.Client(timeout=20) as client:
                r = client.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=3&q=" + what)
            assert r.status_code == 200, r.text

        @pytest.mark.parametrize("n", [1, 2])  # named on purpose: shared, no error
        @pytest.mark.vcrproxy(cassette="shared.yaml", mode="new-episodes")
        def test_shared(vcrproxy, n):
            with httpx.Client(timeout=20) as client:
                r = client.get(os.environ["SAMPLE_GATEWAY_URL"] + f"/json?size={n}")
            assert r.status_code == 200, r.text
    '''))
    with FakeGateway() as gw:
        got = _pytest(suite, gw, confdir, "once")
    assert "3 passed" in got.stdout and "1 error" in got.stdout, got.stdout[-3000:]
    assert "would share the cassette test_clash/test_ask-a-b.yaml with" in got.stdout
