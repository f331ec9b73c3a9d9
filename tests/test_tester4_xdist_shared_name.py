"""Tester: under pytest-xdist the plugin's refusal of two tests whose names map to one
cassette (`test_q[a b]` and `test_q[a/b]` -> test_q-a-b.yaml) does not happen when the two run
on different workers: the first-come record of names is per process
(pytest_plugin._own_name, `config.stash`), so both tests pass, and in record mode the cassette
keeps only one of the two recordings (the other test fails in the next replay run). Without
xdist the second test errors at setup, as the README says.

README (Per-test cassettes): "Two tests whose names differ only in replaced characters
(`test[a b]`, `test[a/b]`) would share a cassette: the second errors at setup, naming both";
"Works under pytest-xdist (one proxy per worker)". Every worker collects the whole suite, so
the collision is known to each of them.

Expected: under -n 2 one of the two tests errors naming both (as without xdist), and neither
test's recording is silently replaced."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway

SUITE = textwrap.dedent('''
    import os
    import httpx
    import pytest

    @pytest.mark.parametrize("q", [
        pytest.param("a b", marks=pytest.mark.xdist_group("one")),
        pytest.param("a/b", marks=pytest.mark.xdist_group("two")),
    ])
    def test_q(vcrproxy, q):
        with httpx.Client(timeout=20) as client:
            r = client.get(os.environ["SAMPLE_GATEWAY_URL"] + "/echo", params={"q": q})
        assert r.status_code == 200
''')


def test_two_tests_sharing_a_cassette_name_on_two_workers_are_refused(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_names.py").write_text(SUITE)
    environ = {k: v for k, v in os.environ.items()
               if not k.upper().endswith("_PROXY") and not k.startswith("VCRPROXY_")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite), "--vcrproxy-mode", "record", "-n", "2",
             "--dist", "loadgroup",
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
    out = got.stdout + got.stderr
    assert "would share the cassette" in out, out[-3000:]
    assert got.returncode != 0
