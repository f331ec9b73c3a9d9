"""Wire framing on replay (RFC 9110 6.4.1, 8.6; RFC 9112 6): responses without a body (204, 304
and answers to HEAD) get no body and no framing, keep their recorded Content-Length where the
RFC allows one, and leave a keep-alive connection intact for the next response. Real clients on
one connection: httpx (HTTP/1.1 and h2) and curl."""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest
from conftest import proxied_client, running_proxy

from vcrproxy import load_cassette

EXCHANGES = [
    ("GET", "/status/204", {}),
    ("GET", "/json", {}),
    ("GET", "/status/304", {}),
    ("HEAD", "/json", {}),
    ("HEAD", "/gzip/json", {"Accept-Encoding": "gzip"}),
    ("GET", "/json?size=40", {}),
]


def _run(client: httpx.Client, base: str) -> list[tuple[int, dict, bytes]]:
    out = []
    for method, path, headers in EXCHANGES:
        r = client.request(method, base + path, headers=headers)
        kept = {k: v for k, v in r.headers.items() if k in ("content-length", "content-encoding",
                                                            "transfer-encoding", "content-type")}
        out.append((r.status_code, kept, r.content))
    return out


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, confdir, gateway):
    """The exchanges recorded once (HTTP/1.1), with what the client saw."""
    cassette = tmp_path_factory.mktemp("framing") / "c.yaml"
    with running_proxy(confdir, gateway, cassette, "record") as proxy:
        with proxied_client(proxy, f"{confdir}/mitmproxy-ca-cert.pem") as c:
            seen = _run(c, gateway.url)
    return cassette, seen


def test_bodiless_responses_are_recorded_with_their_length_headers(recorded, gateway):
    cassette, seen = recorded
    recs = load_cassette(cassette).interactions
    assert [r.response.code for r in recs] == [204, 200, 304, 200, 200, 200]
    head, head_gz = recs[3].response, recs[4].response
    json_len = len(recs[1].response.body_bytes)
    assert head.body_bytes == b"" and head.headers["Content-Length"] == [str(json_len)]
    assert head.content_length == json_len
    # nothing was decoded for an absent body: the coding and the length it describes stay
    assert head_gz.uncompressed is None
    assert head_gz.headers["Content-Encoding"] == ["gzip"] and "Content-Length" in head_gz.headers
    assert seen[3][1]["content-length"] == str(json_len)


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
@pytest.mark.parametrize("pace", ["instant", "recorded"])
def test_replay_on_one_connection_matches_what_the_client_saw(
    http2, pace, recorded, run_proxy, ca_cert, gateway
):
    cassette, seen = recorded
    before = len(gateway.requests)
    proxy = run_proxy(cassette, "replay", allow_repeats=True, pace=pace)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with proxied_client(proxy, ca_cert, http2=http2, limits=limits) as c:
        replayed = _run(c, gateway.url)
        again = _run(c, gateway.url)  # the same connection, after every kind once
    assert len(gateway.requests) == before
    for got in (replayed, again):
        for (code, headers, body), (want_code, want_headers, want_body), exchange in zip(
            got, seen, EXCHANGES, strict=True
        ):
            assert (code, body) == (want_code, want_body), exchange
            assert "transfer-encoding" not in headers or code == 200 and body, exchange
            if code in (204, 304) or exchange[0] == "HEAD":
                assert body == b"" and "transfer-encoding" not in headers, exchange
            if code == 204:
                assert "content-length" not in headers  # RFC 9110 8.6: must not send one
            if exchange[0] == "HEAD":
                assert headers["content-length"] == want_headers["content-length"], exchange
                assert headers.get("content-encoding") == want_headers.get("content-encoding")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_reuses_the_connection_after_a_replayed_204_and_head(
    recorded, run_proxy, ca_cert, gateway
):
    cassette, seen = recorded
    proxy = run_proxy(cassette, "replay", allow_repeats=True)
    base = gateway.url
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--proxy", proxy.url, "--cacert", ca_cert,
         "-w", "[%{http_code} %{num_connects}]",
         base + "/status/204", base + "/json", base + "/status/304", base + "/json"],
        capture_output=True, timeout=30,
    )
    assert out.returncode == 0, out.stderr
    body = seen[1][2]
    # one connection for all four: the later ones report 0 new connects
    assert out.stdout == b"[204 1]" + body + b"[200 0][304 0]" + body + b"[200 0]", out.stdout
    head = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--proxy", proxy.url, "--cacert", ca_cert, "-I",
         base + "/json", "--next", "--proxy", proxy.url, "--cacert", ca_cert, base + "/json"],
        capture_output=True, timeout=30,
    )
    assert head.returncode == 0, head.stderr
    text = head.stdout.decode()
    assert f"content-length: {len(body)}" in text.lower()
    assert text.endswith(body.decode())


def test_hop_by_hop_headers_are_never_replayed(run_proxy, ca_cert, tmp_path):
    from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

    url = "https://api.example.invalid/v1/models"
    headers = {
        "Content-Type": ["application/json"],
        "Connection": ["keep-alive, X-Hop-Note"],
        "X-Hop-Note": ["for the next hop only"],
        "Keep-Alive": ["timeout=5"],
        "Transfer-Encoding": ["chunked"],
        "Upgrade": ["h2c"],
        "Proxy-Connection": ["keep-alive"],
        "X-End-To-End": ["kept"],
    }
    body = '{"data": []}'
    interaction = Interaction(
        id=0,
        request=Request(url=url, method="GET"),
        response=Response(code=200, status="200 OK", body=body, headers=headers,
                          content_length=len(body)),
    )
    cassette = tmp_path / "c.yaml"
    save_cassette(Cassette(interactions=[interaction]), str(cassette))
    proxy = run_proxy(cassette, "replay", allow_repeats=True)
    for http2 in (False, True):
        with proxied_client(proxy, ca_cert, http2=http2) as c:
            r = c.get(url)
            again = c.get(url)  # the connection still frames correctly
        assert r.text == again.text == body
        names = {k.lower() for k in r.headers}
        assert names & {"connection", "x-hop-note", "keep-alive", "transfer-encoding",
                        "upgrade", "proxy-connection"} == set(), r.headers
        assert r.headers["x-end-to-end"] == "kept"
        assert r.headers["content-length"] == str(len(body))
