"""Fields as the wire carried them: IPv6 upstreams written `https://[::1]:PORT/...` (as Go
writes them) and matched whichever way a cassette spells them; the request `proto` as go-vcr
writes it; real sizes in the live per-flow line for streamed recordings, paced replays and
passthrough streams."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from urllib.parse import urlsplit

import pytest
from conftest import proxied_client

from vcrproxy import load_cassette, save_cassette
from vcrproxy.matching import MatchConfig, Matcher


def _has_ipv6_listener(gateway) -> bool:
    return any(s.family == socket.AF_INET6 for s in gateway._listeners)


def _reports(proxy) -> list:
    seen: list = []
    proxy.vcr.listeners.append(seen.append)
    return seen


def _curl(proxy, ca: str, url: str, flag: str) -> bytes:
    # curl, not httpx: httpcore writes an IPv6 CONNECT target without brackets
    # (`CONNECT ::1:PORT`), which mitmproxy rejects as a bad request line before any addon runs.
    out = subprocess.run(
        ["curl", "-sS", flag, "--max-time", "10", "--proxy", proxy.url, "--cacert", ca, url],
        capture_output=True, timeout=30,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("flag", ["--http1.1", "--http2"])
def test_ipv6_upstream_is_bracketed_and_both_spellings_match(
    flag, run_proxy, gateway, ca_cert, tmp_path
):
    if not _has_ipv6_listener(gateway):
        pytest.skip("no IPv6 loopback on this machine")
    base = f"https://[::1]:{gateway.port}"
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    first = _curl(proxy, ca_cert, base + "/json?size=30", flag)
    assert len(first) == 30
    proxy.stop()
    (rec,) = load_cassette(cassette).interactions
    assert rec.request.url == base + "/json?size=30"
    assert urlsplit(rec.request.url).port == gateway.port  # readable, unlike ::1:PORT
    assert rec.request.host == ""  # the Host header agrees with the URL
    assert (rec.request.proto, rec.request.proto_major, rec.request.proto_minor) == (
        "HTTP/1.1", 1, 1)  # go-vcr's request proto, whatever the client spoke
    assert rec.response.proto == ("HTTP/2.0" if flag == "--http2" else "HTTP/1.1")

    # a cassette with the bare spelling (earlier vcrproxy) and one with a long form address
    variants = {
        "bare": f"https://::1:{gateway.port}/json?size=30",
        "long": f"https://[0:0:0:0:0:0:0:1]:{gateway.port}/json?size=30",
    }
    for name, url in variants.items():
        c2 = load_cassette(cassette)
        c2.interactions[0].request.url = url
        path = tmp_path / f"{name}.yaml"
        save_cassette(c2, str(path))
        before = len(gateway.requests)
        proxy = run_proxy(path, "replay")
        assert _curl(proxy, ca_cert, base + "/json?size=30", flag) == first, name
        assert len(gateway.requests) == before
        proxy.stop()


def test_ipv6_hosts_compare_as_addresses():
    from vcrproxy.cassette import Interaction, Request, Response

    def inter(url):
        return Interaction(id=0, request=Request(url=url, method="GET"), response=Response())

    m = Matcher([inter("https://::1:8443/v1")], MatchConfig())
    assert m.find(Request(url="https://[::1]:8443/v1", method="GET")) is not None
    m = Matcher([inter("https://[::1]:8443/v1")], MatchConfig())
    miss = m.explain(Request(url="https://[::2]:8443/v1", method="GET")).message()
    assert "host: recorded [::1]:8443 vs live [::2]:8443" in miss, miss
    assert m.find(Request(url="https://[::1]:9443/v1", method="GET")) is None


def test_live_line_sizes_for_streamed_recordings_paced_replays_and_passthrough(
    run_proxy, gateway, ca_cert, tmp_path
):
    cassette = tmp_path / "c.yaml"
    url = gateway.url + "/gzip/ndjson?n=4&gap_ms=10"
    headers = {"Accept-Encoding": "gzip"}
    proxy = run_proxy(cassette, "record")
    seen = _reports(proxy)
    with proxied_client(proxy, ca_cert) as c:
        wire = len(c.get(url, headers=headers).content)  # httpx decodes: measure raw instead
        with c.stream("GET", url, headers=headers) as r:
            raw = b"".join(r.iter_raw())
    _wait(lambda: len(seen) == 2)
    assert [r.kind for r in seen] == ["recorded", "recorded"]
    assert seen[1].size == len(raw) and wire > 0  # the bytes the client got, as sent (gzip)
    proxy.stop()

    proxy = run_proxy(cassette, "replay", pace="recorded", allow_repeats=True)
    seen = _reports(proxy)
    with proxied_client(proxy, ca_cert) as c:
        body = c.get(url, headers=headers).content
    _wait(lambda: len(seen) == 1)
    assert seen[0].kind == "replayed" and seen[0].size == len(body) > 0

    proxy = run_proxy(tmp_path / "p.yaml", "passthrough")
    seen = _reports(proxy)
    with proxied_client(proxy, ca_cert) as c, c.stream("GET", url, headers=headers) as r:
        raw = b"".join(r.iter_raw())
    _wait(lambda: len(seen) == 1)
    assert seen[0].kind == "passthrough" and seen[0].size == len(raw) > 0


def _wait(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
