"""Replay's status codes: what a recorded `code` may be, and which request it can answer.

A 1xx is interim (RFC 9110 section 15.2): sent as the final answer it hangs an HTTP/1.1 client
or crashes mitmproxy's HTTP/2 layer, so a match whose answer is one (a 101 to a request that is
no WebSocket handshake, any other 1xx) is a miss, and a later match of the right kind answers.
Real proxy, httpx; `vcrproxy check` through click's runner.
"""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner
from conftest import proxied_client, raw_answers

from vcrproxy.cli.main import main


def _interaction(n: int, url: str, code: int, status: str, body: str) -> str:
    return (
        f"- id: {n}\n  request:\n    url: {url}\n    method: GET\n    proto: HTTP/1.1\n"
        "    proto_major: 1\n    proto_minor: 1\n    content_length: 0\n    host: \"\"\n"
        "  response:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n"
        f"    content_length: -1\n    body: {body}\n    headers: {{}}\n    status: {status}\n"
        f"    code: {code}\n    duration: 1ms\n")


def _cassette(path, *interactions: str) -> str:
    path.write_text("---\nversion: 2\ninteractions:\n" + "".join(interactions), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_a_plain_get_passes_over_a_recorded_101_to_its_own_answer(run_proxy, ca_cert, tmp_path,
                                                                   http2):
    url = "https://a.example/v1/realtime"
    path = _cassette(tmp_path / "c.yaml", _interaction(0, url, 101, "101 Switching Protocols",
                                                       "''"),
                     _interaction(1, url, 200, "200 OK", "plain"))
    replay = run_proxy(path, "replay")
    with proxied_client(replay, ca_cert, http2=http2) as client:
        client.timeout = httpx.Timeout(5)
        r = client.get(url)
        assert (r.status_code, r.text) == (200, "plain")
        again = client.get(url)  # the 101 is still there, and still not an answer to this
    assert again.status_code == 400 and again.headers.get("x-vcrproxy-miss")
    assert "101 WebSocket upgrade" in again.text and "interaction 0" in again.text
    [sess] = replay.vcr.all_sessions()
    assert [i.id for i in sess.unused()] == [0]


@pytest.mark.parametrize("code", [100, 102, 103])
def test_an_interim_code_is_a_miss_and_check_reports_it(run_proxy, ca_cert, tmp_path, code):
    url = "https://a.example/"
    path = _cassette(tmp_path / "c.yaml", _interaction(0, url, code, f"{code} Interim", "x"))
    replay = run_proxy(path, "replay")
    with proxied_client(replay, ca_cert) as client:
        client.timeout = httpx.Timeout(5)
        r = client.get(url)
    assert r.status_code == 400 and r.headers.get("x-vcrproxy-miss")
    assert f"code {code}, an interim (1xx) status" in r.text
    result = CliRunner().invoke(main, ["check", path])
    assert result.exit_code == 1, result.output
    assert f"interactions[0].response.code: {code} is an interim (1xx) status" in result.stderr


# -- codes beyond 599, and `code` against the `status` text ----------------------------------------


@pytest.mark.parametrize("pace", ["instant", "recorded"])
@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_a_999_replays_as_recorded(run_proxy, ca_cert, tmp_path, http2, pace):
    """Status codes are three digits (RFC 9112 `status-code = 3DIGIT`): LinkedIn's 999 records
    and replays like any other, instantly and paced, h1 and h2."""
    url = "https://a.example/scrape"
    path = _cassette(tmp_path / "c.yaml", _interaction(0, url, 999, "999 Request denied", "no"))
    replay = run_proxy(path, "replay", pace=pace)
    with proxied_client(replay, ca_cert, http2=http2) as client:
        r = client.get(url)
    assert (r.status_code, r.text) == (999, "no")
    if not http2:
        assert r.reason_phrase == "Request denied"
    assert CliRunner().invoke(main, ["check", path]).exit_code == 0


@pytest.mark.parametrize("code", [99, 1000])
def test_a_code_of_other_than_three_digits_is_still_refused(tmp_path, code):
    path = _cassette(tmp_path / "c.yaml", _interaction(0, "https://a.example/", code, "x", "x"))
    result = CliRunner().invoke(main, ["check", path])
    assert result.exit_code == 1
    assert f"{code} is not an HTTP status code (100-999)" in result.stderr


@pytest.mark.parametrize("status, reason", [("404 Not Found", "OK"), ("200 Fine", "Fine"),
                                            ("Fine indeed", "Fine indeed")])
def test_code_is_the_status_and_both_paces_send_one_status_line(run_proxy, ca_cert, tmp_path,
                                                                 status, reason):
    """go-vcr's rule: `code` is the status; the `status` text gives only the reason phrase, and
    not when it names another code. Instant and paced replay send the same line."""
    url = "https://a.example/v1/models"
    path = _cassette(tmp_path / "c.yaml", _interaction(0, url, 200, f"'{status}'", "ok"))
    got = []
    for pace in ("instant", "recorded"):
        replay = run_proxy(path, "replay", pace=pace)
        with proxied_client(replay, ca_cert) as client:
            r = client.get(url)
        got.append((r.status_code, r.reason_phrase))
        replay.stop()
    assert got == [(200, reason)] * 2
    result = CliRunner().invoke(main, ["check", path])
    if status.startswith("404"):
        assert result.exit_code == 1
        assert "names another code than code: 200 (replay sends 200" in result.stderr
    else:
        assert result.exit_code == 0, result.output


def test_a_nul_in_an_upstream_header_is_recorded_as_a_space(run_proxy, tmp_path):
    """mitmproxy relays a header value holding NUL (httpx then refuses it); recorded as it came,
    replay refused the whole cassette ("holds CR, LF or NUL"). RFC 9110 5.5: a recipient
    replaces it with SP, so the cassette replays, the session's other interactions too."""
    cassette = tmp_path / "c.yaml"
    with raw_answers([
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nX-Odd: a\x00b\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
    ]) as base:
        recorder = run_proxy(cassette, "record")
        with httpx.Client(proxy=recorder.url, timeout=5) as client:
            assert client.get(f"{base}/first").status_code == 200
            with pytest.raises(httpx.HTTPError):
                client.get(f"{base}/odd")  # (h11 refuses the NUL the proxy relayed)
        recorder.stop()
    replay = run_proxy(cassette, "replay")
    with httpx.Client(proxy=replay.url, timeout=5) as client:
        assert client.get(f"{base}/first").text == "ok"
        odd = client.get(f"{base}/odd")
    assert (odd.text, odd.headers["x-odd"]) == ("no", "a b")
