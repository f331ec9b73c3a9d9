"""Tester: two tests of one pytest run that share a cassette through the marker
(`@pytest.mark.vcrproxy(cassette="shared/chat.yaml")`, the README's example of a shared
cassette) lose all but the last test's recording under `--vcrproxy-mode=record`: the plugin
releases a test's session at its end, so the next test opens the cassette again in record mode,
and its first exchange starts the file afresh, dropping what the earlier test of the same run
recorded. The replay run that follows then fails the earlier test with a miss.

README (Cassettes): "two recorders on one file (pytest-xdist workers, two terminals) keep each
other's interactions"; the brief's promise: sharing one cassette never loses an interaction.
A run is one recording: `record` replaces what earlier runs left, not what this run wrote.

Expected: after the record run the cassette holds both tests' exchanges, and a replay run of
the same suite passes offline."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway

from vcrproxy import load_cassette

SUITE = textwrap.dedent('''
    import os
    import httpx
    import pytest

    URL = os.environ["SAMPLE_GATEWAY_URL"]

    @pytest.mark.vcrproxy(cassette="shared/chat.yaml")
    def test_a(vcrproxy):
        with httpx.Client(timeout=20) as client:
            assert client.get(URL + "/echo?who=a").status_code == 200

    @pytest.mark.vcrproxy(cassette="shared/chat.yaml")
    def test_b(vcrproxy):
        with httpx.Client(timeout=20) as client:
            assert client.get(URL + "/echo?who=b").status_code == 200
''')


def _pytest(suite, environ, *args):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--rootdir", str(suite), str(suite), *args],
        env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
    )


def test_tests_sharing_a_cassette_keep_each_others_recordings(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_shared.py").write_text(SUITE)
    environ = {k: v for k, v in os.environ.items()
               if not k.upper().endswith("_PROXY") and not k.startswith("VCRPROXY_")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        recorded = _pytest(suite, environ, "--vcrproxy-mode", "record",
                           "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}")
        assert recorded.returncode == 0, recorded.stdout[-3000:]
        assert len(gw.requests) == 2
    urls = [i.request.url for i in
            load_cassette(str(suite / "cassettes" / "shared" / "chat.yaml")).interactions]
    assert sorted(u.rsplit("?", 1)[1] for u in urls) == ["who=a", "who=b"], urls

    replayed = _pytest(suite, environ, "--vcrproxy-mode", "replay")
    assert replayed.returncode == 0, replayed.stdout[-3000:]
