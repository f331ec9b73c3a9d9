"""Tester: a request to an IPv6 literal host is named without brackets in the session's own
lines: the summary's `miss: GET http://::1:PORT/x`, the live line and the MISS log line, while
the miss explanation and the cassette write `http://[::1]:PORT/x` (flows.request_url, as Go
does). `http://::1:PORT/x` is no URL (urlsplit cannot read its port; pasted into curl it fails).

Brief: each problem gets one clear line.

Expected: the summary and the live line write the URL as the cassette does, host in brackets."""

from __future__ import annotations

import socket

import pytest


def test_a_miss_to_an_ipv6_host_is_named_with_brackets(run_proxy, tmp_path):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6) as s:
            port = s.getsockname()[1]
    except OSError as e:
        pytest.skip(f"no IPv6 loopback ({e})")
    cassette = tmp_path / "c.yaml"
    cassette.write_text(
        "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    url: https://api.openai.com/x\n"
        "    method: GET\n  response:\n    status: 200 OK\n    code: 200\n    body: ''\n")
    proxy = run_proxy(cassette, "replay")
    lines = []
    proxy.call(proxy.vcr.listeners.append, lines.append)
    with socket.create_connection(("127.0.0.1", proxy.proxy.port), timeout=10) as c:
        c.sendall(f"GET http://[::1]:{port}/x HTTP/1.1\r\nHost: [::1]:{port}\r\n"
                  "Connection: close\r\n\r\n".encode())
        answer = b""
        while chunk := c.recv(65536):
            answer += chunk
    assert b"X-Vcrproxy-Miss" in answer, answer[:300]
    summary = proxy.call(proxy.vcr.summary_lines)
    want = f"GET http://[::1]:{port}/x"
    assert f"  miss: {want}" in summary, summary
    assert [f"{r.method} {r.url}" for r in lines] == [want]
