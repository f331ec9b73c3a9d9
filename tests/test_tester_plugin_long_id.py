"""The pytest plugin names a test's cassette after its full id: a long parametrize id (a prompt
as the parameter, common for eval suites) makes a name the file system refuses.

`cassette_name` joins the module and `node.name` with unsafe characters replaced, never
shortened: `test_prompt[<300 characters>]` becomes a 300-byte file name (NAME_MAX is 255), the
cassette cannot be opened, and the test's request gets a miss ("cannot read it (permission
denied)") in `once` mode, where a test with a short id records. The suite cannot be recorded at
all; vcrpy and pytest-recording shorten or hash such names. Real pytest run of a user suite, the
real plugin and proxy, the fake gateway, httpx.
"""

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

    GATEWAY = os.environ["SAMPLE_GATEWAY_URL"]
    PROMPTS = ["short", "Summarise the following support ticket in one sentence. " * 6]

    @pytest.mark.parametrize("prompt", PROMPTS, ids=str)
    def test_prompt(vcrproxy, prompt):
        with httpx.Client(timeout=20) as client:  # HTTPS_PROXY, SSL_CERT_FILE from the fixture
            r = client.post(GATEWAY + "/v1/chat/completions", json={
                "model": "gpt-fake", "messages": [{"role": "user", "content": prompt}]})
        assert r.status_code == 200, r.text
''')


def test_a_long_parametrize_id_still_records(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_long.py").write_text(SUITE)
    (suite / "pytest.ini").write_text("[pytest]\nvcrproxy_dir = recorded\n")
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        got = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(suite), str(suite), "--vcrproxy-mode", "once",
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
    assert got.returncode == 0 and "2 passed" in got.stdout, got.stdout[-3000:]
