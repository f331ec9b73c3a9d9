"""Every field replay sends is valid on the wire (RFC 9110 5.5, RFC 9112 4): the kind of tester
defect b7800e7 (a DEL or ESC in a header value recorded as it came, replayed so, and an HTTP/2
client rejecting the whole response while the summary says replayed; tests/
test_tester_ctl_headers.py).

Its other members, each with the one rule of headers.clean_field_value (each CTL but HTAB as a
space, no surrounding whitespace; valid values byte for byte): a value with leading or trailing
whitespace (nghttp2 resets the stream over it too), the reason phrase, HTTP/2 trailers, in
instant and paced replay, when recording, and in `vcrproxy check`. (Header names that are not
tokens: mitmproxy answers 502 to such an upstream response, so nothing is recorded, and a
cassette holding one is refused at start: tests/test_hostile_cassettes.py.)
Real mitmproxy, real curl over h2 and HTTP/1.1, the real CLI.
"""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest
from conftest import raw_answers
from test_cli_sessions import base_env, vcr  # noqa: F401  (fixtures)

from vcrproxy import Cassette, Interaction, Request, Response, load_cassette, save_cassette

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

URL = "https://api.example.invalid/v1/models"
BODY = 'data: {"object":"list","data":[]}\n\n'  # a stream: h2 trailers follow it
HEADERS = {
    "Content-Type": ["text/event-stream"],
    "X-Odd": ["a\x01b\x7fc\x1bd"],
    "X-Padded": [" v\t"],
    "X-Fine": ["tab\there  \u00e9 ~"],  # valid: sent byte for byte
}


def odd_cassette(path) -> str:
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url=URL, method="GET", body="", headers={}, content_length=0),
        response=Response(code=200, status="200 O\x01K\x7f", body=BODY, headers=HEADERS,
                          trailer={"X-Sum": ["1\x7f2 "]}, content_length=len(BODY),
                          duration_ns=0),
    )]), str(path))
    return str(path)


def _curl(proxy, ca: str, *args: str) -> bytes:
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "-D", "-", "--proxy", proxy.url, "--cacert", ca,
         *args, URL],
        capture_output=True, timeout=30,
    )
    assert out.returncode == 0, out.stderr  # (PROTOCOL_ERROR: exit 92)
    return out.stdout


@pytest.mark.parametrize("pace", ["instant", "recorded"])
def test_h2_and_h1_clients_get_each_field_cleaned_and_valid_ones_as_recorded(
        run_proxy, ca_cert, tmp_path, pace):
    proxy = run_proxy(odd_cassette(tmp_path / "c.yaml"), "replay", pace=pace,
                      allow_repeats=True)
    out = _curl(proxy, ca_cert, "--http2")
    head, _, rest = out.partition(b"\r\n\r\n" + BODY.encode())
    lines = head.split(b"\r\n")
    assert b"x-odd: a b c d" in lines and b"x-padded: v" in lines, head
    assert "x-fine: tab\there  \u00e9 ~".encode() in lines, head
    assert rest.replace(b"\r\n", b"\n").strip() == b"x-sum: 1 2", out  # the h2 trailer
    out = _curl(proxy, ca_cert, "--http1.1")
    assert b"\r\n\r\nHTTP/1.1 200 O K\r\n" in out, out  # the reason phrase (after CONNECT's)
    assert b"\r\nX-Odd: a b c d\r\n" in out and b"\r\nX-Padded: v\r\n" in out, out
    assert out.endswith(b"\r\n\r\n" + BODY.encode())


def test_check_reports_each_field_replay_would_clean(vcr, tmp_path):  # noqa: F811
    path = odd_cassette(tmp_path / "c.yaml")
    got = vcr("check", path)
    assert got.returncode == 1, got.stdout + got.stderr
    problems = got.stderr.strip().splitlines()[:-1]  # (the last line counts them)
    assert [p.split(": ", 2)[1] for p in problems] == [
        "interactions[0].response.status", "interactions[0].response.headers.X-Odd",
        "interactions[0].response.headers.X-Padded", "interactions[0].response.trailer.X-Sum",
    ], got.stderr
    assert "control characters" in problems[1] and "whitespace" in problems[2], got.stderr


def test_recording_keeps_every_field_valid(run_proxy, tmp_path):
    """What an HTTP/1.1 upstream sends and mitmproxy relays (h11 accepts it live): the cassette
    gets each CTL as a space and the value trimmed, as RFC 9110 5.5 has a recipient do for CR,
    LF and NUL."""
    answer = (b"HTTP/1.1 200 O\x01K\r\nContent-Type: application/json\r\n"
              b"X-Odd: v \x7f\r\nX-Lead:  \x01v\r\nX-Fine: tab\there\r\n"
              b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
    cassette = tmp_path / "c.yaml"
    with raw_answers([answer]) as base:
        recorder = run_proxy(cassette, "record")
        with httpx.Client(proxy=recorder.url, timeout=5) as client:
            assert client.get(f"{base}/v1/models").status_code == 200
        recorder.stop()
    (rec,) = load_cassette(str(cassette)).interactions
    headers = rec.response.headers
    assert (headers["X-Odd"], headers["X-Lead"], headers["X-Fine"]) == (["v"], ["v"],
                                                                       ["tab\there"])
    assert rec.response.status == "200 O K", rec.response.status
