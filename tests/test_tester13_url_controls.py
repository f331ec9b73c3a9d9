"""Tester: one request whose target holds a raw control character (`GET /echo/a\\x01b`,
`\\x00`, `\\x7f`: mitmproxy's HTTP/1 parser lets them through and forwards them) is recorded
with that character in its `url:`, and the whole cassette then cannot be replayed: replay
refuses it at start ("interactions[1].request.url: ... holds spaces or control characters;
replay cannot use this cassette"), `vcrproxy check` reports it, and the run that recorded it
exited 0 without a word. Every good exchange recorded beside it is lost to replay.

README / brief: hostile requests through the proxy never lose data; the cassette survives.

Expected: the recording stays replayable: its URL is written as Go writes such a byte
(percent-encoded, as `url.URL.String()` does), `check` finds no problem, and replay answers
the good request and the hostile one again from the recording."""

from __future__ import annotations

import os
import ssl
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from sessions import connect_tunnel  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402
from vcrproxy.schema import validate  # noqa: E402


def _exchange(port: int, authority: str, ca_cert: str, target: bytes) -> bytes:
    """One GET of `target` through the proxy's tunnel to `authority`; the raw answer."""
    sock = connect_tunnel("127.0.0.1", port, authority)
    ctx = ssl.create_default_context(cafile=ca_cert)
    ctx.set_alpn_protocols(["http/1.1"])
    with ctx.wrap_socket(sock, server_hostname=authority.rsplit(":", 1)[0]) as tls:
        tls.settimeout(10)
        tls.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + authority.encode()
                    + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            try:
                chunk = tls.recv(65536)
            except (TimeoutError, ssl.SSLError, ConnectionError):
                break
            if not chunk:
                break
            data += chunk
    return data


@pytest.mark.parametrize("ctl", [b"\x01", b"\x00", b"\x7f"], ids=["soh", "nul", "del"])
def test_a_control_character_in_a_recorded_url_keeps_the_cassette_replayable(
        ctl, run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    authority = gateway.url.removeprefix("https://")
    good, hostile = b"/json?size=20", b"/echo/a" + ctl + b"b"

    proxy = run_proxy(cassette, "record")
    first = _exchange(proxy.proxy.port, authority, ca_cert, good)
    assert first.startswith(b"HTTP/1.1 200"), first[:200]
    answer = _exchange(proxy.proxy.port, authority, ca_cert, hostile)
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    proxy.stop()

    recorded = load_cassette(str(cassette))
    assert len(recorded.interactions) == 2
    problems = [str(p) for p in validate(recorded)]
    assert not problems, problems

    proxy = run_proxy(cassette, "replay")
    again = _exchange(proxy.proxy.port, authority, ca_cert, good)
    assert again.partition(b"\r\n\r\n")[2] == first.partition(b"\r\n\r\n")[2], again[:300]
    replayed = _exchange(proxy.proxy.port, authority, ca_cert, hostile)
    assert b"x-vcrproxy-miss" not in replayed.lower(), replayed[:400]
    assert replayed.split(b"\r\n", 1)[0] == answer.split(b"\r\n", 1)[0]
