"""Control characters other than CR, LF and NUL in a response header value (DEL, ESC, 0x01).

Round 7 (616b581) made the recorder write CR/LF/NUL in an upstream header value as a space.
The same kind's other members (RFC 9110 5.5: every CTL but HTAB is invalid in a field value) are
recorded as they came and replayed as they are: an HTTP/2 client then rejects the whole response
(curl/nghttp2: PROTOCOL_ERROR, exit 92; Go's net/http: "invalid header field value"), while the
summary says `replayed 1, failed 0` and `vcrproxy check` says ok. A go-vcr cassette, or one we
recorded from a lenient HTTP/1.1 upstream (an h1 client accepts the header live), so cannot be
replayed to the h2 clients every SDK uses. Real proxy, real curl over h2, the real CLI.
"""

from __future__ import annotations

import shutil

import httpx
import pytest
from conftest import raw_answers
from test_cli_sessions import base_env, vcr  # noqa: F401  (fixtures)

from vcrproxy import Cassette, Interaction, Request, Response, load_cassette, save_cassette

ODD = "a\x01b\x7fc\x1bd"
URL = "https://api.example.invalid/v1/models"


def test_a_ctl_in_an_upstream_header_is_not_recorded_as_it_came(run_proxy, tmp_path):
    """As CR/LF/NUL since 616b581: what is recorded must be sendable to any client."""
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Odd: "
              + ODD.encode() + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    cassette = tmp_path / "c.yaml"
    with raw_answers([answer]) as base:
        recorder = run_proxy(cassette, "record")
        with httpx.Client(proxy=recorder.url, timeout=5) as client:
            assert client.get(f"{base}/v1/models").status_code == 200  # (h11 accepts it live)
        recorder.stop()
    value = load_cassette(str(cassette)).interactions[0].response.headers["X-Odd"][0]
    assert not any(ord(ch) < 0x20 and ch != "\t" or ord(ch) == 0x7F for ch in value), repr(value)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_an_h2_client_gets_a_replayed_answer_whose_header_holds_a_ctl(vcr, tmp_path):  # noqa: F811
    body = '{"object":"list","data":[]}'
    path = tmp_path / "ctl.yaml"
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url=URL, method="GET", body="", headers={}, content_length=0),
        response=Response(code=200, status="200 OK", body=body,
                          headers={"Content-Type": ["application/json"], "X-Odd": [ODD]},
                          content_length=len(body), duration_ns=0),
    )]), str(path))

    checked = vcr("check", path)
    got = vcr("replay", path, "--", "curl", "-sS", "--http2", "-m", "10", URL)
    # Replay must either send something an h2 client accepts, or refuse the cassette clearly
    # (and then check must name the header): not report `replayed 1` for a failed exchange.
    if got.returncode == 0:
        assert got.stdout == body, got.stderr
    else:
        assert "PROTOCOL_ERROR" not in got.stderr, (
            f"curl --http2 rejected the replayed answer (exit {got.returncode}) while the "
            f"summary says it was replayed; check said: {checked.stdout.strip()!r}\n{got.stderr}"
        )
        assert checked.returncode != 0 and "X-Odd" in checked.stdout + checked.stderr
