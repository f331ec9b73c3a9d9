"""Replay fails closed: no upstream connection, whatever happens in our hooks or on the wire.

Real parts only: a real in-process mitmproxy with the VCR addon, the real TLS fake gateway as the
upstream (its `connections` counts every TCP accept, before any TLS), real clients (httpx h1/h2,
raw sockets for what is not HTTP). Failures are injected into the real hooks through the
`__wrapped__` body that `failclosed.fail_closed` calls.
"""

from __future__ import annotations

import base64
import inspect
import os
import socket
import ssl
import sys
import time

import httpx
import pytest
from mitmproxy import hooks

from vcrproxy import Cassette, Interaction, Request, Response, load_cassette, save_cassette
from vcrproxy.failclosed import UpstreamGate
from vcrproxy.registry import SessionRegistry
from vcrproxy.replayer import Replayer

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402
from sessions import connect_tunnel  # noqa: E402

SURROGATE_BODY = b'{"messages":[{"role":"user","content":"cut \\ud83d"}]}'
CHAT_BODY = '{"messages":[{"role":"user","content":"hello"}]}'


def chat_cassette(path, url: str) -> str:
    resp = '{"choices":[{"message":{"content":"hi"}}]}'
    interaction = Interaction(
        id=0,
        request=Request(url=url, method="POST", body=CHAT_BODY,
                        headers={"Content-Type": ["application/json"]},
                        content_length=len(CHAT_BODY)),
        response=Response(code=200, status="200 OK", body=resp,
                          headers={"Content-Type": ["application/json"]},
                          content_length=len(resp), duration_ns=0),
    )
    save_cassette(Cassette(interactions=[interaction]), str(path))
    return str(path)


def settle(gateway, before: int) -> int:
    """Upstream accepts since `before`, after giving a late connection time to land."""
    time.sleep(0.1)
    return gateway.connections - before


def post(client: httpx.Client, url: str, body: bytes | str) -> httpx.Response:
    return client.post(url, content=body, headers={"content-type": "application/json"})


# -- the reported bug -----------------------------------------------------------------------------


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_lone_surrogate_body_is_a_miss_not_a_forward(run_proxy, ca_cert, gateway, tmp_path, http2):
    """A JS client cut a string mid-emoji: building the miss raised and the flow went upstream."""
    url = f"{gateway.url}/v1/chat/completions"
    proxy = run_proxy(chat_cassette(tmp_path / "c.yaml", url), "replay")
    before = gateway.connections
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        miss = post(client, url, SURROGATE_BODY)
        hit = post(client, url, CHAT_BODY)
    assert miss.status_code == 400 and miss.headers["x-vcrproxy-miss"] == "1"
    message = miss.json()["error"]["message"]  # valid JSON: the surrogate stays an escape
    assert "\\ud83d" in message and "\n" not in message
    assert hit.json()["choices"][0]["message"]["content"] == "hi"
    assert settle(gateway, before) == 0
    assert proxy.vcr.missed == 1


def test_lone_surrogates_on_both_sides_are_recorded_and_explained(
    run_proxy, ca_cert, gateway, tmp_path
):
    """Bodies with lone surrogates (valid JSON escapes) and a named secret holding one: recording
    raised while building the secret's echo variants (the exchange went upstream but was not
    kept), and in replay redacting the miss explanation raised (an internal error, not a miss)."""
    url = f"{gateway.url}/status/200"
    key = "sk-proj-" + "Ab1" * 10
    recorded = '{"api_key":"KEY\\ud800","messages":[{"role":"user","content":"\\ud800 one"}]}'
    recorded = recorded.replace("KEY", key)
    live = recorded.replace("one", "two")
    cassette = tmp_path / "s.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert post(client, url, recorded).status_code == 200
    proxy.stop()
    assert key not in cassette.read_text()
    assert len(load_cassette(str(cassette)).interactions) == 1  # recording raised: nothing kept
    proxy = run_proxy(cassette, "replay")
    before = gateway.connections
    with proxied_client(proxy, ca_cert) as client:
        miss = post(client, url, live)
        hit = post(client, url, recorded)
    message = miss.json()["error"]["message"]
    assert miss.status_code == 400 and "internal error" not in message, message
    assert "content differs" in message and key not in message
    assert hit.status_code == 200
    assert settle(gateway, before) == 0
    assert proxy.vcr.missed == 1


# -- an exception in any hook -------------------------------------------------------------------


def our_addons(proxy) -> list:
    """Every addon of ours in the running master (nested ones included)."""
    from mitmproxy.addonmanager import traverse

    return [a for a in traverse(proxy.proxy.master.addons.chain)
            if type(a).__module__.startswith("vcrproxy")]


def test_every_hook_of_our_addons_is_guarded(run_proxy, tmp_path):
    """A new hook without `fail_closed` would let its exceptions forward flows: fail here.
    (Hooks our subclass of a mitmproxy addon inherits, proxy.TlsConfig's, are mitmproxy's.)"""
    proxy = run_proxy(tmp_path / "c.yaml", "record")
    lifecycle = {"load", "configure", "running", "done", "update"}
    seen = []
    for addon in our_addons(proxy):
        for name in hooks.all_hooks:
            fn = getattr(type(addon), name, None)
            if fn is None or name in lifecycle or inspect.iscoroutinefunction(fn):
                continue
            if not getattr(fn, "__module__", "").startswith("vcrproxy"):
                continue  # inherited from mitmproxy's own addon
            seen.append(f"{type(addon).__name__}.{name}")
            assert getattr(fn, "__fail_closed__", False), f"{type(addon).__name__}.{name}"
    assert {"Replayer.request", "Replayer.responseheaders", "Replayer.response",
            "Recorder.responseheaders", "Recorder.response", "SessionRegistry.http_connect",
            "UpstreamGate.server_connect"} <= set(seen)


def _boom(self, arg):
    raise RuntimeError("injected failure")


def _addon_class(proxy, cls_name: str) -> type:
    return next(type(a) for a in our_addons(proxy) if type(a).__name__ == cls_name)


ANSWERED = ["Replayer.request", "Replayer.responseheaders", "Replayer.response",
            "UpstreamGate.requestheaders"]
HARMLESS = ["PreferH2.tls_start_client", "SessionRegistry.client_disconnected", "Replayer.error",
            "UpstreamGate.client_disconnected", "UpstreamGate.server_connect"]


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
@pytest.mark.parametrize("hook", ANSWERED + HARMLESS)
def test_an_exception_in_a_hook_never_reaches_upstream(
    run_proxy, ca_cert, gateway, tmp_path, monkeypatch, hook, http2
):
    url = f"{gateway.url}/v1/chat/completions"
    proxy = run_proxy(chat_cassette(tmp_path / "c.yaml", url), "replay")
    cls_name, name = hook.split(".")
    monkeypatch.setattr(getattr(_addon_class(proxy, cls_name), name), "__wrapped__", _boom)
    before = gateway.connections
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        replayed = post(client, url, CHAT_BODY)
        missed = post(client, url, '{"messages": []}')
    assert settle(gateway, before) == 0
    assert missed.status_code == 400 and missed.headers["x-vcrproxy-miss"] == "1"
    if hook in ANSWERED:
        assert replayed.status_code == 400 and replayed.headers["x-vcrproxy-miss"] == "1"
        assert f"internal error in the {name} hook" in replayed.json()["error"]["message"]
        assert proxy.vcr.errors and "RuntimeError: injected failure" in proxy.vcr.errors[0]
    else:
        assert replayed.status_code == 200
    # An exchange answered as a miss by a failed hook is never also counted as replayed.
    assert proxy.vcr.all_sessions()[0].stats.replayed == (hook not in ANSWERED)


def test_http_connect_failure_refuses_the_tunnel(run_proxy, ca_cert, gateway, tmp_path,
                                                 monkeypatch):
    url = f"{gateway.url}/v1/chat/completions"
    proxy = run_proxy(chat_cassette(tmp_path / "c.yaml", url), "replay")
    monkeypatch.setattr(SessionRegistry.http_connect, "__wrapped__", _boom)
    before = gateway.connections
    with proxied_client(proxy, ca_cert) as client, pytest.raises(httpx.ProxyError, match="400"):
        post(client, url, CHAT_BODY)
    assert settle(gateway, before) == 0
    assert "http_connect" in proxy.vcr.errors[0]


def test_a_request_hook_that_silently_forwards_is_stopped_at_the_connection(
    run_proxy, ca_cert, gateway, tmp_path, monkeypatch
):
    """Closed by construction: even a hook that lets the flow go (no answer, no exception) does
    not open an upstream connection, because nothing permitted one."""
    url = f"{gateway.url}/v1/chat/completions"
    proxy = run_proxy(chat_cassette(tmp_path / "c.yaml", url), "replay")
    monkeypatch.setattr(Replayer.request, "__wrapped__", lambda self, flow: None)
    before = gateway.connections
    with proxied_client(proxy, ca_cert) as client:
        r = post(client, url, CHAT_BODY)
    assert r.status_code == 502 and "vcrproxy: no upstream connection in replay" in r.text
    assert settle(gateway, before) == 0
    assert proxy.vcr.gate.refused == 1
    assert proxy.vcr.missed == 1  # counted: the CLI exits 3
    assert "refused an upstream connection to localhost" in proxy.vcr.errors[0]


def test_a_failing_gate_keeps_record_mode_closed(run_proxy, ca_cert, gateway, tmp_path,
                                                 monkeypatch):
    """server_connect failing (even in record) refuses the connection rather than opening it."""
    proxy = run_proxy(tmp_path / "rec.yaml", "record")
    monkeypatch.setattr(UpstreamGate.server_connect, "__wrapped__", _boom)
    before = gateway.connections
    with proxied_client(proxy, ca_cert) as client:
        r = client.get(f"{gateway.url}/json?size=10")
    assert r.status_code == 502
    assert settle(gateway, before) == 0


# -- what is not HTTP -------------------------------------------------------------------------


def _talk(sock, payload: bytes) -> bytes:
    """Send `payload`, read until the proxy closes or 2 s pass."""
    sock.sendall(payload)
    sock.settimeout(2)
    got = b""
    try:
        while chunk := sock.recv(4096):
            got += chunk
    except (TimeoutError, ssl.SSLError, ConnectionResetError):
        pass
    return got


@pytest.mark.parametrize("wrap", ["tls", "plain", "silent"])
@pytest.mark.parametrize("mode", ["replay", "once", "record"])
def test_non_http_after_connect(run_proxy, ca_cert, gateway, tmp_path, wrap, mode):
    """Raw TCP/TLS after CONNECT runs no request hook: the gate decides by the cassette's mode.
    Replay (and once with a cassette) refuse; record lets it through, so the count can move."""
    path = chat_cassette(tmp_path / "c.yaml", f"{gateway.url}/v1/chat/completions")
    proxy = run_proxy(path, mode)
    before = gateway.connections
    sock = connect_tunnel(proxy.proxy.host, proxy.proxy.port, f"localhost:{gateway.port}")
    try:
        if wrap == "tls":
            ctx = ssl.create_default_context(cafile=ca_cert)
            ctx.set_alpn_protocols(["x-not-http"])
            sock = ctx.wrap_socket(sock, server_hostname="localhost")
        if wrap != "silent":
            _talk(sock, b"\x00\x01 not http at all\r\n\r\n")
        else:
            time.sleep(1)  # a client waiting for the server to speak first
    finally:
        sock.close()
    expected = 1 if mode == "record" and wrap != "silent" else 0
    assert settle(gateway, before) == expected
    refused = 1 if mode != "record" and wrap != "silent" else 0
    assert (proxy.vcr.gate.refused, len(proxy.vcr.errors)) == (refused, refused)


def test_the_gate_allows_a_recorded_request(run_proxy, ca_cert, gateway, tmp_path):
    """The gate's permits: record goes upstream (once per connection), replay of it does not."""
    path = tmp_path / "c.yaml"
    proxy = run_proxy(path, "record")
    before = gateway.connections
    with proxied_client(proxy, ca_cert, http2=True) as client:
        for _ in range(3):
            assert client.get(f"{gateway.url}/json?size=10").status_code == 200
    assert settle(gateway, before) == 1
    proxy.stop()
    proxy = run_proxy(path, "replay")
    before = gateway.connections
    with proxied_client(proxy, ca_cert, http2=True) as client:
        for _ in range(3):
            r = client.get(f"{gateway.url}/json?size=10")
    assert r.status_code == 200  # three recorded, each answers once
    assert settle(gateway, before) == 0


@pytest.mark.parametrize("mode", ["record", "new-episodes", "passthrough"])
def test_a_request_aimed_at_the_proxy_itself_is_refused_not_looped(run_proxy, tmp_path, mode):
    """`curl http://127.0.0.1:PORT/` (origin form, straight at the proxy) and the same URL through
    the proxy: mitmproxy's proxyserver refuses a connection to the proxy's own address, and the
    gate let it through anyway (it cleared every earlier refusal): the proxy forwarded the
    request to itself, ~1,700 connections in 4 s at full CPU, and the client never got an
    answer. Now each gets a 502 at once, and nothing is recorded."""
    proxy = run_proxy(tmp_path / "self.yaml", mode)
    url = proxy.url.rstrip("/") + "/v1/models"
    with httpx.Client(timeout=10) as direct, httpx.Client(proxy=proxy.url, timeout=10) as via:
        for client in (direct, via):
            t0 = time.monotonic()
            r = client.get(url)
            assert r.status_code == 502 and time.monotonic() - t0 < 5
            assert "destination unknown" in r.text.lower() or "refused" in r.text.lower(), r.text
    proxy.stop()
    assert not (tmp_path / "self.yaml").exists() or not load_cassette(
        str(tmp_path / "self.yaml")).interactions


# -- a proxy started for replay: no client can take it upstream -----------------------------------


def _named(proxy, name_mode: str) -> str:
    return proxy.url.replace("http://", f"http://{name_mode}@", 1)


def test_a_replay_proxy_opens_a_clients_once_as_replay(run_proxy, ca_cert, gateway, tmp_path):
    """`once` names replay-or-record; in a proxy started for replay it is replay, so a missing
    cassette is a miss saying so, not a recording."""
    path = chat_cassette(tmp_path / "c.yaml", f"{gateway.url}/v1/chat/completions")
    proxy = run_proxy(path, "replay")
    before = gateway.connections
    verify = ssl.create_default_context(cafile=ca_cert)
    with httpx.Client(proxy=_named(proxy, "fresh:once"), verify=verify, timeout=10) as client:
        r = client.get(f"{gateway.url}/json")
    assert r.status_code == 400 and r.headers.get("x-vcrproxy-miss"), r.text
    assert "cassette not found" in r.text
    assert settle(gateway, before) == 0
    assert not (tmp_path / "fresh.yaml").exists()


def test_a_replay_proxy_refuses_an_upstream_mode_by_name(run_proxy, ca_cert, gateway, tmp_path):
    path = chat_cassette(tmp_path / "c.yaml", f"{gateway.url}/v1/chat/completions")
    proxy = run_proxy(path, "replay")
    verify = ssl.create_default_context(cafile=ca_cert)
    with httpx.Client(proxy=_named(proxy, "c:record"), verify=verify, timeout=10) as client:
        r = client.get(f"{gateway.url}/json")
    assert r.status_code == 400 and "started for replay" in r.text, r.text
    assert proxy.vcr.missed == 1 or proxy.vcr.errors  # the run cannot pass


@pytest.mark.parametrize("mode", ["passthrough", "record"])
def test_the_gate_alone_keeps_a_replay_proxy_offline(run_proxy, ca_cert, gateway, tmp_path,
                                                     monkeypatch, mode):
    """Closed by construction: with the session layer's refusal taken away (a client's
    passthrough or record session opens and its flow is permitted upstream), the gate of a proxy
    started for replay still connects to nothing but its own loopback servers."""
    import vcrproxy.registry

    monkeypatch.setattr(vcrproxy.registry, "_offline_mode", lambda name, mode: mode)
    path = chat_cassette(tmp_path / "c.yaml", f"{gateway.url}/v1/chat/completions")
    proxy = run_proxy(path, "replay")
    before = gateway.connections
    verify = ssl.create_default_context(cafile=ca_cert)
    with httpx.Client(proxy=_named(proxy, f"other:{mode}"), verify=verify, timeout=10) as c:
        r = c.get(f"{gateway.url}/json")
    assert r.status_code == 502 and "no upstream connection in replay" in r.text
    assert settle(gateway, before) == 0
    assert proxy.vcr.gate.refused == 1


def test_a_replay_proxy_keeps_raw_tls_of_a_passthrough_client_offline(run_proxy, ca_cert,
                                                                      gateway, tmp_path):
    """Raw TLS after a CONNECT naming a passthrough cassette (no request hook runs: the gate asks
    the connection's session) is refused too."""
    path = chat_cassette(tmp_path / "c.yaml", f"{gateway.url}/v1/chat/completions")
    proxy = run_proxy(path, "replay")
    before = gateway.connections
    authority = f"localhost:{gateway.port}"
    sock = socket.create_connection((proxy.proxy.host, proxy.proxy.port), timeout=10)
    token = base64.b64encode(b"other:passthrough").decode()
    sock.sendall(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
                 f"Proxy-Authorization: Basic {token}\r\n\r\n".encode())
    try:
        head = b""
        while b"\r\n\r\n" not in head and (chunk := sock.recv(4096)):
            head += chunk
        if head.startswith(b"HTTP/1.1 200"):
            tls = ssl.create_default_context(cafile=ca_cert)
            tls.set_alpn_protocols(["x-not-http"])
            sock = tls.wrap_socket(sock, server_hostname="localhost")
            _talk(sock, b"\x00\x01 not http at all\r\n\r\n")
    except (ssl.SSLError, OSError):
        pass
    finally:
        sock.close()
    assert settle(gateway, before) == 0
    assert not (tmp_path / "other.yaml").exists()


def test_a_replayed_stream_the_client_leaves_counts_once_as_replayed(
    run_proxy, ca_cert, gateway, tmp_path
):
    """A paced replay whose client stops reading mid-stream (a cancelled generation, a test of
    the first token) ends in the error hook: counted once, as replayed (the client got the
    recording as far as it read, as instant replay counts it), never also failed."""
    url = f"{gateway.url}/v1/chat/completions"
    body = "data: one\n\n" + "data: two\n\n"
    path = str(tmp_path / "c.yaml")
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url=url, method="POST", body=CHAT_BODY,
                        headers={"Content-Type": ["application/json"]},
                        content_length=len(CHAT_BODY)),
        response=Response(code=200, status="200 OK", body=body,
                          headers={"Content-Type": ["text/event-stream"]}, content_length=-1,
                          duration_ns=0, extra={"vcrproxy_chunks": [[0, 11], [5000, 11]]}),
    )]), path)
    proxy = run_proxy(path, "replay", pace="recorded")
    with proxied_client(proxy, ca_cert) as client:
        with client.stream("POST", url, content=CHAT_BODY,
                           headers={"content-type": "application/json"}) as r:
            assert next(r.iter_raw()).startswith(b"data: one")
    stats = proxy.vcr.all_sessions()[0].stats
    deadline = time.monotonic() + 10  # (until the error hook has run)
    while proxy.call(lambda: len(proxy.vcr.replayer._replays)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not proxy.call(lambda: len(proxy.vcr.replayer._replays))
    assert (stats.replayed, stats.failed) == (1, 0)
