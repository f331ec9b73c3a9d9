"""Replay and the record modes, end to end.

Real parts only: the VCR addon in a real in-process mitmproxy (BackgroundProxy), the real TLS fake
gateway (tests/fakegateway.py), and real clients: httpx (HTTP/1.1 and h2), the official openai
and anthropic SDKs, curl. Replay targets hosts that do not resolve (`api.example.invalid`, the
real provider hosts of the reference cassettes: this machine has no DNS and no route out) or a
`ConnectionCounter` that counts every connection attempt, so "offline" is proven, not assumed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import shutil
import ssl
import struct
import subprocess
import sys
import time
from pathlib import Path

import anthropic
import h2.config
import h2.connection
import h2.errors
import h2.events
import httpx
import openai
import pytest

from vcrproxy import Cassette, Interaction, Request, Response, load_cassette, save_cassette
from vcrproxy.cassette import CHUNKS_KEY, REDACTED
from vcrproxy.proxy import BackgroundProxy

sys.path.insert(0, os.path.dirname(__file__))
from conftest import running_proxy  # noqa: E402
from fakegateway import ConnectionCounter, FakeGateway  # noqa: E402
from sessions import connect_tunnel  # noqa: E402

REFERENCE = Path(__file__).resolve().parent.parent / "cassettes"
OFFLINE = "https://api.example.invalid"
OPENAI_KEY = "sk-test-" + "Q7w9E1r3T5y7U9i1O3p5A7s9D1f3G5h7J9k1L3z5"
ANTHROPIC_KEY = "sk-ant-api03-" + "x7Y9z1A3b5C7d9E1f3G5h7J9k1L3m5N7p9Q1r3S5t7U9v1W3"
GOOGLE_KEY = "AIzaSy" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r"
RETRYABLE = {408, 409, 429}

FOUNDING_MESSAGES = [
    {"content": "You are a helpful assistant", "role": "system",
     "cache_control": {"type": "ephemeral"}},
    {"content": "Say hi in Portuguese", "role": "user", "cache_control": {"type": "ephemeral"}},
]


# -- helpers -------------------------------------------------------------------------------------


def tls(ca: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca)


def client(proxy: BackgroundProxy, ca: str, *, http2: bool = False) -> httpx.Client:
    return httpx.Client(proxy=proxy.url, verify=tls(ca), http2=http2, timeout=20)


def oai(proxy, ca, base_url: str, **kw) -> openai.OpenAI:
    http = openai.DefaultHttpxClient(proxy=proxy.url, verify=tls(ca), timeout=20)
    return openai.OpenAI(base_url=base_url, api_key=OPENAI_KEY, http_client=http, **kw)


def ant(proxy, ca, base_url: str = "https://api.anthropic.com", **kw) -> anthropic.Anthropic:
    http = anthropic.DefaultHttpxClient(proxy=proxy.url, verify=tls(ca), timeout=20)
    return anthropic.Anthropic(base_url=base_url, api_key=ANTHROPIC_KEY, http_client=http, **kw)


def curl(proxy, ca, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["curl", "-sS", "--max-time", "20", "--proxy", proxy.url, "--cacert", ca, *args, url],
        capture_output=True,
        timeout=30,
    )


def curl_response_headers(stderr: bytes) -> list[str]:
    """Header lines of the final response from `curl -v` output (after the CONNECT reply)."""
    lines = [ln[2:].strip() for ln in stderr.decode("utf-8", "replace").splitlines()
             if ln.startswith("< ")]
    starts = [i for i, ln in enumerate(lines) if ln.startswith("HTTP/")]
    return [ln for ln in lines[starts[-1]:] if ln]


def rec(url: str, *, method: str = "GET", body: str | bytes = "", headers=None,
        code: int = 200, status: str | None = None, resp_body: str | bytes = "",
        resp_headers=None, duration_ms: float = 0, chunks=None, content_length=None) -> Interaction:
    """A recorded interaction (the id is set by `cassette`)."""
    ctype = {"Content-Type": ["application/json"]}
    resp = Response(
        code=code,
        status=status or f"{code} OK",
        body=resp_body,
        headers=ctype if resp_headers is None else resp_headers,
        content_length=(len(resp_body if isinstance(resp_body, bytes) else resp_body.encode())
                        if content_length is None else content_length),
        duration_ns=int(duration_ms * 1e6),
        extra={CHUNKS_KEY: chunks} if chunks else {},
    )
    req_body = body.encode() if isinstance(body, str) else body
    return Interaction(
        id=0,
        request=Request(url=url, method=method, body=body, headers=headers or {},
                        content_length=len(req_body)),
        response=resp,
    )


def cassette(path: Path, *interactions: Interaction) -> str:
    for i, interaction in enumerate(interactions):
        interaction.id = i
    save_cassette(Cassette(interactions=list(interactions)), str(path))
    return str(path)


def reports(proxy: BackgroundProxy) -> list:
    """Every finished flow the addon reports, from now on."""
    seen: list = []
    proxy.vcr.listeners.append(seen.append)
    return seen


def summary(proxy: BackgroundProxy) -> list[str]:
    return proxy.call(proxy.vcr.summary_lines)


def sse_data(text: str) -> list[str]:
    return [ln[len("data: "):] for ln in text.splitlines() if ln.startswith("data: ")]


def copy_reference(tmp_path: Path, name: str) -> str:
    dest = tmp_path / name
    shutil.copyfile(REFERENCE / name, dest)
    return str(dest)


def founding_stream(oc: openai.OpenAI, user: str = "Say hi in Portuguese"):
    """Exactly the request of cli/demo_client.py (the founding cassette's request)."""
    messages = [dict(m) for m in FOUNDING_MESSAGES]
    messages[1]["content"] = user
    return oc.chat.completions.create(
        model="anthropic/claude-sonnet-4",
        messages=messages,
        max_tokens=4000,
        stream=True,
        stream_options={"include_usage": True},
    )


@pytest.fixture
def private_gateway():
    """A FakeGateway of our own, which a test may stop (the session one must stay up)."""
    started: list[FakeGateway] = []

    def start(**kw) -> FakeGateway:
        gw = FakeGateway(**kw).start()
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()


# -- modes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("sets", [(), ("connection_strategy=eager",)], ids=["default", "eager"])
def test_replay_never_connects_upstream_and_a_miss_is_an_error(
    run_proxy, ca_cert, tmp_path, sets
):
    """Even when mitmproxy is told to connect eagerly, the addon keeps it lazy in replay."""
    with ConnectionCounter() as upstream:
        base = f"https://127.0.0.1:{upstream.port}"
        path = cassette(
            tmp_path / "c.yaml",
            rec(f"{base}/v1/models", resp_body='{"data": []}'),
            rec(f"http://127.0.0.1:{upstream.port}/plain", resp_body='{"plain": true}'),
            rec(f"https://localhost:{upstream.port}/v1/h2", resp_body='{"h2": true}'),
        )
        proxy = run_proxy(path, "replay", sets=sets)
        assert proxy.proxy.master.options.connection_strategy == "lazy"
        seen = reports(proxy)
        with client(proxy, ca_cert) as h1, client(proxy, ca_cert, http2=True) as h2c:
            assert h1.get(f"{base}/v1/models").json() == {"data": []}
            assert h1.get(f"http://127.0.0.1:{upstream.port}/plain").json() == {"plain": True}
            r = h2c.get(f"https://localhost:{upstream.port}/v1/h2")
            assert (r.http_version, r.json()) == ("HTTP/2", {"h2": True})
            miss = h1.get(f"{base}/v1/not-recorded")
            again = h1.get(f"{base}/v1/models")  # used once already: also a miss
        assert miss.status_code == again.status_code == 400
        assert miss.headers["x-vcrproxy-miss"] == "1"
        assert [r.kind for r in seen] == ["replayed"] * 3 + ["miss"] * 2
        time.sleep(0.1)  # a late connection attempt would have been accepted by now
        assert upstream.connections == 0


def test_replay_of_unresolvable_hosts_with_openai_sdk(run_proxy, ca_cert, tmp_path):
    """A cassette whose URL names a host that does not resolve: replay needs no DNS."""
    src = copy_reference(tmp_path, "vercel-gateway-claude-simple-streaming.yaml")
    c = load_cassette(src)
    c.interactions[0].request.url = f"{OFFLINE}/v1/chat/completions"
    save_cassette(c, src)
    proxy = run_proxy(src, "replay")
    with oai(proxy, ca_cert, f"{OFFLINE}/v1", max_retries=0) as oc:
        chunks = list(founding_stream(oc))
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices) == "Olá!"
    assert summary(proxy)[0].endswith("replayed 1, recorded 0, missed 0, failed 0, unused 0")


def test_record_overwrites_only_once_the_first_exchange_completes(
    run_proxy, ca_cert, gateway, tmp_path
):
    path = copy_reference(tmp_path, "openai-chat-multi-tool-streaming.yaml")
    before = Path(path).read_bytes()
    assert len(load_cassette(path).interactions) == 2
    proxy = run_proxy(path, "record")
    assert Path(path).read_bytes() == before, "record mode touched the cassette at start"
    with client(proxy, ca_cert) as c:
        with pytest.raises(httpx.HTTPError):  # the upstream dies mid-stream: nothing completes
            c.get(f"{gateway.url}/reset-mid-stream?events=1").read()
        assert Path(path).read_bytes() == before, "a failed exchange overwrote the cassette"
        n = len(gateway.requests)
        r = c.get(f"{gateway.url}/json?size=40")
        assert r.status_code == 200 and len(r.content) == 40
        assert len(gateway.requests) == n + 1
    recorded = load_cassette(path).interactions
    assert [i.request.url for i in recorded] == [f"{gateway.url}/json?size=40"]
    assert recorded[0].id == 0 and recorded[0].response.body == r.text


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("how", ["http1", "http2 connection closed"])
def test_record_keeps_a_stream_the_client_hung_up_on_after_its_last_event(
    how, run_proxy, ca_cert, gateway, tmp_path
):
    """A client may close a stream right after its final event (the openai SDK 1.x/2.x does,
    after `data: [DONE]`); here the upstream ends its stream only 2 s later, so the hang-up
    always comes first. The answer is whole: it is recorded, and replays. mitmproxy reports
    this as "Client disconnected." over HTTP/1.1; over HTTP/2 as "stream reset by client
    (CANCEL)" (below: httpx does not reset a stream it closes) or "peer closed connection" (it
    closes the connection), neither of which was recorded."""
    path = tmp_path / "c.yaml"
    url = f"{gateway.url}/v1/chat/completions"
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "bye now"}]}
    proxy = run_proxy(path, "record")
    http2 = how != "http1"
    with client(proxy, ca_cert, http2=http2) as c:
        with c.stream("POST", url, json=body,
                      headers={"X-Fake-Gap-Ms": "100", "X-Fake-End-Delay-Ms": "2000"}) as r:
            assert r.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
            lines = []
            for line in r.iter_lines():
                lines.append(line)
                if line == "data: [DONE]":
                    if how == "http2 connection closed":
                        c.close()  # (the connection goes before the stream is closed)
                    break  # hang up before the end of the stream arrives
    wait_for(lambda: "recorded 1," in "".join(summary(proxy)), 1.5)
    assert summary(proxy)[0].endswith("recorded 1, missed 0, failed 0, unused 0")
    proxy.stop()
    [got] = load_cassette(path).interactions
    kept = got.response.body
    assert kept.rstrip("\n").endswith("data: [DONE]")
    assert [ln for ln in kept.splitlines() if ln] == [ln for ln in lines if ln]

    replayer = run_proxy(path, "replay")
    with client(replayer, ca_cert) as c:
        r = c.post(url, json=body)
    assert (r.status_code, r.text) == (200, kept)


def _h2_post_until(proxy, ca: str, url: str, body: bytes, last: bytes) -> tuple[object, bytes]:
    """POST over HTTP/2 through the proxy with the h2 library (as mitmproxy's own), reading the
    answer until it holds `last`; then reset the stream (RST_STREAM CANCEL), keeping the
    connection open. Returns (the TLS socket, to close later; what was read)."""
    target, via = httpx.URL(url), httpx.URL(proxy.url)
    raw = connect_tunnel(via.host, via.port, f"{target.host}:{target.port}")
    context = tls(ca)
    context.set_alpn_protocols(["h2"])
    sock = context.wrap_socket(raw, server_hostname=target.host)
    assert sock.selected_alpn_protocol() == "h2"
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    stream = conn.get_next_available_stream_id()
    conn.send_headers(stream, [(":method", "POST"), (":scheme", "https"),
                               (":authority", f"{target.host}:{target.port}"),
                               (":path", target.raw_path.decode()),
                               ("content-type", "application/json"),
                               ("x-fake-gap-ms", "100"), ("x-fake-end-delay-ms", "2000")])
    conn.send_data(stream, body, end_stream=True)
    sock.sendall(conn.data_to_send())
    got = b""
    while last not in got:
        data = sock.recv(65536)
        assert data, "the proxy closed the connection"
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.DataReceived) and event.stream_id == stream:
                got += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, stream)
        sock.sendall(conn.data_to_send())
    conn.reset_stream(stream, h2.errors.ErrorCodes.CANCEL)
    sock.sendall(conn.data_to_send())
    return sock, got


def test_record_keeps_an_http2_stream_the_client_reset_after_its_last_event(
    run_proxy, ca_cert, gateway, tmp_path
):
    """An HTTP/2 client that resets the stream (RST_STREAM CANCEL) right after the final event,
    keeping its connection: mitmproxy says "stream reset by client (CANCEL)". The answer is
    whole: recorded (it was "upstream failed ... nothing recorded")."""
    path = tmp_path / "c.yaml"
    url = f"{gateway.url}/v1/chat/completions"
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "bye now"}]}
    proxy = run_proxy(path, "record")
    sock, got = _h2_post_until(proxy, ca_cert, url, json.dumps(body).encode(), b"data: [DONE]")
    try:
        wait_for(lambda: "recorded 1," in "".join(summary(proxy)), 1.5)  # (upstream ends at 2 s)
    finally:
        sock.close()
    assert summary(proxy)[0].endswith("recorded 1, missed 0, failed 0, unused 0")
    proxy.stop()
    [kept] = load_cassette(path).interactions
    assert kept.response.body_bytes == got and got.endswith(b"data: [DONE]\n\n")


@pytest.mark.parametrize("http2", [False, True])
def test_record_drops_a_stream_the_client_hung_up_on_midway(
    http2, run_proxy, ca_cert, gateway, tmp_path
):
    """A client leaving mid-answer (Ctrl-C) did not get the whole stream: nothing is written
    as if it were complete, and the session counts a failure."""
    path = tmp_path / "c.yaml"
    url = f"{gateway.url}/v1/chat/completions"
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "bye now"}]}
    proxy = run_proxy(path, "record")
    with client(proxy, ca_cert, http2=http2) as c:
        with c.stream("POST", url, json=body, headers={"X-Fake-Gap-Ms": "100"}) as r:
            next(line for line in r.iter_lines() if line.startswith("data: "))
    wait_for(lambda: "failed 1," in "".join(summary(proxy)))
    assert "recorded 0," in summary(proxy)[0]
    proxy.stop()
    assert not path.exists()


@pytest.mark.parametrize("hang_up_after", ["a delta naming message_stop", "message_stop"])
def test_record_tells_an_anthropic_stream_end_from_a_text_naming_it(
    hang_up_after, run_proxy, ca_cert, gateway, tmp_path
):
    """The answer's text may name the end-of-stream event (a model explaining the API): a
    client that hangs up right after such a delta left mid-answer, and nothing is recorded as
    complete (it was, cut after that delta); after the real `event: message_stop` it is."""
    path = tmp_path / "c.yaml"
    url = f"{gateway.url}/v1/messages"
    body = {"model": "m", "stream": True, "max_tokens": 50, "messages": [
        {"role": "user", "content": "what does message_stop mean in a stream and when"}]}
    proxy = run_proxy(path, "record")
    with client(proxy, ca_cert) as c:
        with c.stream("POST", url, json=body, headers={"X-Fake-Gap-Ms": "100"}) as r:
            lines = r.iter_lines()
            for line in lines:
                if hang_up_after == "message_stop" and line == "event: message_stop":
                    next(lines)  # (its data line)
                    break
                if hang_up_after != "message_stop" and "text_delta" in line \
                        and "message_stop" in line:
                    break  # hang up mid-answer
    whole = hang_up_after == "message_stop"
    wait_for(lambda: ("recorded 1," if whole else "failed 1,") in "".join(summary(proxy)))
    proxy.stop()
    if whole:
        [got] = load_cassette(path).interactions
        assert got.response.body.rstrip("\n").endswith('data: {"type":"message_stop"}')
    else:
        assert not path.exists()


def test_record_goes_upstream_even_when_the_cassette_has_the_answer(
    run_proxy, ca_cert, gateway, tmp_path
):
    url = f"{gateway.url}/json"
    path = cassette(tmp_path / "c.yaml", rec(url, resp_body='{"stale": true}'))
    proxy = run_proxy(path, "record")
    n = len(gateway.requests)
    with client(proxy, ca_cert) as c:
        first, second = c.get(url).json(), c.get(url).json()
    assert first == second == {"ok": True, "name": "fakegateway", "items": [1, 2, 3]}
    assert len(gateway.requests) == n + 2
    proxy.stop()
    assert [json.loads(i.response.body) for i in load_cassette(path).interactions] == [first] * 2


def test_stopping_a_record_session_without_traffic_keeps_the_cassette(run_proxy, tmp_path):
    path = copy_reference(tmp_path, "openai-responses-simple.yaml")
    before = Path(path).read_bytes()
    run_proxy(path, "record").stop()
    assert Path(path).read_bytes() == before


def test_once_replays_an_existing_cassette(run_proxy, ca_cert, gateway, tmp_path):
    url = f"{gateway.url}/json"
    path = cassette(tmp_path / "c.yaml", rec(url, resp_body='{"stale": true}'))
    before = Path(path).read_bytes()
    proxy = run_proxy(path, "once")
    assert proxy.proxy.master.options.default("vcr_mode") == "once"
    n, conns = len(gateway.requests), gateway.connections
    with client(proxy, ca_cert) as c:
        assert c.get(url).json() == {"stale": True}
        miss = c.get(f"{gateway.url}/json?size=20")  # not recorded: once + existing = replay
    assert miss.status_code == 400 and "no recorded interaction matches" in miss.text
    assert (len(gateway.requests), gateway.connections) == (n, conns)
    proxy.stop()
    assert Path(path).read_bytes() == before


def test_once_records_a_missing_cassette_then_replays_it(run_proxy, ca_cert, gateway, tmp_path):
    path = tmp_path / "sub" / "new.yaml"
    url = f"{gateway.url}/json?size=30"
    proxy = run_proxy(path, "once")
    n = len(gateway.requests)
    with client(proxy, ca_cert) as c:
        live = c.get(url)
    assert len(gateway.requests) == n + 1
    proxy.stop()
    assert [i.request.url for i in load_cassette(path).interactions] == [url]

    again = run_proxy(path, "once")
    with client(again, ca_cert) as c:
        replayed = c.get(url)
    assert len(gateway.requests) == n + 1
    assert (replayed.status_code, replayed.content) == (200, live.content)
    assert summary(again)[0].startswith(f"{path}: mode replay, replayed 1,")


def test_new_episodes_replays_matches_and_appends_the_rest(run_proxy, ca_cert, gateway, tmp_path):
    path = copy_reference(tmp_path, "vercel-gateway-claude-simple-streaming.yaml")
    before = Path(path).read_bytes()
    proxy = run_proxy(path, "new-episodes")
    n = len(gateway.requests)
    with oai(proxy, ca_cert, "https://ai-gateway.vercel.sh/v1", max_retries=0) as oc:
        text = "".join(ch.choices[0].delta.content or ""
                       for ch in founding_stream(oc) if ch.choices)
    with oai(proxy, ca_cert, f"{gateway.url}/v1", max_retries=0) as oc:
        new = oc.chat.completions.create(model="m", messages=[{"role": "user", "content": "new"}])
    assert text == "Olá!"
    assert new.choices[0].message.content == "You said: new"
    assert len(gateway.requests) == n + 1  # only the new one went upstream
    proxy.stop()
    after = Path(path).read_bytes()
    assert after.startswith(before), "new-episodes rewrote the recorded interactions"
    got = load_cassette(path).interactions
    assert [i.id for i in got] == [0, 1]
    assert got[1].request.url == f"{gateway.url}/v1/chat/completions"
    assert json.loads(got[1].response.body)["choices"][0]["message"]["content"] == "You said: new"
    assert OPENAI_KEY not in after.decode()


@pytest.mark.parametrize("exists", [True, False], ids=["existing", "missing"])
def test_passthrough_never_touches_the_cassette(run_proxy, ca_cert, gateway, tmp_path, exists):
    url = f"{gateway.url}/json"
    path = tmp_path / "c.yaml"
    if exists:
        cassette(path, rec(url, resp_body='{"stale": true}'))
        before = (path.read_bytes(), path.stat().st_mtime_ns)
    proxy = run_proxy(path, "passthrough")
    seen = reports(proxy)
    n = len(gateway.requests)
    with client(proxy, ca_cert) as c, client(proxy, ca_cert, http2=True) as c2:
        assert c.get(url).json()["name"] == "fakegateway"
        assert c2.get(url).json()["name"] == "fakegateway"
        with c.stream("POST", f"{gateway.url}/v1/chat/completions",
                      json={"model": "m", "stream": True, "messages": [{"role": "user",
                                                                        "content": "p"}]}) as r:
            assert sse_data(r.read().decode())[-1] == "[DONE]"
    assert len(gateway.requests) == n + 3
    assert [r.kind for r in seen] == ["passthrough"] * 3
    proxy.stop()
    if exists:
        assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    else:
        assert not path.exists()
    assert os.listdir(tmp_path) == (["c.yaml"] if exists else [])


@pytest.mark.parametrize("mode", ["record", "new-episodes", "passthrough"])
def test_upstream_streams_reach_the_client_as_they_come(
    run_proxy, ca_cert, gateway, tmp_path, mode
):
    """Modes that go upstream pass SSE on event by event, never buffering the whole stream."""
    proxy = run_proxy(tmp_path / "c.yaml", mode)
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": mode}]}
    n = len(gateway.sent_events)
    with client(proxy, ca_cert, http2=True) as c:
        with c.stream("POST", f"{gateway.url}/v1/chat/completions", json=body,
                      headers={"X-Fake-Gap-Ms": "100"}) as r:
            arrivals = [time.monotonic() for line in r.iter_lines() if line.startswith("data:")]
    sent = [at for path, at, _ in gateway.sent_events[n:] if path == "/v1/chat/completions"]
    assert len(arrivals) == len(sent) >= 5
    assert arrivals[0] < sent[-1] - 0.2, "the client got the first event only at the end"
    assert arrivals[-1] - arrivals[0] > 0.8 * (sent[-1] - sent[0])


# -- matching ------------------------------------------------------------------------------------

SECRET_URL = f"{OFFLINE}/v1beta/models/m:generate?key={GOOGLE_KEY}&q=1"
MATCH_CASES = {
    # id: (recorded request, live request, vcr options, expected miss text or None for a match)
    "query-is-a-multiset": (
        dict(url=f"{OFFLINE}/v1/x?a=1&b=2&a=3"), dict(url=f"{OFFLINE}/v1/x?b=2&a=3&a=1"), {}, None),
    "query-count-matters": (
        dict(url=f"{OFFLINE}/v1/x?a=1&a=1"), dict(url=f"{OFFLINE}/v1/x?a=1"), {},
        "query: a=1 only in recorded"),
    "port-matters": (
        dict(url="https://api.example.invalid:8443/v1/x"), dict(url=f"{OFFLINE}/v1/x"), {},
        "host: recorded api.example.invalid:8443 vs live api.example.invalid"),
    "default-port-is-no-port": (
        dict(url="https://api.example.invalid:443/v1/x"), dict(url=f"{OFFLINE}/v1/x"), {}, None),
    "scheme-matters": (
        dict(url="http://api.example.invalid/v1/x"), dict(url=f"{OFFLINE}/v1/x"), {},
        "scheme: recorded http vs live https"),
    "path-matters": (
        dict(url=f"{OFFLINE}/v1/x"), dict(url=f"{OFFLINE}/v1/y"), {},
        "path: recorded /v1/x vs live /v1/y"),
    "method-matters": (
        dict(url=f"{OFFLINE}/v1/x", method="POST"), dict(url=f"{OFFLINE}/v1/x"), {},
        "method: recorded POST vs live GET"),
    "json-key-order-and-whitespace": (
        dict(method="POST", body='{"a":1,"b":[1,2],"c":{"d":"é"}}'),
        dict(method="POST", content=b'{\n  "c": {"d": "\\u00e9"},\n  "b": [1, 2],\n  "a": 1.0\n}'),
        {}, None),
    "json-value-differs": (
        dict(method="POST", body='{"messages":[{"role":"user","content":"hi"}]}'),
        dict(method="POST", content=b'{"messages":[{"role":"user","content":"ho"}]}'), {},
        'body: $.messages[0].content differs: recorded "hi" vs live "ho"'),
    "text-body-after-crlf-normalisation": (
        dict(method="POST", body="line one\nline two\n"),
        dict(method="POST", content=b"line one\r\nline two\r\n"), {}, None),
    "text-body-bytes-differ": (
        dict(method="POST", body="line one\n"), dict(method="POST", content=b"line 1\n"), {},
        "body: differs at byte 5"),
    "headers-not-compared-by-default": (
        dict(headers={"X-Tenant": ["a"]}), dict(headers={"X-Tenant": "b"}), {}, None),
    "headers-compared-when-asked": (
        dict(headers={"X-Tenant": ["a"]}), dict(headers={"X-Tenant": "b"}),
        {"match_headers": "x-tenant"}, 'headers: X-Tenant recorded ["a"] vs live ["b"]'),
    "asked-headers-equal": (
        dict(headers={"X-Tenant": ["a"]}), dict(headers={"x-tenant": "a"}),
        {"match_headers": "X-Tenant"}, None),
    "ignored-json-path": (
        dict(method="POST", body='{"metadata":{"run":1},"q":1}'),
        dict(method="POST", content=b'{"metadata":{"run":2},"q":1}'),
        {"match_ignore_json": "metadata"}, None),
    "json-path-not-ignored": (
        dict(method="POST", body='{"metadata":{"run":1},"q":1}'),
        dict(method="POST", content=b'{"metadata":{"run":2},"q":1}'), {},
        "body: $.metadata.run differs: recorded 1 vs live 2"),
    "ignored-query-param": (
        dict(url=f"{OFFLINE}/v1/x?ts=1&q=a"), dict(url=f"{OFFLINE}/v1/x?q=a&ts=2"),
        {"match_ignore_query": "ts"}, None),
    "query-param-not-ignored": (
        dict(url=f"{OFFLINE}/v1/x?ts=1&q=a"), dict(url=f"{OFFLINE}/v1/x?q=a&ts=2"), {},
        "query: recorded ts=1 vs live ts=2"),
    "redacted-values-match-anything": (
        dict(url=f"{OFFLINE}/v1beta/models/m:generate?key={REDACTED}&q=1", method="POST",
             body=f'{{"api_key":"{REDACTED}","n":1}}',
             headers={"Authorization": [f"Bearer {REDACTED}"]}),
        dict(url=SECRET_URL, method="POST",
             content=json.dumps({"n": 1, "api_key": OPENAI_KEY}).encode(),
             headers={"Authorization": f"Bearer {OPENAI_KEY}"}),
        {"match_headers": "authorization"}, None),
    "redacted-but-something-else-differs": (
        dict(url=f"{OFFLINE}/v1beta/models/m:generate?key={REDACTED}&q=1", method="POST",
             body=f'{{"api_key":"{REDACTED}","n":1}}'),
        dict(url=SECRET_URL, method="POST",
             content=json.dumps({"n": 2, "api_key": OPENAI_KEY}).encode()), {},
        "body: $.n differs: recorded 1 vs live 2"),
}


@pytest.mark.parametrize("case", MATCH_CASES.values(), ids=MATCH_CASES.keys())
def test_matching(run_proxy, ca_cert, tmp_path, case):
    recorded, live, options, miss = case
    recorded = {"url": f"{OFFLINE}/v1/x", **recorded}
    live = {"url": f"{OFFLINE}/v1/x", "method": "GET", **live}
    path = cassette(tmp_path / "c.yaml", rec(**recorded, resp_body='{"answer": 42}'))
    proxy = run_proxy(path, "replay", **options)
    with client(proxy, ca_cert) as c:
        r = c.request(live.pop("method"), live.pop("url"), **live)
    if miss is None:
        assert (r.status_code, r.json()) == (200, {"answer": 42}), r.text
        return
    assert r.status_code == 400 and r.headers["x-vcrproxy-miss"] == "1"
    message = r.json()["error"]["message"]
    assert "nearest is interaction 0" in message and miss in message, message
    for secret in (OPENAI_KEY, GOOGLE_KEY):
        assert secret not in r.text


def test_identical_requests_get_successive_interactions_each_once(run_proxy, ca_cert, tmp_path):
    url = f"{OFFLINE}/v1/poll"
    path = cassette(
        tmp_path / "c.yaml",
        rec(url, resp_body='{"n": 1}'),
        rec(f"{OFFLINE}/v1/other", resp_body='{"other": true}'),
        rec(url, resp_body='{"n": 2}'),
    )
    proxy = run_proxy(path, "replay")
    with client(proxy, ca_cert) as c:
        got = [c.get(url) for _ in range(3)]
    assert [r.json() for r in got[:2]] == [{"n": 1}, {"n": 2}]
    assert got[2].status_code == 400
    assert "all matching interactions were already used (2 of 2)" in got[2].text
    assert summary(proxy)[:3] == [
        f"{path}: mode replay, replayed 2, recorded 0, missed 1, failed 0, unused 1",
        f"  miss: GET {url}",
        f"  unused: #1 GET {OFFLINE}/v1/other",
    ]

    repeats = run_proxy(path, "replay", allow_repeats=True)
    with client(repeats, ca_cert) as c:
        assert [c.get(url).json() for _ in range(4)] == [{"n": 1}, {"n": 2}, {"n": 2}, {"n": 2}]


# -- the reference cassettes, replayed offline to real clients -----------------------------------


def test_founding_cassette_openai_sdk(run_proxy, ca_cert):
    proxy = run_proxy(str(REFERENCE / "vercel-gateway-claude-simple-streaming.yaml"), "replay")
    seen = reports(proxy)
    with oai(proxy, ca_cert, "https://ai-gateway.vercel.sh/v1") as oc:
        chunks = list(founding_stream(oc))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Olá!"
    assert chunks[0].id == "gen_01KKHTSE32P3E47RYGNHN4S0G1"
    assert chunks[0].model == "anthropic/claude-sonnet-4"
    assert [r.kind for r in seen] == ["replayed"]


def test_anthropic_cassette_anthropic_sdk(run_proxy, ca_cert):
    proxy = run_proxy(str(REFERENCE / "anthropic-messages-simple-streaming.yaml"), "replay")
    with ant(proxy, ca_cert) as ac:
        events = list(ac.messages.create(
            max_tokens=4000,
            messages=[{"content": [{"text": "Say hi in Portuguese", "type": "text"}],
                       "role": "user"}],
            model="claude-sonnet-4-20250514",
            system=[{"text": "You are a helpful assistant", "type": "text"}],
            stream=True,
        ))
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta")
    assert text == ('Olá! (That\'s "hi" in Portuguese)\n\nYou could also say "Oi!" which is a '
                    "more casual way to say hi in Portuguese.")
    assert events[0].message.id == "msg_01R8GdyyLQUhUfyjqSCMbnWg"
    assert [e.type for e in events][-2:] == ["message_delta", "message_stop"]
    assert events[-2].usage.output_tokens == 38


def test_openai_multi_tool_cassette_both_interactions(run_proxy, ca_cert):
    path = REFERENCE / "openai-chat-multi-tool-streaming.yaml"
    recorded = json.loads(load_cassette(path).interactions[0].request.body)
    proxy = run_proxy(str(path), "replay")
    system, user = recorded["messages"]
    args = dict(model="gpt-4o", max_tokens=4000, stream=True,
                stream_options={"include_usage": True}, tool_choice="auto",
                tools=recorded["tools"])
    with oai(proxy, ca_cert, "https://api.openai.com/v1", max_retries=0) as oc:
        first = list(oc.chat.completions.create(messages=[system, user], **args))
        calls: dict[int, dict] = {}
        for chunk in first:
            for choice in chunk.choices:
                for tc in choice.delta.tool_calls or []:
                    call = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                    call["id"] += tc.id or ""
                    call["name"] += tc.function.name or ""
                    call["arguments"] += tc.function.arguments or ""
        assert [(c["name"], json.loads(c["arguments"])) for c in calls.values()] == [
            ("add", {"a": 2, "b": 3}), ("multiply", {"a": 2, "b": 3})]
        assert [c.choices[0].finish_reason for c in first if c.choices][-1] == "tool_calls"
        assert first[-1].usage.total_tokens == 156
        assistant = {"tool_calls": [
            {"id": c["id"], "function": {"arguments": c["arguments"], "name": c["name"]},
             "type": "function"} for c in calls.values()], "role": "assistant"}
        results = [{"content": str(v), "tool_call_id": c["id"], "role": "tool"}
                   for c, v in zip(calls.values(), (5, 6), strict=True)]
        second = list(oc.chat.completions.create(
            messages=[system, user, assistant, *results], **args))
    text = "".join(c.choices[0].delta.content or "" for c in second if c.choices)
    assert text == "The sum of 2 and 3 is 5, and the product is 6."
    assert second[-1].usage.total_tokens == 192
    assert summary(proxy)[0].endswith("replayed 2, recorded 0, missed 0, failed 0, unused 0")


def test_openai_responses_cassette(run_proxy, ca_cert):
    proxy = run_proxy(str(REFERENCE / "openai-responses-simple.yaml"), "replay")
    with oai(proxy, ca_cert, "https://api.openai.com/v1", max_retries=0) as oc:
        r = oc.responses.create(
            max_output_tokens=4000,
            store=False,
            input=[{"content": "You are a helpful assistant", "role": "system"},
                   {"content": [{"text": "Say hi in Portuguese", "type": "input_text"}],
                    "role": "user"}],
            model="gpt-4o-mini",
        )
    assert r.output_text == "Olá!"
    assert r.id == "resp_0f8d9108fdddf23b016a3c1209558c819f839aa6a3efc268a1"
    assert r.usage.total_tokens == 23


def test_gemini_cassette_httpx(run_proxy, ca_cert):
    proxy = run_proxy(str(REFERENCE / "gemini-simple-streaming.yaml"), "replay")
    body = {"contents": [{"parts": [{"text": "Say hi in Portuguese"}], "role": "user"}],
            "generationConfig": {"maxOutputTokens": 4000},
            "systemInstruction": {"parts": [{"text": "You are a helpful assistant"}],
                                  "role": "user"}}
    url = ("https://generativelanguage.googleapis.com/v1beta/models/"
           "gemini-2.5-flash:streamGenerateContent?alt=sse")
    with client(proxy, ca_cert, http2=True) as c:
        r = c.post(url, json=body, headers={"x-goog-api-key": GOOGLE_KEY})
    assert r.status_code == 200 and r.http_version == "HTTP/2"
    events = [json.loads(d) for d in sse_data(r.text)]
    assert [p["text"] for e in events for p in e["candidates"][0]["content"]["parts"]] == ["Olá!"]
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"


def _eventstream_texts(data: bytes) -> list[str]:
    """Decode AWS event-stream frames as boto would: prelude, headers, JSON payload."""
    texts, pos = [], 0
    while pos < len(data):
        total, headers_len = struct.unpack(">II", data[pos:pos + 8])
        payload = data[pos + 12 + headers_len:pos + total - 4]
        inner = json.loads(base64.b64decode(json.loads(payload)["bytes"]))
        if inner.get("type") == "content_block_delta":
            texts.append(inner["delta"]["text"])
        pos += total
    assert pos == len(data)
    return texts


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_bedrock_binary_eventstream_bytes_exact(run_proxy, ca_cert, http2):
    path = REFERENCE / "bedrock-claude-eventstream-binary.yaml"
    recorded = load_cassette(path).interactions[0]
    assert isinstance(recorded.response.body, bytes)
    proxy = run_proxy(str(path), "replay")
    body = {"max_tokens": 4000,
            "messages": [{"content": [{"text": "Say hi in Portuguese", "type": "text"}],
                          "role": "user"}],
            "system": [{"text": "You are a helpful assistant", "type": "text"}],
            "anthropic_version": "bedrock-2023-05-31"}
    with client(proxy, ca_cert, http2=http2) as c:
        with c.stream("POST", recorded.request.url, json=body) as r:
            got = b"".join(r.iter_raw())
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.amazon.eventstream"
    assert got == recorded.response.body
    assert _eventstream_texts(got) == ["Olá!"]


# -- misses explain themselves -------------------------------------------------------------------


def test_miss_openai_sdk_one_attempt_and_explained(run_proxy, ca_cert, caplog):
    caplog.set_level(logging.INFO, logger="vcrproxy")
    url = "https://ai-gateway.vercel.sh/v1/chat/completions"
    proxy = run_proxy(str(REFERENCE / "vercel-gateway-claude-simple-streaming.yaml"), "replay")
    seen = reports(proxy)
    with oai(proxy, ca_cert, "https://ai-gateway.vercel.sh/v1") as oc:  # default: 2 retries
        assert oc.max_retries >= 1
        with pytest.raises(openai.BadRequestError) as err:
            list(founding_stream(oc, user="Say hi in Spanish"))
    assert err.value.status_code == 400
    text = str(err.value)
    assert f"Asked POST {url}" in text
    assert f"nearest is interaction 0 (POST {url})" in text
    assert ('$.messages[1].content differs: recorded "Say hi in Portuguese" vs live '
            '"Say hi in Spanish"') in text
    assert err.value.code == "vcrproxy_cassette_miss"
    assert [(r.kind, r.status) for r in seen] == [("miss", 400)], "the SDK retried the miss"
    assert proxy.vcr.missed == 1
    lines = summary(proxy)
    assert "missed 1" in lines[0] and f"  miss: POST {url}" in lines
    assert "  unused: #0 POST " + url in lines
    logged = [r.getMessage() for r in caplog.records if r.name == "vcrproxy"]
    assert any(m.startswith(f"MISS POST {url}: ") and "Say hi in Spanish" in m for m in logged)


def test_miss_anthropic_sdk_one_attempt_and_explained(run_proxy, ca_cert):
    proxy = run_proxy(str(REFERENCE / "anthropic-messages-simple-streaming.yaml"), "replay")
    seen = reports(proxy)
    with ant(proxy, ca_cert) as ac:  # default retries
        with pytest.raises(anthropic.BadRequestError) as err:
            ac.messages.create(
                max_tokens=4000,
                messages=[{"content": [{"text": "Say hi in Portuguese", "type": "text"}],
                           "role": "user"}],
                model="claude-opus-4",
                system=[{"text": "You are a helpful assistant", "type": "text"}],
                stream=True,
            )
    text = str(err.value)
    assert "Asked POST https://api.anthropic.com/v1/messages" in text
    assert 'body: $.model differs: recorded "claude-sonnet-4-20250514" vs live "claude-opus-4"' \
        in text
    assert err.value.body["error"]["type"] == "invalid_request_error"
    assert [(r.kind, r.status) for r in seen] == [("miss", 400)]


def test_miss_status_and_shapes(run_proxy, ca_cert, tmp_path):
    """Every miss is a plain 400 (no SDK retries it) in the provider's error shape."""
    path = cassette(tmp_path / "c.yaml", rec(f"{OFFLINE}/recorded"))
    proxy = run_proxy(path, "replay")
    gemini = "https://generativelanguage.googleapis.com/v1beta/models/g:generateContent"
    with client(proxy, ca_cert) as c:
        shapes = {
            "openai": c.post("https://api.openai.com/v1/chat/completions", json={}).json(),
            "anthropic": c.post("https://api.anthropic.com/v1/messages", json={}).json(),
            "gemini": c.post(gemini, json={}).json(),
            "other": c.get(f"{OFFLINE}/v1/models"),
        }
    other = shapes.pop("other")
    assert other.status_code == 400 and other.status_code not in RETRYABLE
    assert shapes["openai"]["error"]["type"] == "invalid_request_error"
    assert shapes["anthropic"]["type"] == "error"
    assert shapes["anthropic"]["error"]["type"] == "invalid_request_error"
    assert shapes["gemini"]["error"]["status"] == "INVALID_ARGUMENT"
    assert shapes["gemini"]["error"]["code"] == 400
    for shape in shapes.values():
        msg = shape["error"]["message"]
        assert msg.startswith("vcrproxy: no recorded interaction matches. Asked POST https://")
        assert f"nearest is interaction 0 (GET {OFFLINE}/recorded)" in msg
    assert proxy.vcr.missed == 4


# -- faithful replay -----------------------------------------------------------------------------

FAITHFUL_BODY = '{"id":"x1","text":"Olá, mundo"}'


def _faithful_cassette(tmp_path) -> str:
    headers = {
        "Content-Type": ["application/json; charset=utf-8"],
        "X-Request-Id": ["req_123"],
        "Set-Cookie": ["a=1; Path=/", "b=2; Path=/"],
        "Connection": ["keep-alive"],
        "Keep-Alive": ["timeout=5"],
        "Transfer-Encoding": ["chunked"],
        "Content-Length": ["9999"],  # wrong on purpose: replay recomputes it
    }
    sse = "data: one\n\ndata: two\n\ndata: [DONE]\n\n"
    return cassette(
        tmp_path / "c.yaml",
        rec(f"{OFFLINE}/v1/thing", method="POST", code=201, status="201 Created",
            resp_body=FAITHFUL_BODY, resp_headers=headers),
        rec(f"{OFFLINE}/v1/stream", resp_body=sse, content_length=-1,
            resp_headers={"Content-Type": ["text/event-stream"], "Cache-Control": ["no-cache"]}),
    )


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_faithful_status_headers_and_body(run_proxy, ca_cert, tmp_path, http2):
    proxy = run_proxy(_faithful_cassette(tmp_path), "replay")
    with client(proxy, ca_cert, http2=http2) as c:
        r = c.post(f"{OFFLINE}/v1/thing")
        s = c.get(f"{OFFLINE}/v1/stream")
    assert r.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
    assert r.status_code == 201
    if not http2:
        assert r.reason_phrase == "Created"
    assert r.content == FAITHFUL_BODY.encode()
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.headers["x-request-id"] == "req_123"
    assert r.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert r.headers["content-length"] == str(len(FAITHFUL_BODY.encode()))
    for hop in ("keep-alive", "transfer-encoding"):
        assert hop not in r.headers
    assert r.headers.get("connection", "keep-alive") == "keep-alive"  # not the recorded one
    assert s.text == "data: one\n\ndata: two\n\ndata: [DONE]\n\n"
    assert s.headers["cache-control"] == "no-cache"
    assert "content-length" not in s.headers
    if http2:
        assert "transfer-encoding" not in s.headers
    else:
        assert s.headers["transfer-encoding"] == "chunked"


@pytest.mark.parametrize("flag,version", [("--http1.1", "HTTP/1.1"), ("--http2", "HTTP/2")])
def test_faithful_stream_to_curl(run_proxy, ca_cert, tmp_path, flag, version):
    proxy = run_proxy(_faithful_cassette(tmp_path), "replay")
    out = curl(proxy, ca_cert, f"{OFFLINE}/v1/stream", "-v", flag)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout == b"data: one\n\ndata: two\n\ndata: [DONE]\n\n"
    head = curl_response_headers(out.stderr)
    assert head[0].startswith(f"{version} 200")
    names = {h.split(":", 1)[0].lower() for h in head[1:]}
    assert "content-length" not in names
    if version == "HTTP/1.1":
        assert "Transfer-Encoding: chunked" in head
    else:
        assert "transfer-encoding" not in names

    plain = curl(proxy, ca_cert, f"{OFFLINE}/v1/thing", "-v", flag, "-X", "POST")
    assert plain.stdout == FAITHFUL_BODY.encode()
    head = curl_response_headers(plain.stderr)
    assert head[0].startswith(f"{version} 201")
    lowered = [h.lower() for h in head]
    assert f"content-length: {len(FAITHFUL_BODY.encode())}" in lowered
    assert "set-cookie: a=1; path=/" in lowered and "set-cookie: b=2; path=/" in lowered


# -- pacing --------------------------------------------------------------------------------------

PACE_BODY = {"model": "m", "stream": True,
             "messages": [{"role": "user", "content": "one two three four"}]}
TOLERANCE = 0.04  # per gap (gaps are ~100 ms): a few ms idle; headroom for 2 busy CI cores, xdist


@pytest.fixture(scope="module")
def paced_recording(confdir, tmp_path_factory):
    """A stream recorded from a FakeGateway spacing its events 100 ms apart; that gateway is
    stopped before any test replays it. Returns (cassette, URL, event lines, chunk offsets)."""
    path = str(tmp_path_factory.mktemp("paced") / "paced.yaml")
    ca = os.path.join(confdir, "mitmproxy-ca-cert.pem")
    with FakeGateway(gap_ms=100) as gw:
        url = f"{gw.url}/v1/chat/completions"
        with running_proxy(confdir, gw, path, "record") as proxy, client(proxy, ca) as c:
            lines = [line for _, line in _timed_events(c, url)]
        assert len(gw.events_for("/v1/chat/completions")) == len(lines) >= 6
    resp = load_cassette(path).interactions[0].response
    events = [e + b"\n\n" for e in resp.body_bytes.split(b"\n\n") if e]
    assert resp.chunks is not None, "the recording has no vcrproxy_chunks"
    # One recorded chunk per event, so chunk offsets are event times.
    assert [size for _, size in resp.chunks] == [len(e) for e in events]
    offsets = [at / 1000 for at, _ in resp.chunks]
    assert all(b - a > 0.08 for a, b in zip(offsets, offsets[1:], strict=False)), offsets
    return path, url, lines, offsets


def _timed_events(c: httpx.Client, url: str) -> list[tuple[float, str]]:
    """(arrival, line) of each SSE data line of one streamed POST, as the client saw it."""
    out = []
    with c.stream("POST", url, json=PACE_BODY) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data: "):
                out.append((time.monotonic(), line))
    return out


def within_attempts(check, attempts: int = 3) -> None:
    """Run the timing check `check()` up to `attempts` times; pass on the first clean run.

    Broken pacing fails every attempt; a machine busy with other work only fails some."""
    failures = []
    for _ in range(attempts):
        try:
            check()
            return
        except AssertionError as e:
            failures.append(str(e).splitlines()[0])
    pytest.fail(f"timing off in all {attempts} attempts:\n" + "\n".join(failures))


def _assert_paced(arrivals: list[float], offsets: list[float], who: str = "") -> None:
    assert len(arrivals) == len(offsets), who
    got = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    want = [b - a for a, b in zip(offsets, offsets[1:], strict=False)]
    worst = max(abs(g - w) for g, w in zip(got, want, strict=True))
    assert worst <= TOLERANCE, (
        f"{who} gaps {[round(g * 1000) for g in got]} ms vs recorded "
        f"{[round(w * 1000) for w in want]} ms"
    )


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_recorded_pace_reproduces_event_gaps(run_proxy, ca_cert, paced_recording, http2):
    path, url, lines, offsets = paced_recording
    proxy = run_proxy(path, "replay", pace="recorded", allow_repeats=True)
    with client(proxy, ca_cert, http2=http2) as c:

        def check() -> None:
            observed = _timed_events(c, url)
            assert [line for _, line in observed] == lines
            _assert_paced([at for at, _ in observed], offsets)

        within_attempts(check)
    assert proxy.vcr.missed == 0


def test_instant_pace_is_the_default_and_fast(run_proxy, ca_cert, paced_recording):
    path, url, lines, offsets = paced_recording
    proxy = run_proxy(path, "replay")
    assert proxy.proxy.master.options.vcr_pace == "instant"
    with client(proxy, ca_cert) as c:
        start = time.monotonic()
        observed = _timed_events(c, url)
        took = time.monotonic() - start
    assert [line for _, line in observed] == lines
    assert took < (offsets[-1] - offsets[0]) / 4, f"instant replay took {took:.3f}s"


def _h2_streams(proxy, ca: str, url: str, body: bytes, n: int) -> list[list[float]]:
    """`n` POSTs multiplexed on ONE HTTP/2 connection through the proxy, read by a single loop
    over the h2 protocol library; returns, per stream, the arrival of each SSE event in seconds
    after the requests were sent.

    Not httpx: httpcore's HTTP/2 read lock lets a stream whose data has already arrived wait
    behind another stream blocked in a socket read, up to a whole event gap late (measured), so
    httpx would measure httpcore rather than the proxy's pacing.
    """
    parts, via = httpx.URL(url), httpx.URL(proxy.url)
    authority = f"{parts.host}:{parts.port}"
    sock = connect_tunnel(via.host, via.port, authority, timeout=20)
    context = tls(ca)
    context.set_alpn_protocols(["h2"])
    with context.wrap_socket(sock, server_hostname=parts.host) as conn:
        assert conn.selected_alpn_protocol() == "h2"
        h2conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        h2conn.initiate_connection()
        buffers: dict[int, bytes] = {}
        events: dict[int, list[float]] = {}
        for _ in range(n):
            sid = h2conn.get_next_available_stream_id()
            h2conn.send_headers(sid, [
                (":method", "POST"), (":scheme", "https"), (":authority", authority),
                (":path", parts.raw_path.decode()), ("content-type", "application/json"),
                ("content-length", str(len(body))),
            ])
            h2conn.send_data(sid, body, end_stream=True)
            buffers[sid], events[sid] = b"", []
        conn.sendall(h2conn.data_to_send())
        sent = time.monotonic()
        open_streams = set(events)
        while open_streams:
            data = conn.recv(65536)
            now = time.monotonic() - sent
            assert data, "the proxy closed the HTTP/2 connection"
            for ev in h2conn.receive_data(data):
                if isinstance(ev, h2.events.ResponseReceived):
                    assert dict(ev.headers)[b":status"] == b"200"
                elif isinstance(ev, h2.events.DataReceived):
                    h2conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                    buffers[ev.stream_id] += ev.data
                    while b"\n\n" in buffers[ev.stream_id]:
                        buffers[ev.stream_id] = buffers[ev.stream_id].split(b"\n\n", 1)[1]
                        events[ev.stream_id].append(now)
                elif isinstance(ev, h2.events.StreamEnded):
                    open_streams.discard(ev.stream_id)
                elif isinstance(ev, h2.events.StreamReset):
                    raise AssertionError(f"stream {ev.stream_id} reset")
            conn.sendall(h2conn.data_to_send())
    return list(events.values())


def test_ten_paced_streams_on_one_h2_connection_keep_their_pacing(
    run_proxy, ca_cert, paced_recording
):
    path, url, _, offsets = paced_recording
    proxy = run_proxy(path, "replay", pace="recorded", allow_repeats=True)
    seen = reports(proxy)

    def check() -> None:
        streams = _h2_streams(proxy, ca_cert, url, json.dumps(PACE_BODY).encode(), 10)
        assert len(streams) == 10
        for n, arrivals in enumerate(streams):
            _assert_paced(arrivals, offsets, who=f"stream {n}")
            # ...and started on time: none waited for another stream to finish.
            assert arrivals[0] < offsets[0] + 0.15, f"stream {n} began after {arrivals[0]:.3f}s"

    within_attempts(check)
    assert {r.kind for r in seen} == {"replayed"} and len(seen) % 10 == 0


def test_ten_paced_streams_httpx_h2_asyncio(run_proxy, ca_cert, paced_recording):
    """The same through httpx (asyncio, one HTTP/2 connection): every stream is paced at once,
    none waits for another to finish (mitmproxy allows 5 server connections per client
    connection and address)."""
    path, url, lines, offsets = paced_recording
    span = offsets[-1] - offsets[0]
    proxy = run_proxy(path, "replay", pace="recorded", allow_repeats=True)

    async def one(c: httpx.AsyncClient, start: float) -> tuple[str, float, list]:
        async with c.stream("POST", url, json=PACE_BODY) as r:
            headers_at = time.monotonic() - start
            got = [(time.monotonic() - start, line) async for line in r.aiter_lines()
                   if line.startswith("data: ")]
        return r.http_version, headers_at, got

    async def run() -> list:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(proxy=proxy.url, verify=tls(ca_cert), http2=True,
                                     limits=limits, timeout=20) as c:
            assert (await c.get(f"{url}/warm-up")).status_code == 400  # connect first
            start = time.monotonic()
            return await asyncio.wait_for(
                asyncio.gather(*(one(c, start) for _ in range(10))), 20)

    def check() -> None:
        results = asyncio.run(run())
        assert len(results) == 10
        for n, (version, headers_at, got) in enumerate(results):
            assert version == "HTTP/2"
            assert [line for _, line in got] == lines, f"stream {n}"
            assert headers_at < offsets[0] + 0.15, f"stream {n} headers after {headers_at:.3f}s"
            spread = got[-1][0] - got[0][0]
            assert spread > span * 0.8, f"stream {n} came in a burst ({spread:.3f}s)"
            assert got[-1][0] < offsets[-1] + 0.25, f"stream {n} ended at {got[-1][0]:.3f}s"

    within_attempts(check)


def test_recorded_pace_without_chunk_timings_waits_the_duration(run_proxy, ca_cert, tmp_path):
    sse = "data: a\n\ndata: b\n\ndata: c\n\n"
    path = cassette(
        tmp_path / "c.yaml",
        rec(f"{OFFLINE}/v1/s", resp_body=sse, content_length=-1, duration_ms=400,
            resp_headers={"Content-Type": ["text/event-stream"]}),
        rec(f"{OFFLINE}/v1/j", resp_body='{"ok": 1}', duration_ms=300),
    )
    proxy = run_proxy(path, "replay", pace="recorded", allow_repeats=True)
    with client(proxy, ca_cert) as c:
        c.get(f"{OFFLINE}/v1/warm-up")  # a miss: connect and handshake before timing

        def check() -> None:
            start = time.monotonic()
            arrivals = []
            with c.stream("GET", f"{OFFLINE}/v1/s") as r:
                headers_at = time.monotonic() - start
                for line in r.iter_lines():
                    if line:
                        arrivals.append((time.monotonic() - start, line))
            start = time.monotonic()
            j = c.get(f"{OFFLINE}/v1/j")
            json_took = time.monotonic() - start
            assert 0.4 <= headers_at <= 0.4 + 0.1, headers_at
            assert [line for _, line in arrivals] == ["data: a", "data: b", "data: c"]
            spread = arrivals[-1][0] - arrivals[0][0]
            assert spread <= TOLERANCE, spread  # one chunk, right after the headers
            assert j.json() == {"ok": 1} and 0.3 <= json_took <= 0.3 + 0.1, json_took

        within_attempts(check)


# -- the session summary at shutdown -------------------------------------------------------------


def test_summary_logged_at_shutdown(run_proxy, ca_cert, gateway, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="vcrproxy")
    url = f"{gateway.url}/json"
    replayed = cassette(tmp_path / "r.yaml", rec(url, resp_body="{}"),
                        rec(f"{OFFLINE}/never", resp_body="{}"))
    proxy = run_proxy(replayed, "replay")
    with client(proxy, ca_cert) as c:
        c.get(url)
        c.get(f"{url}?missing=1")
    proxy.stop()
    episodes = cassette(tmp_path / "e.yaml", rec(url, resp_body="{}"))
    proxy2 = run_proxy(episodes, "new-episodes")
    with client(proxy2, ca_cert) as c:
        c.get(url)
        c.get(f"{url}?size=12")
    proxy2.stop()
    logged = [r.getMessage() for r in caplog.records if r.name == "vcrproxy"]
    expected = [
        f"{replayed}: mode replay, replayed 1, recorded 0, missed 1, failed 0, unused 1",
        f"  miss: GET {url}?missing=1",
        f"  unused: #1 GET {OFFLINE}/never",
        f"{episodes}: mode new-episodes, replayed 1, recorded 1, missed 0, failed 0, unused 0",
    ]
    for line in expected:
        assert line in logged, f"{line!r} not logged at shutdown: {logged}"


def test_cli_prints_the_summary_and_fails_on_a_miss(confdir, tmp_path):
    path = cassette(tmp_path / "c.yaml", rec(f"{OFFLINE}/v1/models", resp_body='{"data":[]}'),
                    rec(f"{OFFLINE}/v1/unused", resp_body="{}"))
    script = (
        "import httpx\n"
        "with httpx.Client(timeout=20) as c:\n"
        f"    print(c.get('{OFFLINE}/v1/models').text)\n"
        f"    print(c.get('{OFFLINE}/v1/other').status_code)\n"
    )
    exe = Path(sys.executable).with_name("vcrproxy")
    out = subprocess.run(
        [str(exe), "replay", path, "--confdir", confdir, "--", sys.executable, "-c", script],
        capture_output=True, text=True, timeout=60,
    )
    assert out.stdout.splitlines() == ['{"data":[]}', "400"], out.stderr
    assert out.returncode == 3, out.stderr
    err = out.stderr
    assert f"{path}: mode replay, replayed 1, recorded 0, missed 1, failed 0, unused 1" in err
    assert f"miss: GET {OFFLINE}/v1/other" in err
    assert f"unused: #1 GET {OFFLINE}/v1/unused" in err


# -- record, stop the upstream, replay: the same outputs -----------------------------------------


def _workload(proxy, ca, base: str) -> dict:
    """One run of every client against `base`; returns what each client produced."""
    out: dict = {}
    hello = [{"role": "user", "content": "hello from the round trip"}]
    tools = [{"type": "function", "function": {
        "name": "lookup", "parameters": {"type": "object", "properties": {}}}}]
    with oai(proxy, ca, f"{base}/v1", max_retries=0) as oc:
        chunks = list(oc.chat.completions.create(
            model="gpt-4o-mini", messages=hello, stream=True,
            stream_options={"include_usage": True}))
        out["openai_stream"] = [c.model_dump() for c in chunks]
        r = oc.chat.completions.create(model="gpt-4o-mini", messages=hello, tools=tools)
        out["openai_tools"] = r.model_dump()
    with ant(proxy, ca, base, max_retries=0) as ac:
        with ac.messages.stream(model="claude-x", max_tokens=64, messages=hello) as st:
            out["anthropic_text"] = "".join(st.text_stream)
            out["anthropic_final"] = st.get_final_message().model_dump()
        out["anthropic_plain"] = ac.messages.create(
            model="claude-x", max_tokens=64, messages=hello).model_dump()
    for http2 in (False, True):
        with client(proxy, ca, http2=http2) as c:
            key = "h2" if http2 else "h1"
            j = c.get(f"{base}/json?size=64&v={key}")
            nd = c.get(f"{base}/ndjson?n=3&v={key}")
            es = c.get(f"{base}/eventstream?n=2&v={key}")
            gz = c.get(f"{base}/gzip/json?v={key}")
            out[key] = [(r.status_code, r.http_version, r.headers.get("content-type"), r.content)
                        for r in (j, nd, es, gz)]
    for flag in ("--http1.1", "--http2"):
        got = curl(proxy, ca, f"{base}/v1/chat/completions", flag, "-H",
                   "Content-Type: application/json", "-w", "\n%{http_code} %{http_version}",
                   "--data", json.dumps({"model": "m", "stream": True, "messages": hello}))
        out[f"curl{flag}"] = (got.returncode, got.stdout)
    return out


def test_record_then_replay_round_trip(run_proxy, ca_cert, private_gateway, tmp_path):
    gw = private_gateway(gap_ms=2)
    path = tmp_path / "round-trip.yaml"
    recorder = run_proxy(path, "record")
    recorded = _workload(recorder, ca_cert, gw.url)
    recorder.stop()
    n = len(gw.requests)
    gw.stop()
    text = path.read_text()
    assert len(load_cassette(path).interactions) == n == 14
    assert OPENAI_KEY not in text and ANTHROPIC_KEY not in text

    replayer = run_proxy(path, "replay")
    seen = reports(replayer)
    replayed = _workload(replayer, ca_cert, gw.url)
    assert replayed == recorded
    assert "You said: hello from the round trip" in recorded["anthropic_text"]
    assert recorded["curl--http2"][1].endswith(b"\n200 2")
    assert [r.kind for r in seen] == ["replayed"] * n
    assert summary(replayer)[0].endswith(
        f"replayed {n}, recorded 0, missed 0, failed 0, unused 0")


def test_shared_request_model_is_request_to_model_for_every_raw_part():
    """Replay converts a live request once per distinct raw request (flows.shared_request_model):
    a request differing from a converted one in any part it is computed from must get its own
    model, equal to request_to_model's."""
    from mitmproxy import http

    from vcrproxy.flows import request_to_model, shared_request_model

    def make(**change):
        parts = dict(host="api.example.invalid", port=443, method=b"POST", scheme=b"https",
                     authority=b"api.example.invalid", path=b"/v1/chat/completions?a=1",
                     http_version=b"HTTP/2.0",
                     headers=http.Headers([(b"content-type", b"application/json"),
                                           (b"x-stainless-lang", b"python")]),
                     content=b'{"model": "m"}', trailers=None)
        parts.update(change)
        return http.Request(**parts, timestamp_start=0, timestamp_end=0)

    variants = [
        {}, {"host": "other.example.invalid"}, {"port": 8443}, {"method": b"PUT"},
        {"scheme": b"http"}, {"authority": b"proxy-named.example.invalid"},
        {"path": b"/v1/chat/completions?a=2"}, {"http_version": b"HTTP/1.0"},
        {"headers": http.Headers([(b"content-type", b"application/json"),
                                  (b"x-stainless-lang", b"node")])},
        {"headers": http.Headers([(b"content-type", b"application/x-www-form-urlencoded")]),
         "content": b"a=1&b=2"},
        {"content": b'{"model": "n"}'},
        {"trailers": http.Headers([(b"x-checksum", b"1")])},
    ]
    models = []
    for change in variants:
        first = shared_request_model(make(**change))
        again = shared_request_model(make(**change))  # a fresh request with the same parts
        assert first == request_to_model(make(**change)), change
        assert again is first, change
        models.append(first)
    # Every variant changed what the model says (else it would not test the key).
    assert len({repr(m) for m in models}) == len(variants)
    big = make(content=b"x" * (1 << 17))
    assert shared_request_model(big) is not shared_request_model(big)  # large bodies: not kept


def test_paced_replies_are_fetched_by_unguessable_tokens():
    """The loopback chunk server answers any local process: a reply's token must not be
    guessable (it was vcrproxy-1, -2, ...), or another user's process could take a replayed
    answer or WebSocket session before mitmproxy fetches it."""
    import asyncio

    from vcrproxy.cassette import Response
    from vcrproxy.pacing import ChunkServer, PacedReply

    async def tokens() -> list[str]:
        server = ChunkServer()
        await server.start()
        try:
            return [server.register(PacedReply(Response(body="x"), time.monotonic()))
                    for _ in range(50)]
        finally:
            await server.stop()

    first, second = asyncio.run(tokens()), asyncio.run(tokens())
    every = first + second
    assert len(set(every)) == len(every)
    assert all(len(t.removeprefix("vcrproxy-")) >= 20 for t in every)
    assert not any(t.removeprefix("vcrproxy-").isdigit() for t in every)
