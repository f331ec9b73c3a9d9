"""Tester5: two tests whose generated cassette names differ only in replaced characters
(`test_word[a b]`, `test_word[a/b]`: both `test_word-a-b.yaml`) are refused in one process
("... would share the cassette ...: give one its own"), but the check lives in the process's
own stash: under pytest-xdist (which the README says the plugin works under), run on two
workers, neither sees the other, both pass and record into one file, and later runs replay
the pair from that shared cassette. Expected: under xdist too, the second test errors naming
the shared cassette (or each test gets a cassette of its own), never a silent pass into one
file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway


def test_a_shared_generated_name_is_refused_under_xdist(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_words.py").write_text(textwrap.dedent('''
        import os
        import httpx
        import pytest

        @pytest.mark.parametrize("word", [
            pytest.param("a b", marks=pytest.mark.xdist_group("one")),
            pytest.param("a/b", marks=pytest.mark.xdist_group("two")),
        ])
        def test_word(vcrproxy, word):
            r = httpx.post(os.environ["SAMPLE_GATEWAY_URL"] + "/echo", json={"word": word},
                           timeout=20)
            assert r.status_code == 200
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite), "-n", "2", "--dist", "loadgroup",
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
    files = sorted(str(p.relative_to(suite)) for p in suite.rglob("*.yaml"))
    if got.returncode == 0:  # each test got its own cassette
        assert len(files) == 2, (f"both tests passed, recorded into one shared cassette "
                                 f"{files}:\n{got.stdout[-2000:]}")
    else:
        assert "would share the cassette" in got.stdout, got.stdout[-3000:]
