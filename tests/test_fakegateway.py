"""Tests of the fake AI gateway itself, talking to it directly (no proxy)."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakegateway import ConnectionCounter, FakeGateway  # noqa: E402

CHAT = "/v1/chat/completions"
HELLO = [{"role": "user", "content": "hello there world"}]


@pytest.fixture(scope="module")
def gw():
    with FakeGateway(gap_ms=20) as g:
        yield g
        assert g.errors == []


@pytest.fixture
def client(gw, request):
    with httpx.Client(verify=gw.client_ssl_context(), http2=request.param == "h2") as c:
        yield c


both = pytest.mark.parametrize("client", ["h1", "h2"], indirect=True)


def _oai(gw, path="/v1"):
    http = openai.DefaultHttpxClient(verify=gw.client_ssl_context())
    return openai.OpenAI(
        base_url=gw.url + path, api_key="sk-test-fake", http_client=http, max_retries=0
    )


def _ant(gw, path=""):
    http = anthropic.DefaultHttpxClient(verify=gw.client_ssl_context())
    return anthropic.Anthropic(
        base_url=gw.url + path, api_key="sk-ant-test-fake", http_client=http, max_retries=0
    )


def _sse_data(text: str) -> list[str]:
    return [line[6:] for line in text.splitlines() if line.startswith("data: ")]


# -------------------------------------------------------------------------------------------


@both
def test_json_h1_h2_and_recorded_request(gw, client, request):
    expect = "HTTP/2" if request.node.callspec.params["client"] == "h2" else "HTTP/1.1"
    n = len(gw.requests)
    r = client.get(gw.url + "/json?a=1", headers={"X-Probe": "yes"})
    assert r.status_code == 200
    assert r.http_version == expect
    assert r.json() == {"ok": True, "name": "fakegateway", "items": [1, 2, 3]}
    assert "date" not in r.headers and "server" not in r.headers
    req = gw.requests[n]
    assert (req["method"], req["path"], req["query"]) == ("GET", "/json", "a=1")
    assert req["headers"]["x-probe"] == "yes"
    assert req["http_version"] == ("2" if expect == "HTTP/2" else "1.1")
    assert req["body"] == b""
    assert isinstance(req["time"], float)


@both
def test_sse_events_are_spaced(gw, client):
    gap = 0.1
    body = {"model": "m", "stream": True, "messages": HELLO}
    n = len(gw.sent_events)
    arrivals = []
    with client.stream(
        "POST", gw.url + CHAT, json=body, headers={"X-Fake-Gap-Ms": str(gap * 1000)}
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                arrivals.append((time.monotonic(), line))
    sent = gw.sent_events[n:]
    assert len(sent) == len(arrivals) >= 5
    assert arrivals[-1][1] == "data: [DONE]"
    assert all(p == CHAT for p, _, _ in sent)
    # the gateway spaced its writes...
    sent_gaps = [b[1] - a[1] for a, b in zip(sent, sent[1:], strict=False)]
    assert min(sent_gaps) >= gap * 0.9
    # ...and the first event reached the client long before the gateway wrote the last one
    assert arrivals[0][0] < sent[-1][1] - gap * (len(sent) - 1) / 2
    assert arrivals[-1][0] - arrivals[0][0] > gap * (len(sent) - 1) / 2
    assert [ev for _, _, ev in sent] == [(line + "\n\n").encode() for _, line in arrivals]


def test_openai_sdk_non_stream(gw):
    with _oai(gw) as oc:
        r = oc.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    assert r.id == "chatcmpl-fake0001"
    assert r.choices[0].message.content == "You said: hello there world"
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.prompt_tokens == 3 and r.usage.completion_tokens == 5


def test_openai_sdk_stream_with_usage(gw):
    with _oai(gw) as oc:
        stream = oc.chat.completions.create(
            model="gpt-4o-mini",
            messages=HELLO,
            stream=True,
            stream_options={"include_usage": True},
            extra_headers={"X-Fake-Gap-Ms": "1"},
        )
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "You said: hello there world"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 8
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


def test_openai_sdk_tool_calls(gw):
    tools = [
        {
            "type": "function",
            "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
        }
    ]
    with _oai(gw) as oc:
        r = oc.chat.completions.create(model="m", messages=HELLO, tools=tools)
        call = r.choices[0].message.tool_calls[0]
        assert r.choices[0].finish_reason == "tool_calls"
        assert call.function.name == "get_weather"
        assert json.loads(call.function.arguments) == {"text": "hello there world"}
        with oc.chat.completions.stream(
            model="m", messages=HELLO, tools=tools, extra_headers={"X-Fake-Gap-Ms": "1"}
        ) as st:
            final = st.get_final_completion()
        assert final.choices[0].message.tool_calls[0].function.arguments == call.function.arguments
        follow = HELLO + [
            {"role": "assistant", "tool_calls": [call.model_dump(exclude_none=True)]},
            {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
        ]
        r = oc.chat.completions.create(model="m", messages=follow, tools=tools)
        assert r.choices[0].message.content == "Tool said: sunny"


def test_anthropic_sdk_non_stream(gw):
    with _ant(gw) as ac:
        m = ac.messages.create(model="claude-fake", max_tokens=64, messages=HELLO)
    assert m.id == "msg_fake0001"
    assert m.content[0].type == "text" and m.content[0].text == "You said: hello there world"
    assert m.stop_reason == "end_turn" and m.usage.output_tokens == 5


def test_anthropic_sdk_stream(gw):
    with _ant(gw) as ac:
        events = list(
            ac.messages.create(
                model="claude-fake",
                max_tokens=64,
                messages=HELLO,
                stream=True,
                extra_headers={"X-Fake-Gap-Ms": "1"},
            )
        )
        types = [e.type for e in events]
        assert types[:3] == ["message_start", "content_block_start", "content_block_delta"]
        assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
        with ac.messages.stream(model="claude-fake", max_tokens=64, messages=HELLO) as st:
            text = "".join(st.text_stream)
            final = st.get_final_message()
    assert text == "You said: hello there world"
    assert final.content[0].text == text and final.stop_reason == "end_turn"


def test_anthropic_sdk_tool_use(gw):
    tools = [{"name": "get_weather", "input_schema": {"type": "object", "properties": {}}}]
    with _ant(gw) as ac:
        m = ac.messages.create(model="c", max_tokens=64, messages=HELLO, tools=tools)
        assert m.stop_reason == "tool_use"
        assert m.content[0].name == "get_weather" and m.content[0].input == {
            "text": "hello there world"
        }
        with ac.messages.stream(
            model="c",
            max_tokens=64,
            messages=HELLO,
            tools=tools,
            extra_headers={"X-Fake-Gap-Ms": "1"},
        ) as st:
            final = st.get_final_message()
        assert final.content[0].input == m.content[0].input
        follow = HELLO + [
            {"role": "assistant", "content": [m.content[0].model_dump(exclude_none=True)]},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": m.content[0].id, "content": "sunny"}
                ],
            },
        ]
        m2 = ac.messages.create(model="c", max_tokens=64, messages=follow, tools=tools)
        assert m2.content[0].text == "Tool said: sunny"


@both
def test_gzip_non_stream(gw, client):
    plain = client.get(gw.url + "/json").content
    for url in ("/gzip/json", "/json?gzip=1"):
        with client.stream("GET", gw.url + url, headers={"Accept-Encoding": "gzip"}) as r:
            raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip"
        assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw) == plain
        assert int(r.headers["content-length"]) == len(raw)
    r = client.get(gw.url + "/gzip/json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers and r.content == plain


@both
def test_gzip_stream_is_incremental(gw, client):
    body = {"model": "m", "stream": True, "messages": HELLO}
    n = len(gw.sent_events)
    d = zlib.decompressobj(31)
    first_at = None
    text = b""
    with client.stream(
        "POST",
        gw.url + "/gzip" + CHAT,
        json=body,
        headers={"Accept-Encoding": "gzip", "X-Fake-Gap-Ms": "200"},
    ) as r:
        assert r.headers["content-encoding"] == "gzip"
        for raw in r.iter_raw():
            text += d.decompress(raw)
            if first_at is None and b"\n\n" in text:
                first_at = time.monotonic()
    assert d.eof
    sent = gw.sent_events[n:]
    assert first_at is not None and first_at < sent[-1][1] - 0.2
    assert text == b"".join(ev for _, _, ev in sent)
    assert _sse_data(text.decode())[-1] == "[DONE]"
    # the SDKs decode it transparently
    with _oai(gw, "/gzip/v1") as oc:
        chunks = list(
            oc.chat.completions.create(
                model="m", messages=HELLO, stream=True, extra_headers={"X-Fake-Gap-Ms": "1"}
            )
        )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == (
        "You said: hello there world"
    )


@both
def test_reset_mid_stream_raises(gw, client):
    got = []
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        with client.stream("GET", gw.url + "/reset-mid-stream") as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                if line:
                    got.append(line)
    assert got == ['data: {"i":0,"text":"event 0"}', 'data: {"i":1,"text":"event 1"}']
    # the gateway is still fine afterwards
    assert client.get(gw.url + "/json").status_code == 200


@pytest.mark.parametrize("how", ["tcp", "fin"])
def test_reset_mid_stream_variants_h1(gw, how):
    with httpx.Client(verify=gw.client_ssl_context()) as c:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            with c.stream("POST", gw.url + f"/reset-mid-stream?how={how}&events=1") as r:
                r.read()


def test_reset_whole_connection_h2(gw):
    with httpx.Client(verify=gw.client_ssl_context(), http2=True) as c:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            c.get(gw.url + "/reset-mid-stream?how=tcp")


@both
def test_other_endpoints(gw, client):
    u = gw.url
    r = client.get(u + "/ndjson?n=3", headers={"X-Fake-Gap-Ms": "1"})
    assert r.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(x)["i"] for x in r.text.splitlines()] == [0, 1, 2]

    r = client.get(u + "/eventstream", headers={"X-Fake-Gap-Ms": "1"})
    assert r.headers["content-type"] == "application/vnd.amazon.eventstream"
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    data, frames = r.content, []
    while data:
        total, hlen = struct.unpack(">II", data[:8])
        assert struct.unpack(">I", data[8:12])[0] == zlib.crc32(data[:8])
        assert struct.unpack(">I", data[total - 4 : total])[0] == zlib.crc32(data[: total - 4])
        frames.append(data[12 + hlen : total - 4])
        data = data[total:]
    assert len(frames) == 3 and json.loads(frames[0])["bytes"]

    r = client.get(u + "/big?mb=2")
    assert len(r.content) == 2 * 1024 * 1024 and r.headers["content-length"] == str(2 << 20)
    r = client.get(u + "/big?mb=0.5&chunked=1")
    assert len(r.content) == 512 * 1024 and "content-length" not in r.headers

    assert len(client.get(u + "/json?size=1000").content) == 1000

    r = client.post(u + "/echo?x=1", content=b"\x00\xffbody", headers={"X-A": "b"})
    e = r.json()
    assert (e["method"], e["path"], e["query"], e["headers"]["x-a"]) == (
        "POST",
        "/echo",
        "x=1",
        "b",
    )
    assert e["body_b64"] == "AP9ib2R5"

    r = client.get(u + "/status/418")
    assert r.status_code == 418 and r.json() == {"status": 418}
    r = client.get(u + "/status/204")
    assert r.status_code == 204 and r.content == b""

    r = client.get(u + "/set-cookie")
    assert r.headers.get_list("set-cookie") == [
        "fake_session=abc123; Path=/; HttpOnly",
        "fake_theme=dark; Path=/",
    ]
    assert client.get(u + "/nope").status_code == 404
    assert client.get(u + CHAT).status_code == 405


def test_deterministic_bytes_across_instances(gw):
    def grab(g):
        out = []
        with httpx.Client(verify=g.client_ssl_context()) as c:
            for path, body in [
                (CHAT, {"model": "m", "messages": HELLO}),
                (CHAT, {"model": "m", "messages": HELLO, "stream": True}),
                (
                    "/v1/messages",
                    {"model": "c", "messages": HELLO, "stream": True, "max_tokens": 5},
                ),
                ("/gzip" + CHAT, {"model": "m", "messages": HELLO, "stream": True}),
            ]:
                with c.stream(
                    "POST",
                    g.url + path,
                    json=body,
                    headers={"X-Fake-Gap-Ms": "0", "Accept-Encoding": "gzip"},
                ) as r:
                    out.append((r.status_code, list(r.headers.multi_items()), r.read()))
        return out

    with FakeGateway() as other:
        assert grab(gw) == grab(other)


def _curl(gw, *args: str) -> subprocess.CompletedProcess:
    cmd = ["curl", "-sS", "--cacert", gw.ca_path, *args]
    return subprocess.run(cmd, capture_output=True, timeout=20)


needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="no curl")


@needs_curl
def test_curl_http2(gw):
    p = _curl(gw, "--http2", "-w", "%{http_version}", "-o", "/dev/null", gw.url + "/json")
    assert p.returncode == 0 and p.stdout == b"2", p.stderr
    body = json.dumps({"model": "m", "stream": True, "messages": HELLO})
    hdrs = ["-H", "content-type: application/json", "-H", "X-Fake-Gap-Ms: 1"]
    p = _curl(gw, "--http2", "-N", "--compressed", *hdrs, "-d", body, gw.url + "/gzip" + CHAT)
    assert p.returncode == 0, p.stderr
    assert _sse_data(p.stdout.decode())[-1] == "[DONE]"
    assert _curl(gw, "--http2", gw.url + "/reset-mid-stream").returncode != 0


@needs_curl
@pytest.mark.parametrize("query", ["mb=1", "mb=1&chunked=1"])
def test_curl_http10_close_delimited_body_is_complete(gw, query):
    p = _curl(gw, "--http1.0", "-o", "-", gw.url + "/big?" + query)
    assert p.returncode == 0, p.stderr
    assert len(p.stdout) == 1 << 20
    p = _curl(gw, "--http1.0", "-H", "X-Fake-Gap-Ms: 1", gw.url + "/ndjson")
    assert p.returncode == 0 and len(p.stdout.splitlines()) == 5


def test_plain_http_and_h2c():
    with FakeGateway(tls=False, gap_ms=1) as g:
        assert g.url.startswith("http://localhost:")
        with httpx.Client() as c:
            assert c.get(g.url + "/json").http_version == "HTTP/1.1"
        with httpx.Client(http1=False, http2=True) as c:
            assert c.get(g.url + "/json").http_version == "HTTP/2"
        assert g.connections == 2


def test_h2_disabled_means_http11():
    with FakeGateway(h2=False) as g, httpx.Client(verify=g.client_ssl_context(), http2=True) as c:
        assert c.get(g.url + "/json").http_version == "HTTP/1.1"


def test_connection_count_and_keepalive():
    with FakeGateway() as g:
        assert g.connections == 0
        with httpx.Client(verify=g.client_ssl_context()) as c:
            c.get(g.url + "/json")
            c.get(g.url + "/json")
        assert g.connections == 1
        with httpx.Client(verify=g.client_ssl_context(), http2=True) as c:
            c.get(g.url + "/json")
        assert g.connections == 2
        assert [r["connection"] for r in g.requests] == [1, 1, 2]


def _threads():
    return {
        t for t in threading.enumerate() if t.name.startswith(("FakeGateway", "ConnectionCounter"))
    }


def test_stop_frees_port_and_thread_even_mid_stream():
    before = _threads()
    g = FakeGateway(gap_ms=1000).start()
    port, ca = g.port, g.ca_path
    failed = []

    def slow_stream():
        try:
            with httpx.Client(verify=g.client_ssl_context(), http2=True) as c:
                with c.stream("POST", g.url + CHAT, json={"stream": True, "messages": HELLO}) as r:
                    r.read()
        except httpx.HTTPError as e:
            failed.append(e)

    t = threading.Thread(target=slow_stream)
    t.start()
    deadline = time.monotonic() + 5
    while not g.sent_events and time.monotonic() < deadline:
        time.sleep(0.01)
    t0 = time.monotonic()
    g.stop()
    assert time.monotonic() - t0 < 3
    t.join(5)
    assert not t.is_alive() and failed
    assert _threads() == before
    assert not Path(ca).exists()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # the port is free again
    with pytest.raises(httpx.ConnectError), httpx.Client() as c:
        c.get(f"http://127.0.0.1:{port}/json")


def test_restart_after_stop():
    g = FakeGateway(gap_ms=1)
    for _ in range(2):
        with g, httpx.Client(verify=g.client_ssl_context()) as c:
            assert c.get(g.url + "/json").status_code == 200
    assert len(g.requests) == 2 and g.connections == 2 and not g.running


def test_connection_counter():
    before = _threads()
    with ConnectionCounter() as cc:
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", cc.port), timeout=2) as s:
                assert s.recv(1) == b""  # closed by the counter
        deadline = time.monotonic() + 2
        while cc.connections < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cc.connections == 3
    assert _threads() == before
