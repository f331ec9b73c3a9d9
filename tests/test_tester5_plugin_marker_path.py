"""Tester5: `@pytest.mark.vcrproxy(cassette=Path("shared") / "chat.yaml")`, a pathlib.Path as
pytest users pass paths everywhere (tmp_path, fixtures' files), errors the test's setup with a
traceback through the plugin: `TypeError: argument of type 'PosixPath' is not iterable` in
childenv.cassette_name_parts. Expected: an os.PathLike cassette name is taken as its string
(the test records into shared/chat.yaml and passes), or at worst refused in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from fakegateway import FakeGateway


def test_a_pathlib_cassette_name_is_accepted(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_path.py").write_text(textwrap.dedent('''
        import os
        from pathlib import Path

        import httpx
        import pytest

        @pytest.mark.vcrproxy(cassette=Path("shared") / "chat.yaml")
        def test_path(vcrproxy):
            r = httpx.get(os.environ["SAMPLE_GATEWAY_URL"] + "/json?size=10", timeout=20)
            assert r.status_code == 200
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite),
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
    out = got.stdout
    assert "Traceback" not in out and "TypeError" not in out, out[-3000:]
    assert got.returncode == 0, out[-3000:]
    assert (suite / "cassettes" / "shared" / "chat.yaml").exists()
