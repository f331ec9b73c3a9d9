"""Tester5: in a replay run (`--vcrproxy-mode=replay`, CI offline) a test whose cassette does not
exist gets, for each request, a 400 answer saying "cassette not found (replay needs a
recording)", but nothing fails the test itself: the refusal is no miss of a session
(vcr.release finds none) and the bypass check skips a cassette that cannot be replayed. A test
whose code tolerates an API error (a fallback answer, a retry wrapper that gives up quietly)
passes green without ever having been recorded. `vcrproxy replay missing.yaml -- CMD` refuses
at once in one line. Expected: such a test fails, naming the missing cassette."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway


def test_a_replay_run_fails_a_test_whose_cassette_is_missing(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_tolerant.py").write_text(textwrap.dedent('''
        import os
        import httpx

        def test_tolerant(vcrproxy):
            r = httpx.post(os.environ["SAMPLE_GATEWAY_URL"] + "/v1/chat/completions",
                           json={"model": "m", "messages": []}, timeout=20)
            answer = r.json()["choices"][0]["message"]["content"] if r.is_success else "fallback"
            assert answer
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite), "--vcrproxy-mode", "replay"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
        assert not gw.requests
    assert got.returncode != 0, got.stdout[-2000:]
    assert "test_tolerant.yaml" in got.stdout, got.stdout[-2000:]
