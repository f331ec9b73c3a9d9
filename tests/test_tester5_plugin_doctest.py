"""Tester5: the `vcrproxy` fixture asked for from a doctest (`getfixture('vcrproxy')`, pytest's
way for doctests to use fixtures, run with --doctest-modules) fails with
`AttributeError: 'DoctestItem' object has no attribute 'cls'`: pytest_plugin.cassette_name reads
`node.cls`, which only Python test functions have. Expected: a doctest gets a cassette of its
own (named after its module and name) and its request is recorded."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway


def test_a_doctest_can_use_the_fixture(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "weather.py").write_text(textwrap.dedent('''
        def forecast():
            """
            >>> vc = getfixture("vcrproxy")
            >>> import os, httpx
            >>> httpx.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=5", timeout=20).status_code
            200
            """
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite), "--doctest-modules",
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
    assert "AttributeError" not in got.stdout, got.stdout[-2000:]
    assert got.returncode == 0, got.stdout[-2000:]
    assert list(suite.rglob("cassettes/**/*.yaml")), "nothing recorded"
