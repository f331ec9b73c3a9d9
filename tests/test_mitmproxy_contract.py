"""What vcrproxy assumes about mitmproxy internals, checked against the installed mitmproxy.

vcrproxy touches mitmproxy internals in three places. The lean master (`vcrproxy.proxy`) replaces
the AddonManager with `HookTable`, which must call hooks exactly as mitmproxy does (compared here
against the stock manager), and turns off the debug-time field type check of
`http.MessageData.__post_init__` (`skip_debug_type_checks`, checked here in a fresh interpreter).
And `vcrproxy.vcr.prefer_h2` writes
`client_alpn` into the `AppData` dict that `mitmproxy.addons.tlsconfig.TlsConfig` attaches to the
client-side pyOpenSSL connection, so that `alpn_select_callback` answers h2 to clients (httpx)
that offer http/1.1 first while mitmproxy runs with connection_strategy=lazy (no upstream ALPN to
mirror). The lean master's `TlsConfig` skips the `running` hook's second load of the CA, which
must then be all that hook does, and loads the CA key through its own
`certs.load_pem_private_key`, which mitmproxy must call to load it.
If a mitmproxy upgrade changes any of that, these tests say so in plain words.

One more fact is assumed, not touched: mitmproxy opens at most 5 server connections at a time per
client connection and address (`ConnectionHandler.max_conns`), so `vcrproxy.pacing.PER_PORT`
spreads paced streams over several loopback ports.

Everything else (paced replay through the loopback chunk server) must work through public API only:
the last test proves a paced response is really streamed, chunk by chunk, to h1 and h2 clients.
"""

from __future__ import annotations

import contextlib
import ssl
import time
import typing

import httpx
import pytest
from mitmproxy import connection, options, tls
from mitmproxy.addons import tlsconfig
from mitmproxy.proxy import context, server
from mitmproxy.test import taddons
from OpenSSL import SSL

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cassette import CHUNKS_KEY
from vcrproxy.pacing import PER_PORT
from vcrproxy.vcr import prefer_h2

HOST = "api.example.invalid"  # never resolves: any upstream connection attempt would fail
URL = f"https://{HOST}/v1/contract"
CHANGED = (
    "mitmproxy changed under vcrproxy.vcr.prefer_h2 (mitmproxy/addons/tlsconfig.py): "
)


@pytest.fixture
def tls_start(confdir):
    """tls_start(offers): a client TLS start as mitmproxy's own TlsConfig addon prepares it, in
    lazy mode (no server connection, so no server ALPN)."""
    with contextlib.ExitStack() as stack:

        def make(offers: list[bytes]) -> tls.TlsData:
            addon = tlsconfig.TlsConfig()
            tctx = stack.enter_context(taddons.context(addon))
            tctx.configure(addon, confdir=confdir)
            client = connection.Client(
                peername=("127.0.0.1", 40000),
                sockname=("127.0.0.1", 8080),
                sni=HOST,
                alpn_offers=offers,
            )
            ctx = context.Context(client, tctx.options)
            ctx.server.address = (HOST, 443)
            data = tls.TlsData(client, context=ctx)
            addon.tls_start_client(data)
            return data

        yield make


def test_appdata_has_the_keys_prefer_h2_writes():
    assert hasattr(tlsconfig, "AppData"), CHANGED + "the AppData TypedDict is gone"
    keys = set(typing.get_type_hints(tlsconfig.AppData))
    assert {"client_alpn", "server_alpn", "http2"} <= keys, (
        CHANGED + f"AppData keys are now {sorted(keys)}; prefer_h2 reads server_alpn and sets "
        "client_alpn"
    )
    assert callable(getattr(tlsconfig, "alpn_select_callback", None)), (
        CHANGED + "alpn_select_callback is gone"
    )


def test_tlsconfig_attaches_appdata_dict_without_alpn_in_lazy_mode(tls_start):
    data = tls_start([b"http/1.1", b"h2"])
    assert isinstance(data.ssl_conn, SSL.Connection), CHANGED + "no pyOpenSSL connection"
    app = data.ssl_conn.get_app_data()
    assert isinstance(app, dict), CHANGED + f"app data is {type(app).__name__}, not a dict"
    assert app == {"client_alpn": None, "server_alpn": None, "http2": True}, (
        CHANGED + f"app data for a lazy client TLS start is now {app!r}"
    )


def test_alpn_select_callback_honours_client_alpn():
    def choose(app: dict, offers: list[bytes]):
        conn = SSL.Connection(SSL.Context(SSL.TLS_METHOD))
        conn.set_app_data(app)
        return tlsconfig.alpn_select_callback(conn, offers)

    offers = [b"http/1.1", b"h2"]
    assert choose({"client_alpn": b"h2", "server_alpn": None, "http2": True}, offers) == b"h2", (
        CHANGED + "alpn_select_callback no longer answers the client_alpn it is given"
    )
    # Without our hint mitmproxy picks the client's first offer: the reason prefer_h2 exists.
    plain = choose({"client_alpn": None, "server_alpn": None, "http2": True}, offers)
    assert plain in (b"http/1.1", b"h2"), CHANGED + f"unexpected choice {plain!r}"


def test_prefer_h2_makes_tlsconfig_answer_h2(tls_start):
    data = tls_start([b"http/1.1", b"h2"])
    prefer_h2(data, enabled=True)
    assert data.ssl_conn.get_app_data()["client_alpn"] == b"h2"
    chosen = tlsconfig.alpn_select_callback(data.ssl_conn, [b"http/1.1", b"h2"])
    assert chosen == b"h2", CHANGED + f"with client_alpn=h2 mitmproxy chose {chosen!r}"

    # Clients without h2, a disabled option, or a known server ALPN are left alone.
    h1_only = tls_start([b"http/1.1"])
    prefer_h2(h1_only, enabled=True)
    assert h1_only.ssl_conn.get_app_data()["client_alpn"] is None
    off = tls_start([b"http/1.1", b"h2"])
    prefer_h2(off, enabled=False)
    assert off.ssl_conn.get_app_data()["client_alpn"] is None
    mirrored = tls_start([b"http/1.1", b"h2"])
    mirrored.ssl_conn.get_app_data()["server_alpn"] = b"http/1.1"
    prefer_h2(mirrored, enabled=True)
    assert mirrored.ssl_conn.get_app_data()["client_alpn"] is None


def test_server_connection_limit_per_address_is_what_pacing_assumes():
    class Handler(server.ConnectionHandler):
        async def handle_hook(self, hook) -> None:  # pragma: no cover - never run
            pass

    client = connection.Client(peername=("127.0.0.1", 40000), sockname=("127.0.0.1", 8080))
    handler = Handler(context.Context(client, options.Options()))
    limits = getattr(handler, "max_conns", None)
    assert limits is not None, (
        "mitmproxy's ConnectionHandler.max_conns is gone: check vcrproxy.pacing.PER_PORT"
    )
    limit = limits[("127.0.0.1", 1)]._value
    assert limit >= PER_PORT, (
        f"mitmproxy now allows {limit} server connections per client connection and address: "
        f"lower vcrproxy.pacing.PER_PORT ({PER_PORT}) to match, or paced h2 streams serialize"
    )


def _client(proxy, ca_cert: str, http2: bool) -> httpx.Client:
    verify = ssl.create_default_context(cafile=ca_cert)
    return httpx.Client(proxy=proxy.url, verify=verify, http2=http2, timeout=10)


def _cassette(path, *, chunks=None, body=b"", ctype="application/json") -> str:
    extra = {CHUNKS_KEY: chunks} if chunks else {}
    resp = Response(
        body=body.decode(),
        headers={"Content-Type": [ctype]},
        content_length=-1 if chunks else len(body),
        extra=extra,
    )
    interaction = Interaction(id=0, request=Request(url=URL, method="GET"), response=resp)
    save_cassette(Cassette(interactions=[interaction]), str(path))
    return str(path)


def test_lazy_mode_h2_for_h2_clients_h1_for_the_others(run_proxy, ca_cert, tmp_path):
    cassette = _cassette(tmp_path / "c.yaml", body=b'{"ok": true}')
    proxy = run_proxy(cassette, "replay", allow_repeats=True)
    assert proxy.proxy.master.options.connection_strategy == "lazy"
    for http2, expected in ((True, "HTTP/2"), (False, "HTTP/1.1")):
        with _client(proxy, ca_cert, http2) as client:
            r = client.get(URL)
        assert r.status_code == 200 and r.json() == {"ok": True}
        assert r.http_version == expected, (
            CHANGED + f"an httpx http2={http2} client got {r.http_version}, not {expected}"
        )

    # The h2 above is vcrproxy's doing: without the hint mitmproxy answers the first offer.
    plain = run_proxy(cassette, "replay", allow_repeats=True, prefer_h2=False)
    with _client(plain, ca_cert, True) as client:
        r = client.get(URL)
    assert r.status_code == 200
    assert r.http_version == "HTTP/1.1", (
        "mitmproxy now answers h2 in lazy mode by itself: vcrproxy.vcr.prefer_h2 may be obsolete"
    )


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_paced_replay_is_streamed_through_public_api(run_proxy, ca_cert, tmp_path, http2):
    parts = [b"data: one\n\n", b"data: two\n\n", b"data: three\n\n"]
    chunks = [[0, len(parts[0])], [300, len(parts[1])], [600, len(parts[2])]]
    cassette = _cassette(
        tmp_path / "paced.yaml", chunks=chunks, body=b"".join(parts), ctype="text/event-stream"
    )
    proxy = run_proxy(cassette, "replay", pace="recorded")
    arrivals: list[tuple[float, bytes]] = []
    with _client(proxy, ca_cert, http2) as client:
        start = time.monotonic()
        with client.stream("GET", URL) as r:
            assert r.status_code == 200
            assert r.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
            for piece in r.iter_raw():
                arrivals.append((time.monotonic() - start, piece))
    assert b"".join(p for _, p in arrivals) == b"".join(parts)
    first = next(at for at, p in arrivals if p)
    # The replay paces the last chunk 600 ms after the first: the first must reach the client
    # long before the last, else mitmproxy buffered the paced response. (Measured between the
    # two, not from the request: a loaded machine delays the connection set-up, not the pacing.)
    last = arrivals[-1][0]
    assert last - first >= 0.4, (
        f"first chunk after {first:.3f}s, last after {last:.3f}s: the paced response was not "
        "streamed"
    )
    assert last >= 0.59


def test_replay_response_clones_match_the_public_constructor():
    """vcrproxy.fastresponse copies a checked template instead of calling http.Response() per
    replay; this fails if mitmproxy's Response stops being a shallow-copyable `data` holder."""
    from mitmproxy import http

    from vcrproxy.cassette import Response
    from vcrproxy.fastresponse import replay_response

    recorded = Response(status="201 Created", code=201, body=b"\x00\xffbinary")
    a = replay_response(recorded, http.Headers([(b"X-One", b"1")]))
    b = replay_response(recorded, http.Headers([(b"X-Two", b"2")]))
    built = http.Response(b"HTTP/1.1", 201, b"Created", http.Headers([(b"X-One", b"1")]),
                          b"\x00\xffbinary", None, a.timestamp_start, a.timestamp_end)
    assert a.get_state() == built.get_state(), "mitmproxy Response internals changed"
    assert a.data is not b.data and a.headers is not b.headers
    a.headers["X-Three"] = "3"
    assert "X-Three" not in b.headers and b.headers["X-Two"] == "2"
    assert (a.status_code, a.reason, a.raw_content) == (201, "Created", b"\x00\xffbinary")


class _Calls:
    """Addons that log every hook call (sync and async, nested, raising, halting)."""

    def __init__(self) -> None:
        self.log: list[str] = []


def _chain(calls: _Calls):
    from mitmproxy import exceptions

    class Leaf:
        def __init__(self, name: str) -> None:
            self.name = name

        def request(self, flow) -> None:
            calls.log.append(f"{self.name}.request")

    class Async:
        name = "async"

        async def request(self, flow) -> None:
            calls.log.append("async.request")

        async def response(self, flow) -> None:
            calls.log.append("async.response")

    class Raises:
        name = "raises"

        def __init__(self) -> None:
            self.addons = [Leaf("after-raise")]  # skipped: same top-level addon as the raise

        def request(self, flow) -> None:
            calls.log.append("raises.request")
            raise ValueError("boom")

    class Halts:
        name = "halts"

        def response(self, flow) -> None:
            calls.log.append("halts.response")
            raise exceptions.AddonHalt

    class Parent:
        name = "parent"

        def __init__(self) -> None:
            self.addons = [Leaf("child-a"), Async(), Leaf("child-b")]

        def request(self, flow) -> None:
            calls.log.append("parent.request")

    class Late:
        name = "late"

        def response(self, flow) -> None:
            calls.log.append("late.response")  # after the halt: never runs

    return [Parent(), Raises(), Leaf("top"), Halts(), Late()]


def _run_chain(manager_class, with_update: bool) -> tuple[list[str], list[str]]:
    """The calls and the error log lines of one request + response through `manager_class`."""
    import asyncio
    import logging

    from mitmproxy import master, options
    from mitmproxy.proxy.layers.http import HttpRequestHook, HttpResponseHook
    from mitmproxy.test import tflow

    calls = _Calls()
    errors: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            # (Its first line: once a proxy of this process installed the log masking, a
            # record's traceback is part of its message, and the two managers' frames differ.)
            errors.append(record.getMessage().partition("\n")[0])

    class Update:
        name = "update"

        def update(self, flows) -> None:
            calls.log.append(f"update({len(flows)})")

    async def main() -> None:
        m = master.Master(options.Options())
        m.options.changed.disconnect(m.addons._configure_all)
        m.addons = manager_class(m)
        m.addons.add(*_chain(calls))
        if with_update:
            m.addons.add(Update())
        flow = tflow.tflow()
        await m.addons.handle_lifecycle(HttpRequestHook(flow))
        # A handler replaced after the first event is the one called from then on.
        parent = m.addons.get("parent")
        parent.request = lambda f: calls.log.append("parent.request (replaced)")
        await m.addons.handle_lifecycle(HttpRequestHook(flow))
        await m.addons.handle_lifecycle(HttpResponseHook(flow))
        m._legacy_log_events.uninstall()  # (what Master.run does when it ends)

    handler = Catch(logging.ERROR)
    logging.getLogger("mitmproxy.addonmanager").addHandler(handler)
    try:
        asyncio.run(main())
    finally:
        logging.getLogger("mitmproxy.addonmanager").removeHandler(handler)
    return calls.log, errors


@pytest.mark.parametrize("with_update", [False, True])
def test_hook_table_calls_hooks_as_mitmproxy_does(with_update):
    """vcrproxy.proxy.HookTable (the lean master's addon manager) finds each hook's handlers
    once: the calls, their order, awaiting, a raising handler (logged, the rest of its top-level
    addon skipped), AddonHalt and the `update` hook must be exactly mitmproxy's own."""
    from mitmproxy.addonmanager import AddonManager

    from vcrproxy.proxy import HookTable

    stock = _run_chain(AddonManager, with_update)
    table = _run_chain(HookTable, with_update)
    assert table == stock
    calls, errors = table
    assert calls[:6] == ["parent.request", "child-a.request", "async.request",
                         "child-b.request", "raises.request", "top.request"]
    assert "after-raise.request" not in calls and "late.response" not in calls
    assert "parent.request (replaced)" in calls and "halts.response" in calls
    assert ("update(1)" in calls) is with_update
    assert errors == ["Addon error: boom"] * 2


def test_lean_master_uses_the_hook_table(run_proxy, tmp_path):
    from vcrproxy.proxy import HookTable

    proxy = run_proxy(tmp_path / "c.yaml", "record")
    addons = proxy.proxy.master.addons
    assert isinstance(addons, HookTable)
    assert addons.get("vcr") is proxy.vcr and addons.get("replayer") is proxy.vcr.replayer


def test_debug_type_check_is_what_skip_debug_type_checks_turns_off():
    """mitmproxy checks each field of a Request/Response it builds only without -O
    (`MessageData.__post_init__`); vcrproxy.proxy.skip_debug_type_checks turns exactly that
    off. Run in a fresh interpreter: the in-process proxies of this test run turned it off."""
    import subprocess
    import sys

    script = """
from mitmproxy import http
def bad():
    http.Response(b"HTTP/1.1", "200", b"OK", http.Headers(), b"", None, 0, 0)
try:
    bad()
except TypeError:
    pass
else:
    raise SystemExit("mitmproxy no longer type-checks MessageData fields")
from vcrproxy.proxy import skip_debug_type_checks
skip_debug_type_checks()
bad()  # no check any more
r = http.Request.make("POST", "https://example.invalid/x", b"{}", {"a": "b"})
assert (r.method, r.host, r.content, r.headers["a"]) == ("POST", "example.invalid", b"{}", "b")
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stdout + out.stderr


def test_tlsconfig_running_only_reloads_the_ca():
    """vcrproxy.proxy.TlsConfig skips mitmproxy's `running` hook when the CA is loaded already:
    that hook must do nothing but `configure("confdir")` (mitmproxy 11.0 and 12.x)."""
    calls = []

    class Probe(tlsconfig.TlsConfig):
        def configure(self, updated):
            calls.append(updated)

    Probe().running()
    assert calls == ["confdir"], (
        "mitmproxy's TlsConfig.running changed: vcrproxy.proxy.TlsConfig.running skips it "
        f"when the CA is loaded (called configure with {calls})"
    )


def test_lean_master_loads_the_ca_once_and_intercepts_tls(confdir, ca_cert, tmp_path,
                                                           monkeypatch):
    """The lean master reads the CA (and parses its RSA key, ~70-90 ms) once per start, not
    again in TlsConfig's `running` hook, and intercepts TLS with it."""
    from mitmproxy import certs

    from vcrproxy.proxy import BackgroundProxy, ProxySettings

    loads = []
    real = certs.CertStore.from_files.__func__

    def counted(cls, ca_file, *args, **kw):
        loads.append(str(ca_file))
        return real(cls, ca_file, *args, **kw)

    monkeypatch.setattr(certs.CertStore, "from_files", classmethod(counted))
    cassette = tmp_path / "empty.yaml"
    save_cassette(Cassette(), str(cassette))
    settings = ProxySettings(cassette=str(cassette), mode="replay", confdir=confdir)
    with BackgroundProxy(settings) as proxy:
        assert len(loads) == 1 and loads[0].startswith(confdir), loads
        with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert),
                          timeout=10) as client:
            r = client.post(URL, json={"x": 1})  # a miss, answered over TLS with our CA
        assert r.status_code >= 400 and proxy.vcr.missed == 1
    assert len(loads) == 1


def test_ca_key_is_validated_once_per_key_bytes(confdir, tmp_path, monkeypatch):
    """cryptography validates an RSA key as it loads it (~80 ms, a tenth of a session start):
    the lean master's TlsConfig does that for CA key bytes that never passed it (and records
    their SHA-256 in ca.CHECKED_NAME), skips it for the same bytes on the next start, which
    still intercepts TLS, and validates changed bytes again."""
    import hashlib
    import shutil

    from cryptography.hazmat.primitives import serialization

    from vcrproxy.ca import CA_CERT_NAME, CHECKED_NAME, KEY_NAME
    from vcrproxy.proxy import BackgroundProxy, ProxySettings

    conf = tmp_path / "conf"
    shutil.copytree(confdir, conf)
    (conf / CHECKED_NAME).unlink(missing_ok=True)  # (other tests' proxies use this CA too)
    validated = []
    real = serialization.load_pem_private_key

    def spy(data, password, *args, **kw):
        validated.append(not kw.get("unsafe_skip_rsa_key_validation", False))
        return real(data, password, *args, **kw)

    monkeypatch.setattr(serialization, "load_pem_private_key", spy)
    cassette = tmp_path / "empty.yaml"
    save_cassette(Cassette(), str(cassette))
    settings = ProxySettings(cassette=str(cassette), mode="replay", confdir=str(conf))
    verify = ssl.create_default_context(cafile=str(conf / CA_CERT_NAME))

    def start_and_request() -> list[bool]:
        validated.clear()
        with BackgroundProxy(settings) as proxy:
            with httpx.Client(proxy=proxy.url, verify=verify, timeout=10) as client:
                r = client.post(URL, json={"x": 1})  # a miss, answered over TLS with our CA
            assert r.status_code >= 400 and proxy.vcr.missed == 1
        return list(validated)

    key = conf / KEY_NAME
    assert start_and_request() == [True]
    assert (conf / CHECKED_NAME).read_text().strip() == hashlib.sha256(
        key.read_bytes()).hexdigest()
    assert start_and_request() == [False]
    key.write_bytes(key.read_bytes() + b"\n")  # other bytes, the same key
    assert start_and_request() == [True]
    assert start_and_request() == [False]
