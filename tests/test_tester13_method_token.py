"""Tester: a request whose method is no HTTP token (`GE(T`, `G@T`, `GET\\x00`, a byte that is
not UTF-8: mitmproxy's HTTP/1 parser takes them) is forwarded and recorded in record mode, and
the whole cassette then cannot be replayed: replay refuses it at start ("interactions[1].
request.method: 'GE(T' is not an HTTP method; replay cannot use this cassette"), while the run
that recorded it exited 0 without a word. Every good exchange recorded beside it is lost to
replay.

README / brief: hostile requests through the proxy never lose data; the cassette survives
(a clear error answer, not a cassette replay refuses).

Expected: such a request is answered by vcrproxy with a one-line error (not forwarded, not
recorded), and the cassette keeps replaying the good exchange."""

from __future__ import annotations

import os
import ssl
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from sessions import connect_tunnel  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402
from vcrproxy.schema import validate  # noqa: E402


def _exchange(port: int, authority: str, ca_cert: str, method: bytes, target: bytes) -> bytes:
    """One request through the proxy's tunnel to `authority`; the raw answer."""
    sock = connect_tunnel("127.0.0.1", port, authority)
    ctx = ssl.create_default_context(cafile=ca_cert)
    ctx.set_alpn_protocols(["http/1.1"])
    with ctx.wrap_socket(sock, server_hostname=authority.rsplit(":", 1)[0]) as tls:
        tls.settimeout(10)
        tls.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: " + authority.encode()
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


@pytest.mark.parametrize("method", [b"GE(T", b"G@T", b"GET\x00", b"G\x80T"],
                         ids=["paren", "at", "nul", "latin1"])
def test_a_method_that_is_no_token_leaves_the_cassette_replayable(
        method, run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    authority = gateway.url.removeprefix("https://")

    proxy = run_proxy(cassette, "record")
    first = _exchange(proxy.proxy.port, authority, ca_cert, b"GET", b"/json?size=20")
    assert first.startswith(b"HTTP/1.1 200"), first[:200]
    answer = _exchange(proxy.proxy.port, authority, ca_cert, method, b"/echo")
    assert answer.startswith(b"HTTP/1.1 4"), answer[:200]
    proxy.stop()

    recorded = load_cassette(str(cassette))
    problems = [str(p) for p in validate(recorded)]
    assert not problems, problems
    assert [i.request.method for i in recorded.interactions] == ["GET"]

    proxy = run_proxy(cassette, "replay")
    again = _exchange(proxy.proxy.port, authority, ca_cert, b"GET", b"/json?size=20")
    assert again.partition(b"\r\n\r\n")[2] == first.partition(b"\r\n\r\n")[2], again[:300]
