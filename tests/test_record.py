"""RECORD mode end to end: real mitmproxy + the VCR addon, the real TLS fake gateway, real clients.

Every test drives traffic through a proxy into a cassette and then reads the cassette back (the
model via `vcrproxy.load_cassette`, and for secrets the raw file text).
"""

from __future__ import annotations

import gzip
import json
import os
import queue
import re
import signal
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anthropic
import httpx
import openai
import pytest
from conftest import proxied_client
from fakegateway import FakeGateway

from vcrproxy import load_cassette
from vcrproxy.cassette import CHUNKS_KEY, REDACTED, Cassette
from vcrproxy.cli.main import record as record_command
from vcrproxy.proxy import BackgroundProxy, ProxySettings
from vcrproxy.redaction import find_secrets

BIN = Path(sys.executable).parent
GAP = 0.15  # seconds between streamed events where timing is asserted

# Fake secrets (never real), assembled so no scanner mistakes this file for a leak.
OPENAI_KEY = "sk-test-" + "a1B2c3D4e5" * 4
ANTHROPIC_KEY = "sk-ant-api03-" + "Zz9_Yy8-Xx7" * 4
GOOGLE_KEY = "AIza" + "Sy0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0u"
BODY_KEY = "sk-proj-" + "Qw3Er4Ty5U" * 4
COOKIE_VALUE = "sessid=c00kieS3cretValue7f3a9"
ORG_ID = "org-FakeOrgIdAbc123Def456"
SET_COOKIE_VALUE = "abc123"  # in the gateway's /set-cookie answer: fake_session=abc123


# -- helpers -------------------------------------------------------------------------------------


def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def interactions(path) -> list:
    if not os.path.exists(path):
        return []
    return load_cassette(path).interactions


def wait_recorded(path, n: int, timeout: float = 10.0) -> Cassette:
    """The response hook writes right after the last byte went out: wait for the append."""
    wait_for(lambda: len(interactions(path)) >= n, timeout, f"{n} interactions in {path}")
    return load_cassette(path)


def stats(proxy: BackgroundProxy):
    """(recorded, failed) summed over the proxy's sessions, read on the proxy's loop."""

    def read():
        sessions = proxy.vcr.all_sessions()
        return (sum(s.stats.recorded for s in sessions), sum(s.stats.failed for s in sessions))

    return proxy.call(read)


def trust(cafile: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)


def direct_client(gateway: FakeGateway, *, http2: bool = False) -> httpx.Client:
    return httpx.Client(verify=trust(gateway.ca_path), http2=http2, timeout=20)


def read_stream(response: httpx.Response) -> list[tuple[float, bytes]]:
    """(monotonic receive time, raw bytes) of each read, nothing decoded."""
    return [(time.monotonic(), chunk) for chunk in response.iter_raw() if chunk]


def chat_body(text: str, *, stream: bool, model: str = "gpt-fake") -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}], "stream": stream}


class SlowServer:
    """Plain-HTTP upstream on 127.0.0.1 that waits `delay` before the response headers, then
    writes `pieces` `gap` apart, either chunked or close-delimited (no length at all), with a
    content type that is not a streaming one: the proxy must stream it for its unknown length."""

    def __init__(self, pieces: list[bytes], *, delay: float, gap: float, framing: str):
        self.pieces = pieces
        self.delay = delay
        self.gap = gap
        self.framing = framing
        self.sent: list[tuple[float, bytes]] = []
        self.headers_at: float | None = None
        self.request_at: float | None = None
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SlowServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self._serve(conn)
                except OSError:
                    pass

    def _serve(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            more = conn.recv(65536)
            if not more:
                return
            data += more
        self.request_at = time.monotonic()
        time.sleep(self.delay)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        head += b"Transfer-Encoding: chunked\r\n" if self.framing == "chunked" else b""
        head += b"Connection: close\r\n\r\n"
        conn.sendall(head)
        self.headers_at = time.monotonic()
        for i, piece in enumerate(self.pieces):
            if i:
                time.sleep(self.gap)
            if self.framing == "chunked":
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                conn.sendall(piece)
            self.sent.append((time.monotonic(), piece))
        if self.framing == "chunked":
            conn.sendall(b"0\r\n\r\n")
        conn.shutdown(socket.SHUT_WR)


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def h1_gateway():
    """An upstream that only speaks HTTP/1.1 (same CA as `gateway`)."""
    with FakeGateway(h2=False) as gw:
        yield gw


# -- streams are never buffered ------------------------------------------------------------------

STREAMS = {
    # name: (method, path, query, json body or None, content type)
    "sse": ("POST", "/v1/chat/completions", "", chat_body("one two three", stream=True),
            "text/event-stream"),
    "ndjson": ("GET", "/ndjson", "n=5", None, "application/x-ndjson"),
    "eventstream": ("GET", "/eventstream", "n=5", None, "application/vnd.amazon.eventstream"),
}


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
@pytest.mark.parametrize("kind", list(STREAMS))
def test_stream_is_forwarded_chunk_by_chunk_and_teed(kind, http2, run_proxy, gateway, ca_cert,
                                                     tmp_path):
    method, path, query, body, ctype = STREAMS[kind]
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    url = f"{gateway.url}{path}?{query + '&' if query else ''}gap_ms={int(GAP * 1000)}"
    t0 = time.monotonic()
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        with client.stream(method, url, json=body) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith(ctype)
            got = read_stream(r)
    sent = [e for e in gateway.events_for(path) if e[1] >= t0]
    assert len(sent) >= 5
    sent_bytes = b"".join(e[2] for e in sent)
    # Forwarded as it came: the first event reached the client while the gateway still had
    # events to send, well before the last one left it.
    first_received, last_sent = got[0][0], sent[-1][1]
    assert first_received < last_sent - GAP, (first_received - sent[0][1], last_sent - sent[0][1])
    assert got[-1][0] - got[0][0] >= (len(sent) - 2) * GAP
    assert got[0][1] == sent[0][2]  # the first read is exactly the first event
    assert b"".join(c for _, c in got) == sent_bytes
    # ...and teed into the recording, byte for byte, with per-chunk timing.
    (rec,) = wait_recorded(cassette, 1).interactions
    resp = rec.response
    assert resp.body_bytes == sent_bytes
    assert resp.content_length == -1
    assert resp.code == 200 and resp.status == "200 OK"
    assert resp.headers["Content-Type"][0].startswith(ctype)
    assert resp.proto == ("HTTP/2.0" if http2 else "HTTP/1.1")
    chunks = resp.chunks
    assert chunks is not None and resp.extra[CHUNKS_KEY]
    assert [size for _, size in chunks] == [len(e[2]) for e in sent]
    assert sum(size for _, size in chunks) == len(resp.body_bytes)
    offsets = [at for at, _ in chunks]
    assert all(b > a for a, b in zip(offsets, offsets[1:], strict=False))
    gaps = [b - a for a, b in zip(offsets, offsets[1:], strict=False)]
    assert min(gaps) >= GAP * 1000 * 0.5, gaps
    sent_span = (sent[-1][1] - sent[0][1]) * 1000
    assert abs((offsets[-1] - offsets[0]) - sent_span) < 150, (offsets, sent_span)
    # duration is the time to the response headers (first event follows right after them)
    assert 0 < resp.duration_ns / 1e6 <= offsets[0] + 1
    assert resp.duration_ns / 1e6 < offsets[-1] - GAP * 1000
    if kind == "eventstream":
        assert isinstance(resp.body, bytes)  # AWS frames are not UTF-8: `!!binary`
        assert "!!binary" in cassette.read_text()


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_unknown_length_response_is_streamed_and_duration_is_time_to_headers(
    framing, run_proxy, ca_cert, tmp_path
):
    pieces = [b'{"part":%d,' % i + b'"pad":"' + b"x" * 20 + b'"}\n' for i in range(4)]
    delay = 0.3
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with SlowServer(pieces, delay=delay, gap=GAP, framing=framing) as server:
        with httpx.Client(proxy=proxy.url, timeout=20) as client:
            start = time.monotonic()
            with client.stream("GET", server.url + "/slow?x=1") as r:
                assert r.status_code == 200
                assert "content-length" not in r.headers
                got = read_stream(r)
            total = time.monotonic() - start
    assert b"".join(c for _, c in got) == b"".join(pieces)
    assert got[0][0] < server.sent[-1][0] - GAP
    (rec,) = wait_recorded(cassette, 1).interactions
    resp = rec.response
    assert resp.body_bytes == b"".join(pieces)
    assert resp.content_length == -1
    assert resp.headers["Content-Type"] == ["application/json"]
    assert "Content-Length" not in resp.headers
    assert resp.transfer_encoding == (["chunked"] if framing == "chunked" else None)
    duration = resp.duration_ns / 1e9
    assert delay <= duration < delay + (len(pieces) - 1) * GAP / 2, duration
    assert duration < total
    chunks = resp.chunks
    assert chunks is not None and [s for _, s in chunks] == [len(p) for p in pieces]
    assert chunks[0][0] >= delay * 1000
    assert rec.request.url == server.url + "/slow?x=1"
    assert rec.request.form == {"x": ["1"]}


def test_gzip_stream_is_forwarded_compressed_and_recorded_decoded(run_proxy, gateway, ca_cert,
                                                                   tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    t0 = time.monotonic()
    with proxied_client(proxy, ca_cert) as client:
        url = f"{gateway.url}/gzip/ndjson?n=4&gap_ms={int(GAP * 1000)}"
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
            assert r.headers["content-encoding"] == "gzip"
            got = read_stream(r)
    raw = b"".join(c for _, c in got)
    assert raw[:2] == b"\x1f\x8b"  # the client got what the server sent: gzip
    sent = [e for e in gateway.events_for("/gzip/ndjson") if e[1] >= t0]
    decoded = b"".join(e[2] for e in sent)
    assert gzip.decompress(raw) == decoded
    assert got[0][0] < sent[-1][1] - GAP  # sync-flushed gzip still streams through
    (rec,) = wait_recorded(cassette, 1).interactions
    resp = rec.response
    assert resp.body_bytes == decoded
    assert resp.uncompressed is True
    assert "Content-Encoding" not in resp.headers and "Content-Length" not in resp.headers
    assert resp.content_length == -1
    assert sum(s for _, s in resp.chunks) == len(decoded)
    assert len(resp.chunks) == len(sent)
    assert "uncompressed: true" in cassette.read_text()


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_gzip_json_recorded_decoded(http2, run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        r = client.get(gateway.url + "/gzip/json", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    wire_length = int(r.headers["content-length"])
    with direct_client(gateway) as direct:
        plain = direct.get(gateway.url + "/json").content
    assert r.content == plain
    (rec,) = wait_recorded(cassette, 1).interactions
    resp = rec.response
    assert resp.body_bytes == plain and wire_length != len(plain)
    assert resp.uncompressed is True
    assert resp.content_length == -1
    assert sorted(resp.headers) == ["Content-Type"]
    assert resp.chunks is None  # a buffered body has no chunk timing


def test_each_request_is_converted_to_the_model_once(monkeypatch, run_proxy, gateway, ca_cert,
                                                    tmp_path):
    """new-episodes converts a live request to match it; the recording reuses that model (it was
    converted again at the response). Record mode converts at the response only."""
    from vcrproxy import flows, replayer

    converted = []
    real = flows.request_to_model

    def counting(request):
        converted.append(request.path)
        return real(request)

    monkeypatch.setattr(flows, "request_to_model", counting)
    monkeypatch.setattr(replayer, "request_to_model", counting)
    for mode in ("record", "new-episodes"):
        converted.clear()
        cassette = tmp_path / f"{mode}.yaml"
        proxy = run_proxy(cassette, mode)
        with proxied_client(proxy, ca_cert) as client:
            assert client.post(gateway.url + "/json", json={"n": 1}).status_code == 200
            assert client.post(gateway.url + "/json", json={"n": 2}).status_code == 200
        (one, two) = wait_recorded(cassette, 2).interactions
        assert (json.loads(one.request.body), json.loads(two.request.body)) == ({"n": 1}, {"n": 2})
        assert converted == ["/json", "/json"], mode
        proxy.stop()


# -- HTTP/1.1 and HTTP/2 on both sides -----------------------------------------------------------


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_protocols_recorded_as_spoken(http2, run_proxy, gateway, h1_gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        r1 = client.get(gateway.url + "/echo")
        r2 = client.get(h1_gateway.url + "/echo")
    assert r1.http_version == r2.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
    # upstream: h2 when the client spoke h2 and the server offers it
    assert r1.json()["http_version"] == ("2" if http2 else "1.1")
    assert r2.json()["http_version"] == "1.1"
    first, second = wait_recorded(cassette, 2).interactions
    want = ("HTTP/2.0", 2, 0) if http2 else ("HTTP/1.1", 1, 1)
    for rec in (first, second):
        # go-vcr writes the Go client's http.Request.Proto: HTTP/1.1, even over h2
        assert (rec.request.proto, rec.request.proto_major, rec.request.proto_minor) == (
            "HTTP/1.1", 1, 1)
    assert (first.response.proto, first.response.proto_major, first.response.proto_minor) == want
    # the response side reflects the upstream even when the client spoke h2
    assert (second.response.proto, second.response.proto_major) == ("HTTP/1.1", 1)


def test_curl_http2_gets_h2_from_the_proxy(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    out = subprocess.run(
        ["curl", "-sS", "--http2", "--max-time", "20", "-x", proxy.url, "--cacert", ca_cert,
         "-H", "x-test-case: curl", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
         gateway.url + "/json?size=64"],
        capture_output=True, text=True, timeout=30, env=env,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "2 200"
    (rec,) = wait_recorded(cassette, 1).interactions
    assert (rec.request.proto, rec.request.proto_major, rec.request.proto_minor) == (
        "HTTP/1.1", 1, 1)  # as go-vcr writes a request
    assert rec.response.proto == "HTTP/2.0"
    assert rec.request.headers["X-Test-Case"] == ["curl"]
    assert rec.request.headers["User-Agent"][0].startswith("curl/")
    assert rec.response.content_length == 64 and len(rec.response.body_bytes) == 64


@pytest.mark.parametrize("code,status", [(201, "201 Created"), (404, "404 Not Found"),
                                         (503, "503 Service Unavailable")])
def test_h2_status_gets_the_standard_reason(code, status, run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert, http2=True) as client:
        r = client.get(f"{gateway.url}/status/{code}")
    assert r.http_version == "HTTP/2" and r.status_code == code
    (rec,) = wait_recorded(cassette, 1).interactions
    assert rec.response.code == code
    assert rec.response.status == status
    assert rec.response.body_bytes == r.content


# -- fields as go-vcr writes them ----------------------------------------------------------------


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_request_fields_like_go_vcr(http2, run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    form_body = "alpha=1&beta=two+words"
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        r = client.post(
            gateway.url + "/echo?q=x&q=y&empty=",
            content=form_body,
            headers=[
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-custom-thing", "a"),
                ("x-multi", "1"),
                ("x-multi", "2"),
            ],
        )
        assert r.status_code == 200
        j = client.post(gateway.url + "/echo", json={"hello": "world"})
    assert j.status_code == 200
    form_rec, json_rec = wait_recorded(cassette, 2).interactions
    req = form_rec.request
    assert req.url == gateway.url + "/echo?q=x&q=y&empty="  # absolute
    assert req.host == ""  # Host equals the URL's authority: Go leaves Request.Host empty
    assert req.method == "POST"
    assert req.body == form_body and req.content_length == len(form_body)
    assert req.form == {"q": ["x", "y"], "empty": [""], "alpha": ["1"], "beta": ["two words"]}
    assert req.headers["X-Custom-Thing"] == ["a"]
    assert req.headers["X-Multi"] == ["1", "2"]
    assert req.headers["Content-Type"] == ["application/x-www-form-urlencoded"]
    for name in req.headers:
        assert name.lower() not in ("host", "content-length", "proxy-connection", "connection")
        assert name == "-".join(p[:1].upper() + p[1:].lower() for p in name.split("-"))
        assert isinstance(req.headers[name], list)
    # the response: known length, standard status
    resp = form_rec.response
    assert resp.content_length == len(r.content) == int(r.headers["content-length"])
    assert resp.body_bytes == r.content
    assert resp.headers["Content-Length"] == [str(len(r.content))]
    assert (resp.code, resp.status) == (200, "200 OK")
    assert resp.uncompressed is None and resp.chunks is None
    assert 0 < resp.duration_ns < 5e9
    # a JSON body: no form, exact body
    assert json_rec.request.form is None
    assert json.loads(json_rec.request.body) == {"hello": "world"}
    assert json_rec.request.content_length == len(json_rec.request.body_bytes)
    text = cassette.read_text()
    assert text.startswith("---\nversion: 2\ninteractions:\n- id: 0\n")
    assert '    host: ""\n' in text


def test_host_recorded_when_it_differs_from_the_url(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.get(gateway.url + "/echo", headers={"Host": "api.example.test"})
    assert r.json()["headers"]["host"] == "api.example.test"
    (rec,) = wait_recorded(cassette, 1).interactions
    assert rec.request.host == "api.example.test"
    assert rec.request.url == gateway.url + "/echo"
    assert "Host" not in rec.request.headers


# -- bodies are what the server sent -------------------------------------------------------------


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_bodies_equal_a_direct_request_byte_for_byte(http2, run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    calls = [
        ("POST", "/v1/chat/completions", chat_body("non stream answer", stream=False)),
        ("POST", "/v1/chat/completions", chat_body("streamed answer here", stream=True)),
        ("POST", "/v1/messages",
         {"model": "claude-fake", "max_tokens": 50, "stream": True,
          "messages": [{"role": "user", "content": "héllo wörld ✓ 💘"}]}),
        ("GET", "/eventstream?n=3&gap_ms=5", None),
        ("GET", "/big?mb=0.3", None),
        ("GET", "/big?mb=0.2&chunked=1", None),
    ]
    proxied, direct = [], []
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        for method, path, body in calls:
            proxied.append(client.request(method, gateway.url + path, json=body).content)
    with direct_client(gateway, http2=http2) as client:
        for method, path, body in calls:
            direct.append(client.request(method, gateway.url + path, json=body).content)
    assert proxied == direct
    recs = wait_recorded(cassette, len(calls)).interactions
    assert [r.id for r in recs] == list(range(len(calls)))
    for rec, want, (method, path, body) in zip(recs, direct, calls, strict=True):
        assert rec.request.url == gateway.url + path and rec.request.method == method
        assert rec.response.body_bytes == want, path
        if body is not None:
            assert json.loads(rec.request.body) == body
    # a fixed-length binary body keeps its length; the unknown-length one is -1
    assert recs[4].response.content_length == int(0.3 * 1024 * 1024)
    assert recs[5].response.content_length == -1 and recs[5].response.chunks
    # text with characters outside the BMP survives the YAML round trip
    assert "💘" in recs[2].response.body


# -- secrets never reach disk --------------------------------------------------------------------


def test_secrets_never_reach_the_cassette_file(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    headers = {
        "Authorization": f"Bearer {OPENAI_KEY}",
        "x-api-key": ANTHROPIC_KEY,
        "x-goog-api-key": GOOGLE_KEY,
        "Cookie": COOKIE_VALUE,
        "OpenAI-Organization": ORG_ID,
    }
    body = {
        "model": "gpt-fake",
        "api_key": BODY_KEY,
        "messages": [{"role": "user", "content": f"my key is {BODY_KEY} ok"}],
    }
    with proxied_client(proxy, ca_cert) as client:
        for stream in (False, True):
            r = client.post(
                f"{gateway.url}/v1/chat/completions?key={GOOGLE_KEY}&alt=sse",
                json={**body, "stream": stream},
                headers=headers,
            )
            assert r.status_code == 200 and BODY_KEY in r.text  # the client sees it all
        echo = client.post(f"{gateway.url}/echo?key={GOOGLE_KEY}", json=body, headers=headers)
        assert COOKIE_VALUE in echo.text and ORG_ID in echo.text
        r = client.get(gateway.url + "/set-cookie")
        assert r.headers.get_list("set-cookie")[0].startswith("fake_session=abc123")
    # the gateway got the real values (redaction only touches the recording)
    assert gateway.requests[-2]["headers"]["authorization"] == f"Bearer {OPENAI_KEY}"
    wait_recorded(cassette, 4)
    text = cassette.read_text()
    for secret in (OPENAI_KEY, ANTHROPIC_KEY, GOOGLE_KEY, BODY_KEY, COOKIE_VALUE,
                   COOKIE_VALUE.split("=", 1)[1], ORG_ID, "fake_session=" + SET_COOKIE_VALUE,
                   "fake_theme=dark"):
        assert secret not in text, f"{secret[:10]}... reached the cassette file"
    recs = load_cassette(cassette).interactions
    assert len(recs) == 4
    for rec in recs[:3]:
        h = rec.request.headers
        assert h["Authorization"] == [f"Bearer {REDACTED}"]
        assert h["X-Api-Key"] == h["X-Goog-Api-Key"] == h["Cookie"] == [REDACTED]
        assert h["Openai-Organization"] == [REDACTED]
        assert f"key={REDACTED}" in rec.request.url
        assert rec.request.form["key"] == [REDACTED]
        assert json.loads(rec.request.body)["api_key"] == REDACTED
    assert recs[0].request.form["alt"] == ["sse"]  # other parameters are kept
    assert f"my key is {REDACTED} ok" in recs[0].response.body
    # a stream stays consistent after redaction: chunk sizes sum to the new body length
    assert sum(s for _, s in recs[1].response.chunks) == len(recs[1].response.body_bytes)
    assert recs[3].response.headers["Set-Cookie"] == [REDACTED, REDACTED]
    assert text.count(REDACTED) >= 20
    assert [f for rec in recs for f in find_secrets(rec)] == []  # the audit agrees


# -- official SDKs -------------------------------------------------------------------------------


def _sdk_clients(module, proxy, ca_cert, gateway, base_url):
    kw = {"api_key": OPENAI_KEY if module is openai else ANTHROPIC_KEY, "base_url": base_url,
          "max_retries": 0, "timeout": 20}
    proxied = module.DefaultHttpxClient(proxy=proxy.url, verify=trust(ca_cert))
    direct = module.DefaultHttpxClient(verify=trust(gateway.ca_path))
    return (module.OpenAI if module is openai else module.Anthropic)(http_client=proxied, **kw), \
        (module.OpenAI if module is openai else module.Anthropic)(http_client=direct, **kw)


def _check_sdk_cassette(cassette, gateway, path, n, secret):
    recs = wait_recorded(cassette, n).interactions
    assert len(recs) == n
    text = Path(cassette).read_text()
    assert secret not in text
    with direct_client(gateway) as direct:
        for rec in recs:
            assert rec.request.url == gateway.url + path
            assert rec.request.method == "POST"
            assert rec.response.code == 200
            # the recorded answer is what the gateway sends for that very request body
            want = direct.post(gateway.url + path, content=rec.request.body_bytes,
                               headers={"content-type": "application/json"}).content
            assert rec.response.body_bytes == want
    return recs


def test_openai_sdk_through_the_proxy(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "openai.yaml"
    proxy = run_proxy(cassette, "record")
    via, direct = _sdk_clients(openai, proxy, ca_cert, gateway, gateway.url + "/v1")
    msgs = [{"role": "user", "content": "Say hello to the proxy"}]
    results = []
    with via, direct:
        for client in (via, direct):
            plain = client.chat.completions.create(model="gpt-fake", messages=msgs)
            chunks = list(client.chat.completions.create(
                model="gpt-fake", messages=msgs, stream=True,
                stream_options={"include_usage": True}))
            results.append((plain.model_dump(), [c.model_dump() for c in chunks]))
    assert results[0] == results[1]
    plain, chunks = results[0]
    assert plain["choices"][0]["message"]["content"] == "You said: Say hello to the proxy"
    text = "".join(c["choices"][0]["delta"]["content"] or "" for c in chunks if c["choices"])
    assert text == "You said: Say hello to the proxy"
    assert chunks[-1]["usage"]["total_tokens"] > 0
    recs = _check_sdk_cassette(cassette, gateway, "/v1/chat/completions", 2, OPENAI_KEY)
    assert json.loads(recs[0].request.body).get("stream") in (None, False)
    assert json.loads(recs[1].request.body)["stream"] is True
    assert recs[1].response.body.endswith("data: [DONE]\n\n")
    assert recs[1].response.chunks and recs[0].response.chunks is None
    assert recs[0].request.headers["Authorization"] == [f"Bearer {REDACTED}"]


def test_anthropic_sdk_through_the_proxy(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "anthropic.yaml"
    proxy = run_proxy(cassette, "record")
    via, direct = _sdk_clients(anthropic, proxy, ca_cert, gateway, gateway.url)
    msgs = [{"role": "user", "content": "Bonjour Claude"}]
    results = []
    with via, direct:
        for client in (via, direct):
            plain = client.messages.create(model="claude-fake", max_tokens=64, messages=msgs)
            events = list(client.messages.create(
                model="claude-fake", max_tokens=64, messages=msgs, stream=True))
            with client.messages.stream(model="claude-fake", max_tokens=64,
                                        messages=msgs) as s:
                final = s.get_final_message()
            results.append((plain.model_dump(), [e.model_dump() for e in events],
                            final.model_dump()))
    assert results[0] == results[1]
    plain, events, final = results[0]
    assert plain["content"][0]["text"] == "You said: Bonjour Claude"
    assert final["content"][0]["text"] == "You said: Bonjour Claude"
    assert [e["type"] for e in events][0] == "message_start"
    assert events[-1]["type"] == "message_stop"
    recs = _check_sdk_cassette(cassette, gateway, "/v1/messages", 3, ANTHROPIC_KEY)
    # anthropic 0.x sends X-Api-Key, 2.x Authorization: Bearer
    auth = recs[0].request.headers.get("X-Api-Key") or recs[0].request.headers["Authorization"]
    assert auth in ([REDACTED], [f"Bearer {REDACTED}"])
    for rec in recs[1:]:
        assert rec.response.body.endswith('data: {"type":"message_stop"}\n\n')
        assert rec.response.chunks


# -- durable as it goes --------------------------------------------------------------------------


def test_concurrent_streams_into_one_cassette(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    n = 12
    gap = {"X-Fake-Gap-Ms": "40"}

    def call(client, i):
        if i % 3 == 2:
            url, body = f"{gateway.url}/ndjson?n={3 + i}", None
            with client.stream("GET", url, headers=gap) as r:
                return url, r.http_version, b"".join(r.iter_raw())
        url, body = gateway.url + "/v1/chat/completions", chat_body(f"request {i}", stream=True)
        with client.stream("POST", url, json=body, headers=gap) as r:
            return url, r.http_version, b"".join(r.iter_raw())

    with proxied_client(proxy, ca_cert, http2=True) as shared_h2, ThreadPoolExecutor(n) as pool:
        h1_clients = [httpx.Client(proxy=proxy.url, verify=trust(ca_cert), timeout=20)
                      for _ in range(n // 2)]
        try:
            futures = [
                pool.submit(call, shared_h2 if i % 2 else h1_clients[i // 2], i)
                for i in range(n)
            ]
            results = [f.result(timeout=30) for f in futures]
        finally:
            for c in h1_clients:
                c.close()
    assert {v for _, v, _ in results} == {"HTTP/1.1", "HTTP/2"}
    recs = wait_recorded(cassette, n).interactions
    assert len(recs) == n
    assert [r.id for r in recs] == list(range(n))  # file order, unique, increasing
    by_request = {}
    for rec in recs:
        body = rec.request.body
        key = json.loads(body)["messages"][0]["content"] if body else rec.request.url
        assert key not in by_request
        by_request[key] = rec
    for i, (url, _, got) in enumerate(results):
        rec = by_request[url if i % 3 == 2 else f"request {i}"]
        assert rec.response.body_bytes == got  # complete and not interleaved
        if i % 3 == 2:
            lines = got.decode().splitlines()
            assert [json.loads(x)["i"] for x in lines] == list(range(3 + i))
        else:
            assert f"You said: request {i}".split()[-1] in rec.response.body
            assert rec.response.body.endswith("data: [DONE]\n\n")
            content = "".join(
                json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
                for line in rec.response.body.splitlines()
                if line.startswith("data: {")
            )
            assert content == f"You said: request {i}"
        assert sum(s for _, s in rec.response.chunks) == len(rec.response.body_bytes)
    assert stats(proxy) == (n, 0)


def _start_cli(args: list[str], stdout_lines: queue.Queue) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.Popen(
        [str(BIN / "vcrproxy"), *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        text=True, env=env,
    )

    def pump():
        for line in proc.stdout:
            stdout_lines.put(line)
        stdout_lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return proc


def _proxy_url_from_exports(lines: queue.Queue, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        m = re.match(r"export HTTPS_PROXY=(\S+)$", line.strip())
        if m:
            return m.group(1).strip("'")
    raise AssertionError("vcrproxy printed no `export HTTPS_PROXY=...` line")


def test_sigkill_keeps_every_completed_interaction(gateway, confdir, ca_cert, tmp_path):
    cassette = tmp_path / "killed.yaml"
    lines: queue.Queue = queue.Queue()
    proc = _start_cli(
        ["record", str(cassette), "--port", "0", "--confdir", confdir, "-q",
         "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}"],
        lines,
    )
    in_flight: list[httpx.Client] = []
    try:
        url = _proxy_url_from_exports(lines)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url  # loopback by default
        with httpx.Client(proxy=url, verify=trust(ca_cert), timeout=20) as client:
            assert client.get(gateway.url + "/json").status_code == 200
            client.post(gateway.url + "/v1/chat/completions",
                        json=chat_body("done before the kill", stream=True))
            client.post(gateway.url + "/v1/messages",
                        json={"model": "claude-fake", "max_tokens": 9,
                              "messages": [{"role": "user", "content": "kept"}]})
        wait_recorded(cassette, 3)
        # two streams in flight when the proxy dies
        started = []
        for http2 in (False, True):
            c = httpx.Client(proxy=url, verify=trust(ca_cert), http2=http2, timeout=20)
            in_flight.append(c)
            # (a path the timing tests do not watch: this stream may outlive the test briefly)
            long = {"model": "claude-fake", "max_tokens": 99, "stream": True,
                    "messages": [{"role": "user", "content": "in flight " * 20}]}
            req = c.build_request("POST", gateway.url + "/v1/messages?gap_ms=100", json=long)
            r = c.send(req, stream=True)
            chunks = r.iter_raw()
            assert next(chunks).startswith(b"event: message_start")
            started.append(chunks)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        for chunks in started:  # the clients see their streams cut
            with pytest.raises(httpx.HTTPError):
                for _ in chunks:
                    pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for c in in_flight:
            c.close()
    recs = load_cassette(cassette).interactions
    assert [r.id for r in recs] == [0, 1, 2]
    assert [r.request.url for r in recs] == [
        gateway.url + "/json", gateway.url + "/v1/chat/completions", gateway.url + "/v1/messages"
    ]
    assert recs[1].response.body.endswith("data: [DONE]\n\n")
    assert json.loads(recs[2].response.body)["content"][0]["text"] == "You said: kept"
    assert "in flight" not in cassette.read_text()


# -- upstream failures ---------------------------------------------------------------------------


def _failure_then_nothing_recorded(proxy, cassette, ok_url, ca_cert, fail):
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(ok_url).status_code == 200
        wait_recorded(cassette, 1)
        fail(client)
    wait_for(lambda: stats(proxy)[1] >= 1, 5, "a failure in the session stats")
    time.sleep(0.2)  # anything (wrongly) written for the failure would land by now
    recs = load_cassette(cassette).interactions
    assert [r.request.url for r in recs] == [ok_url]
    assert stats(proxy) == (1, 1)


def test_connection_refused_is_a_502_and_not_recorded(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    dead = f"https://127.0.0.1:{closed_port()}/v1/chat/completions"

    def fail(client):
        r = client.post(dead, json=chat_body("nobody home", stream=False))
        assert r.status_code == 502
        assert "refused" in r.text.lower() or "connect" in r.text.lower()

    _failure_then_nothing_recorded(proxy, cassette, gateway.url + "/json", ca_cert, fail)


@pytest.mark.parametrize("http2", [False, True], ids=["h1-tcp-rst", "h2-rst-stream"])
def test_reset_mid_stream_is_an_error_and_not_recorded(http2, run_proxy, gateway, ca_cert,
                                                        tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")

    def fail(c):
        with proxied_client(proxy, ca_cert, http2=http2) as client:
            got = []
            with pytest.raises(httpx.HTTPError):
                with client.stream("GET", gateway.url + "/reset-mid-stream?events=2") as r:
                    assert r.status_code == 200
                    for chunk in r.iter_raw():
                        got.append(chunk)
            assert b"".join(got).startswith(b'data: {"i":0')

    _failure_then_nothing_recorded(proxy, cassette, gateway.url + "/json", ca_cert, fail)


def test_untrusted_upstream_certificate_is_a_502_and_not_recorded(confdir, gateway, ca_cert,
                                                                   tmp_path):
    cassette = tmp_path / "c.yaml"
    # No ssl_verify_upstream_trusted_ca: the gateway's certificate is not trusted.
    settings = ProxySettings(cassette=str(cassette), mode="record", confdir=confdir)
    with BackgroundProxy(settings) as proxy:
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(gateway.url + "/json")
        assert r.status_code == 502
        assert "certificate" in r.text.lower() or "tls" in r.text.lower()
        wait_for(lambda: stats(proxy)[1] >= 1, 5, "a failure in the session stats")
        assert stats(proxy) == (0, 1)
    assert not cassette.exists()  # record mode creates the file with the first success


# -- safe defaults -------------------------------------------------------------------------------


def test_ca_private_key_is_private(confdir, tmp_path):
    key = Path(confdir) / "mitmproxy-ca.pem"
    assert "PRIVATE KEY" in key.read_text()
    assert stat.S_IMODE(key.stat().st_mode) & 0o077 == 0
    # a fresh confdir made by the CLI
    fresh = tmp_path / "conf"
    out = subprocess.run([str(BIN / "vcrproxy"), "ca", "--confdir", str(fresh)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(fresh / "mitmproxy-ca-cert.pem")
    key = fresh / "mitmproxy-ca.pem"
    assert stat.S_IMODE(key.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(fresh.stat().st_mode) & 0o077 == 0


def test_listens_on_loopback_by_default(run_proxy, tmp_path):
    assert ProxySettings(cassette="x.yaml").listen_host == "127.0.0.1"
    proxy = run_proxy(tmp_path / "c.yaml", "record")
    assert proxy.url.startswith("http://127.0.0.1:")
    assert proxy.proxy.host == "127.0.0.1"
    (host,) = [p for p in record_command.params if p.name == "host"]
    assert host.default == "127.0.0.1"  # the CLI (its bound address: the SIGKILL test)


# A small body; bodies past LARGE_BODY: written as their streamed text, and random bytes (which
# hold needles by chance: redacted and written in the writer's child process).
@pytest.mark.parametrize("query", ["/json?size=3", "/big?mb=9&chunked=1",
                                   "/big?mb=9&chunked=1&random=7"])
def test_flow_ends_once_written_and_the_fsync_follows(query, monkeypatch, run_proxy, gateway,
                                                       ca_cert, tmp_path):
    """The client gets the end of a response once its interaction is in the cassette (any
    process reads it there; a kill of the proxy keeps it), not after its fsync (40-50 ms for
    50 MB: issue 18); the fsync still comes, before the proxy stops. Here every fsync of the
    cassette (or its temporary file) waits until the client has its answer: the old order
    (fsync, then the end) times the client out."""
    cassette = tmp_path / "c.yaml"
    answered = threading.Event()
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
        if os.path.dirname(name) == str(tmp_path) and "c.yaml" in os.path.basename(name):
            answered.wait(10)
            synced.append(os.path.basename(name))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        try:
            r = client.get(gateway.url + query, timeout=5)
            (rec,) = load_cassette(cassette).interactions  # in the file as the client has it
            early = list(synced)
        finally:
            answered.set()
    assert r.status_code == 200 and len(r.content) >= (3 if "json" in query else 9 << 20)
    assert early == []  # (the end came first)
    assert len(rec.response.body_bytes) == len(r.content)
    proxy.stop()
    assert synced == ["c.yaml"]  # the new file itself, renamed into place, then flushed


def test_the_proxy_stops_at_once_after_recordings(confdir, gateway, ca_cert, tmp_path):
    """Stopping waits for the writes and their fsyncs (Recorder.done), and only for those:
    it once spun forever when they had all ended but their callbacks had not yet taken them
    off the list (awaiting a gather of finished tasks never yields to those callbacks)."""
    from conftest import start_proxy

    for i in range(20):
        cassette = tmp_path / f"c{i}.yaml"
        proxy = start_proxy(confdir, gateway, cassette, "record")
        try:
            with proxied_client(proxy, ca_cert, http2=bool(i % 2)) as client:
                for query in ("/json?size=3", "/ndjson", "/json?size=5"):
                    assert client.get(gateway.url + query).status_code == 200
        finally:
            proxy.stop()  # (BackgroundProxy.stop: TimeoutError after 30 s)
        assert len(load_cassette(cassette).interactions) == 3
