"""HTTP trailers through the real proxy: recorded from h2 into go-vcr's `trailer` field, replayed
to h2 clients (instant and paced), left out for HTTP/1.1 clients (mitmproxy cannot send them;
said once), and an HTTP/1.1 upstream announcing trailers (which mitmproxy cannot read) fails at
once instead of hanging the client."""

from __future__ import annotations

import logging
import shutil
import subprocess
import time

import httpx
import pytest
from conftest import proxied_client, running_proxy

from vcrproxy import load_cassette

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

TRAILERS = {"X-Usage-Tokens": ["42"], "X-Checksum": ["abc123"]}


def _curl(proxy, ca: str, url: str, *args: str) -> tuple[bytes, bytes]:
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "-D", "-", "--proxy", proxy.url, "--cacert", ca,
         *args, url],
        capture_output=True, timeout=30,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout, out.stderr


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, confdir, gateway):
    cassette = tmp_path_factory.mktemp("trailers") / "c.yaml"
    with running_proxy(confdir, gateway, cassette, "record") as proxy:
        with proxied_client(proxy, f"{confdir}/mitmproxy-ca-cert.pem", http2=True) as c:
            body = c.get(gateway.url + "/trailers").content
    return cassette, body


def test_h2_trailers_are_recorded_like_go_vcr(recorded):
    cassette, body = recorded
    (rec,) = load_cassette(cassette).interactions
    assert rec.response.trailer == TRAILERS
    assert "Trailer" not in rec.response.headers  # Go moves the announcement into Trailer
    assert rec.response.body_bytes == body
    assert "trailer:\n" in cassette.read_text()


@pytest.mark.parametrize("pace", ["instant", "recorded"])
def test_trailers_replayed_to_h2_clients(pace, recorded, run_proxy, ca_cert, gateway):
    cassette, body = recorded
    proxy = run_proxy(cassette, "replay", pace=pace)
    out, _ = _curl(proxy, ca_cert, gateway.url + "/trailers", "--http2")
    head, _, rest = out.partition(b"\r\n\r\n" + body)
    assert b"HTTP/2 200" in head
    # (recorded in Go map order, as go-vcr writes a trailer http.Header: sorted)
    assert rest.replace(b"\r\n", b"\n").strip() == b"x-checksum: abc123\nx-usage-tokens: 42"


def test_trailers_left_out_for_http1_clients_said_once(recorded, run_proxy, ca_cert, gateway,
                                                       caplog):
    caplog.set_level(logging.WARNING, logger="vcrproxy")
    cassette, body = recorded
    proxy = run_proxy(cassette, "replay", allow_repeats=True)
    for _ in range(2):
        out, _ = _curl(proxy, ca_cert, gateway.url + "/trailers", "--http1.1")
        assert out.endswith(b"\r\n\r\n" + body)  # complete, and the connection is usable
    said = [r.getMessage() for r in caplog.records if "trailers" in r.getMessage()]
    assert len(said) <= 1  # once per process (an earlier test in this process may have said it)
    from vcrproxy import trailers

    assert "replay-h1" in trailers._said


def test_http1_upstream_announcing_trailers_fails_fast_not_hangs(
    run_proxy, gateway, ca_cert, tmp_path, caplog
):
    caplog.set_level(logging.ERROR, logger="vcrproxy")
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    t0 = time.monotonic()
    # an HTTP/1.1 client: mitmproxy offers the upstream what the client offered, so HTTP/1.1
    with proxied_client(proxy, ca_cert) as c, pytest.raises(httpx.RemoteProtocolError):
        c.get(gateway.url + "/trailers")
    assert time.monotonic() - t0 < 3  # not the client's own timeout (20 s)
    with proxied_client(proxy, ca_cert) as c:  # the proxy still serves
        assert c.get(gateway.url + "/json").status_code == 200
    assert [i.request.url.rsplit("/", 1)[1] for i in load_cassette(cassette).interactions] == [
        "json"
    ]
    said = [r.getMessage() for r in caplog.records if "HTTP/1.1 trailers" in r.getMessage()]
    assert len(said) == 1 and "mitmproxy issue #2474" in said[0], said
