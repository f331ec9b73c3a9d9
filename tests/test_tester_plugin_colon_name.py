"""Tester: a pytest marker naming a cassette with a colon (`cassette="runs/2026-12-01T10:00.yaml"`,
a valid file name) breaks the test: the plugin puts the name into the proxy URL's user part,
which the client decodes and sends as `Proxy-Authorization: Basic base64(NAME:MODE)`; the proxy
splits it at the first colon, so the request goes to a cassette `runs/2026-12-01T10` with a
mode `00.yaml:once`, and is answered with a miss (`unknown mode '00.yaml:once'`). The teardown
then fails the test saying that its client bypassed the proxy (it did not: it went through,
and got an error answer), and nothing is recorded.

Expected: the test records into `<root>/runs/2026-12-01T10:00.yaml` like any other name, or,
if a colon cannot be carried, the marker is refused at setup in one line saying so (not a
miss and a wrong "bypassed the proxy" diagnosis). Real pytest run of a user suite, the real
plugin and proxy, the fake gateway, httpx."""

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

    @pytest.mark.vcrproxy(cassette="runs/2026-12-01T10:00.yaml")
    def test_named_with_a_colon(vcrproxy):
        with httpx.Client(timeout=20) as client:  # HTTPS_PROXY, SSL_CERT_FILE from the fixture
            r = client.get(GATEWAY + "/json?size=40")
        assert r.status_code == 200, r.text
''')


def test_a_marker_cassette_name_with_a_colon_records(tmp_path, confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_colon.py").write_text(SUITE)
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
    out = got.stdout + got.stderr
    assert "bypassed the proxy" not in out, out[-3000:]  # it did not: a wrong diagnosis
    recorded = suite / "recorded" / "runs" / "2026-12-01T10:00.yaml"
    if got.returncode == 0:
        assert "1 passed" in got.stdout and recorded.exists(), out[-3000:]
    else:  # refused: at setup, saying why, before any request
        assert "ERROR at setup" in got.stdout and "2026-12-01T10:00.yaml" in got.stdout, \
            out[-3000:]


def test_proxy_url_names_keep_colons_and_percents(run_proxy, gateway, ca_cert, tmp_path):
    """childenv.proxy_url (the plugin's and `vcrproxy env`'s URLs) carries any name through a
    real client's Basic credentials: a `:` (split off as the mode before) and a literal `%41`
    (unquoted to `A` before) reach their own files; a plain name's URL reads as before."""
    import httpx

    from vcrproxy.childenv import proxy_url

    assert proxy_url("127.0.0.1", 1, "chat/one two", "replay") == \
        "http://chat%2Fone%20two:replay@127.0.0.1:1"
    proxy = run_proxy(tmp_path / "default.yaml", "record")
    host, port = proxy.url.rsplit("/", 1)[1].rsplit(":", 1)
    for name in ("runs/10:00.yaml", "odd%41:name.yaml"):
        url = proxy_url(host, int(port), name, "record")
        with httpx.Client(proxy=url, verify=ca_cert, timeout=20) as client:
            assert client.get(gateway.url + "/json?size=40").status_code == 200
    proxy.stop()
    assert (tmp_path / "runs" / "10:00.yaml").exists()
    assert (tmp_path / "odd%41:name.yaml").exists()
    assert not (tmp_path / "default.yaml").exists()
