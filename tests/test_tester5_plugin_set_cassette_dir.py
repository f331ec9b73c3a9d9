"""Tester5: `--vcrproxy-set vcr_cassette_dir=DIR` (or the same line in the `vcrproxy_set` ini
key) moves where the plugin's proxy writes each test's cassette, but not where the fixture
looks for it (its own root: --vcrproxy-dir, vcrproxy_dir, <rootdir>/cassettes). The test's
request is recorded into DIR/<module>/<test>.yaml, and then the test fails at teardown with
"the test made no request through the proxy ... its client bypassed the proxy", naming every
runtime's pitfalls, though it went through the proxy; `vcrproxy.cassette` names a file that
is never written. Expected: the fixture and the proxy agree on one root (DIR is the root, as
--vcrproxy-dir DIR), or the option is refused in one line; never a false bypass."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway


def test_set_cassette_dir_is_one_root_or_refused(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_dir.py").write_text(textwrap.dedent('''
        import os
        import httpx

        def test_one(vcrproxy):
            r = httpx.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=10", timeout=20)
            assert r.status_code == 200
    '''))
    elsewhere = tmp_path / "elsewhere"
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite),
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}",
             "--vcrproxy-set", f"vcr_cassette_dir={elsewhere}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
    out = got.stdout + got.stderr
    assert "bypassed the proxy" not in out, out[-3000:]
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.yaml"))
    if got.returncode == 0:  # DIR taken as the root: the recording is where the test is told
        assert written == ["elsewhere/test_dir/test_one.yaml"], written
    else:  # refused: one line, nothing recorded
        assert written == [], written
