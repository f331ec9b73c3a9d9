"""Shared fixtures: a real TLS fake gateway, a real in-process mitmproxy with the VCR addon."""

from __future__ import annotations

import contextlib
import os
import ssl
import sys
from collections.abc import Iterator

import httpx
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from fakegateway import FakeGateway  # noqa: E402

from vcrproxy.ca import ensure_ca  # noqa: E402
from vcrproxy.proxy import BackgroundProxy, ProxySettings  # noqa: E402

REFERENCE = os.path.join(os.path.dirname(__file__), "..", "cassettes")
# A cassette of one WebSocket session (a Realtime API's), its server's first message only.
WEBSOCKET_CASSETTE = """\
---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: ""
    headers:
      Upgrade:
      - websocket
    url: wss://api.openai.com/v1/realtime?model=gpt-realtime
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: -1
    body: ""
    headers:
      Upgrade:
      - websocket
    status: 101 Switching Protocols
    code: 101
    duration: 120ms
    vcrproxy_websocket:
      messages:
      - at: 0.5
        from: server
        type: text
        data: '{"type":"session.created"}'
"""


@contextlib.contextmanager
def raw_answers(answers: list[bytes]) -> Iterator[str]:
    """A loopback HTTP/1.1 server writing each of `answers` as it is (a status outside the
    standard ones, a reason phrase, a header httpx would refuse) to one connection after
    another; yields its base URL (http://127.0.0.1:PORT), stopped on exit."""
    import socket
    import threading
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(len(answers))
    server.settimeout(5)

    def serve() -> None:
        for answer in answers:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(3)
                conn.recv(65536)
                conn.sendall(answer)
                time.sleep(0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        thread.join(5)


def call_beside_fifo(call, fifo: str, seconds: float = 10.0) -> tuple[object, BaseException | None]:
    """Run `call()` in a thread: (its result, None) or (None, what it raised). If it has not
    returned within `seconds` (blocked opening the FIFO `fifo`), open the FIFO's other end so
    the thread can finish, and fail the test: a hang, which the code under test must not have."""
    import threading

    outcome: list[tuple[object, BaseException | None]] = []

    def run() -> None:
        try:
            outcome.append((call(), None))
        except BaseException as e:  # noqa: BLE001 - returned to the test
            outcome.append((None, e))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():  # (O_RDWR opens a FIFO at once, as reader and writer: it unblocks)
        os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail(f"{call} hung on the FIFO {fifo}")
    return outcome[0]


@pytest.fixture(scope="session")
def confdir(tmp_path_factory) -> str:
    """One CA for the whole run (generating a key per test would be slow)."""
    path = str(tmp_path_factory.mktemp("confdir"))
    ensure_ca(path)
    return path


@pytest.fixture(scope="session")
def ca_cert(confdir) -> str:
    return os.path.join(confdir, "mitmproxy-ca-cert.pem")


@pytest.fixture(scope="session")
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway() as gw:
        yield gw


@pytest.fixture
def run_proxy(confdir, gateway):
    """run_proxy(cassette, mode, **vcr_options) -> a started BackgroundProxy (stopped after)."""
    started: list[BackgroundProxy] = []

    def start(cassette: str, mode: str = "once", **kw):
        proxy = start_proxy(confdir, gateway, cassette, mode, **kw)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


def start_proxy(confdir: str, gateway, cassette, mode: str = "once", *,
                sets: tuple[str, ...] = (), **vcr) -> BackgroundProxy:
    """An in-process proxy on `cassette` in `mode` trusting the fake gateway's CA (`vcr`:
    vcr_* options without the prefix); the caller stops it (run_proxy, running_proxy)."""
    settings = ProxySettings(
        cassette=str(cassette),
        mode=mode,
        confdir=confdir,
        vcr_options={f"vcr_{k}": v for k, v in vcr.items()},
        sets=[f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", *sets],
    )
    return BackgroundProxy(settings).start()


@contextlib.contextmanager
def running_proxy(confdir: str, gateway, cassette, mode: str = "once", **kw):
    """`start_proxy` for a `with` block (module-scoped fixtures, which run_proxy cannot serve)."""
    proxy = start_proxy(confdir, gateway, cassette, mode, **kw)
    try:
        yield proxy
    finally:
        proxy.stop()


@contextlib.contextmanager
def proxied_client(proxy: BackgroundProxy, ca: str, *, http2: bool = False, **kw):
    verify = ssl.create_default_context(cafile=ca)
    with httpx.Client(proxy=proxy.url, verify=verify, http2=http2, timeout=20, **kw) as client:
        yield client


def record_through(run_proxy, cassette, ca_cert: str, *requests: dict, http2: bool = False,
                   **vcr) -> list[httpx.Response]:
    """Send `requests` (keyword arguments of `httpx.Client.request`) in turn from one client
    through a proxy that `run_proxy` starts recording `cassette` (`vcr`: its options); each must
    be answered 200. Returns the responses, the proxy stopped (its cassette written)."""
    proxy = run_proxy(cassette, "record", **vcr)
    out = []
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        for kw in requests:
            r = client.request(**kw)
            assert r.status_code == 200, r.text[:300]
            out.append(r)
    proxy.stop()
    return out


# Real Node 22/24, npm packages and Go, installed once into a cache (tests/runtimes.py).
from runtimes import go_tool, node22, node24, npm_project  # noqa: E402, F401
