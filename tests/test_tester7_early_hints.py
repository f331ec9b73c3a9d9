"""Tester: recording from an upstream that sends `103 Early Hints` before its answer (RFC 8297;
CDNs add it in front of origins) hangs the client and records the 103 as the interaction's
answer. mitmproxy's HTTP/1 client layer takes the 103 for the final response (plain mitmdump
hangs the same way), sends it on and then waits; the client has only an interim response and
waits until its own timeout; the cassette gets `code: 103` with no body, which replay then
refuses as an interim answer (a miss) and `vcrproxy check` reports. vcrproxy already guards
the like mitmproxy gap for HTTP/1.1 trailers (trailers.py: the exchange is cut off at once with
a one-line error instead of hanging the client); 1xx interim answers other than 100/101 get
neither that nor a recording go-vcr would make (Go's client reads past 1xx to the 200).

README (Cassettes): "Fields are written as go-vcr would write them for the same exchange";
"an HTTP/1.1 upstream that announces trailers is closed at once with an error instead of
hanging the client".

Expected: no hang and no 103 in the cassette: either the client gets the final 200 and the
cassette holds it, or the exchange fails at once (as for trailers) and nothing is recorded."""

from __future__ import annotations

import subprocess

from conftest import raw_answers

from vcrproxy import load_cassette

EARLY_HINTS = (b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
               b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
               b'{"ok":true}')


def test_tester7_an_early_hints_answer_neither_hangs_nor_is_recorded(run_proxy, ca_cert,
                                                                    tmp_path):
    path = tmp_path / "c.yaml"
    with raw_answers([EARLY_HINTS]) as base:
        proxy = run_proxy(path, "record")
        got = subprocess.run(
            ["curl", "-sS", "-i", "--max-time", "8", "--proxy", proxy.url, base + "/v1/models"],
            capture_output=True, timeout=30)
        proxy.stop()
    timed_out = got.returncode == 28  # curl: operation timed out
    assert not timed_out, f"the client hung: {got.stdout!r} {got.stderr!r}"
    codes = [i.response.code for i in load_cassette(str(path)).interactions] \
        if path.exists() else []
    assert all(code >= 200 for code in codes), f"recorded answers: {codes}"
    # mitmproxy's HTTP/1 client cannot read past an interim answer: the exchange fails at once,
    # with a 502 saying why (README "Cassettes"), and nothing is recorded.
    assert got.returncode == 0, got.stderr
    head, _, body = got.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 502"), got.stdout
    assert b"interim HTTP/1.1 answer (103 Early Hints)" in body, body
    assert codes == [], codes
