"""Header and trailer values holding bytes that are not UTF-8 (RFC 9110 5.5 obs-text, 0x80-0xFF:
a latin-1 filename from a legacy server, a client's latin-1 header) are recorded as the bytes
they are and replayed byte for byte, as go-vcr keeps them (a Go string holds any bytes; yaml.v3
writes one that is not UTF-8 as `!!binary`). CTLs are another matter: clean_field_value makes
each a space (tests/test_field_hygiene.py); obs-text next to a CTL keeps its bytes.

Real proxy, a raw HTTP/1.1 upstream, httpx over HTTP/1.1 and HTTP/2, instant and paced replay,
and the go-vcr oracle (tests/go/vcrcheck) for what Go reads from the file.
"""

from __future__ import annotations

import subprocess

import httpx
from conftest import proxied_client, raw_answers
from test_govcr_compat import vcrcheck  # noqa: F401  (fixture)

from vcrproxy.cassette import Cassette, Interaction, Request, Response
from vcrproxy.yamlio import load_cassette, loads_cassette, save_cassette

DISPOSITION = b'attachment; filename="r\xe9sum\xe9.txt"'  # latin-1, as a legacy server sends
NAME = b"caf\xe9 \x80\xff"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def test_a_request_header_of_latin1_bytes_is_recorded_and_matched_as_those_bytes(
        run_proxy, tmp_path, vcrcheck):  # noqa: F811
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Echo: " + NAME + b"\x7f\xe9"
              + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    path = tmp_path / "c.yaml"
    with raw_answers([answer]) as base:
        recorder = run_proxy(path, "record")
        with httpx.Client(proxy=recorder.url, timeout=5) as client:
            live = client.get(base + "/v1/files?q=caf%E9", headers={"X-File-Name": NAME})
        recorder.stop()
    assert live.status_code == 200
    text = path.read_text(encoding="utf-8")
    assert "!!binary" in text and "\ufffd" not in text
    recorded = load_cassette(str(path)).interactions[0]
    assert recorded.request.headers["X-File-Name"] == [_text(NAME)]
    assert recorded.request.form == {"q": [_text(b"caf\xe9")]}  # (Go's Request.Form: bytes)
    # obs-text kept, the DEL (a CTL) made a space: the two rules compose
    assert recorded.response.headers["X-Echo"] == [_text(NAME + b" \xe9")]
    # Go reads the same bytes: what yaml.v3 writes back from them (`!!binary` too) reads as ours
    go = subprocess.run([vcrcheck, "marshal", str(path)], capture_output=True, timeout=60)
    assert go.returncode == 0, go.stderr
    assert b"!!binary" in go.stdout
    through_go = loads_cassette(go.stdout.decode("utf-8")).interactions[0]
    assert through_go.request.headers == recorded.request.headers
    assert through_go.response.headers == recorded.response.headers
    assert through_go.request.form == recorded.request.form

    replay = run_proxy(path, "replay", match_headers=["X-File-Name"])
    with httpx.Client(proxy=replay.url, timeout=5) as client:
        again = client.get(base + "/v1/files?q=caf%E9", headers={"X-File-Name": NAME})
        other = client.get(base + "/v1/files?q=caf%E9",
                           headers={"X-File-Name": b"caf\xe8 \x80\xff"})
    assert again.status_code == 200
    assert dict(again.headers.raw)[b"X-Echo"] == NAME + b" \xe9"
    assert other.status_code == 400  # a miss: one byte differs


def _cassette(path) -> None:
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(proto="HTTP/1.1", proto_major=1, proto_minor=1, content_length=0,
                        host="", body="", url="https://api.example.invalid/v1/files/f/content",
                        method="GET"),
        response=Response(proto="HTTP/2.0", proto_major=2, proto_minor=0, content_length=2,
                          body="ok", status="200 OK", code=200, duration_ns=1_000_000,
                          headers={"Content-Type": ["text/plain"],
                                   "Content-Disposition": [_text(DISPOSITION)]},
                          trailer={"X-Checksum": [_text(b"\xe9t\xe9")]}),
    )]), str(path))


def test_obs_text_replays_byte_for_byte_over_h2_and_paced(run_proxy, ca_cert, tmp_path):
    path = tmp_path / "c.yaml"
    _cassette(path)
    url = "https://api.example.invalid/v1/files/f/content"
    for http2, pace in ((True, "instant"), (False, "recorded"), (True, "recorded")):
        proxy = run_proxy(path, "replay", pace=pace, allow_repeats=True)
        with proxied_client(proxy, ca_cert, http2=http2) as client:
            r = client.get(url)
        proxy.stop()
        assert r.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
        assert (r.status_code, r.text) == (200, "ok")
        assert dict(r.headers.raw)[b"content-disposition" if http2 else
                                   b"Content-Disposition"] == DISPOSITION, (http2, pace)


def test_form_and_multipart_bodies_that_differ_in_latin1_bytes_do_not_match(run_proxy,
                                                                            tmp_path):
    """A urlencoded field `q=%E9` and a multipart part's latin-1 filename are those bytes: a
    request sending other bytes there is a miss, not a match of two U+FFFD."""
    form = b"q=caf%E9&x=1"
    boundary = "b0undary"

    def upload(name: bytes) -> bytes:
        return (b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + name + b"\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b0undary--\r\n")

    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    path = tmp_path / "c.yaml"
    with raw_answers([ok, ok]) as base:
        recorder = run_proxy(path, "record")
        with httpx.Client(proxy=recorder.url, timeout=5) as client:
            assert client.post(base + "/v1/form", content=form, headers={
                "Content-Type": "application/x-www-form-urlencoded"}).status_code == 200
            assert client.post(base + "/v1/files", content=upload(b"r\xe9sum\xe9.txt"), headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}"}).status_code == 200
        recorder.stop()
    assert load_cassette(str(path)).interactions[0].request.form["q"] == [_text(b"caf\xe9")]

    replay = run_proxy(path, "replay", allow_repeats=True)
    with httpx.Client(proxy=replay.url, timeout=5) as client:
        def post_form(body: bytes) -> int:
            return client.post(base + "/v1/form", content=body, headers={
                "Content-Type": "application/x-www-form-urlencoded"}).status_code

        def post_file(name: bytes) -> int:
            return client.post(base + "/v1/files", content=upload(name), headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}"}).status_code

        assert post_form(b"x=1&q=caf%E9") == 200  # (fields in another order: the same form)
        assert post_form(b"x=1&q=caf%E8") == 400
        assert post_file(b"r\xe9sum\xe9.txt") == 200
        assert post_file(b"r\xe8sum\xe8.txt") == 400
