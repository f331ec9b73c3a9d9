"""Tester: replay answering a plain request with a recorded 1xx. A recorded WebSocket session
(`101` + vcrproxy_websocket) matches any GET of its URL (method, URL, empty body): a client
that asks for it without `Upgrade` (curl or httpx poking the Realtime URL, an HTTP/2 client,
which has no Upgrade) is answered the 101. Over HTTP/2 mitmproxy crashes ('mitmproxy has
crashed!' logged with its traceback) and the client hangs until its own timeout; over
HTTP/1.1 the client gets a protocol error. A hand-written `code: 100` (check: ok) hangs an
HTTP/1.1 client too. Real proxy, fake gateway (its Realtime endpoint records the 101),
websockets and httpx clients.
"""

from __future__ import annotations

import asyncio
import logging
import ssl

import httpx
import pytest
from conftest import proxied_client


def _record_ws(run_proxy, gateway, ca_cert, cassette) -> str:
    pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    url = f"wss://localhost:{gateway.port}/v1/realtime?model=gpt-realtime"
    proxy = run_proxy(cassette, "record")

    async def session() -> None:
        async with asyncio.timeout(15):
            async with connect(url, ssl=ssl.create_default_context(cafile=ca_cert),
                               proxy=proxy.url, ping_interval=None) as ws:
                await ws.recv()

    asyncio.run(session())
    proxy.stop()
    return url.replace("wss://", "https://")


def _crashes(caplog) -> list[str]:
    return [r.getMessage()[:120] for r in caplog.records if "crashed" in r.getMessage()]


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_plain_get_of_a_recorded_websocket_url_gets_an_answer(run_proxy, gateway, ca_cert,
                                                              tmp_path, caplog, http2):
    cassette = tmp_path / "rt.yaml"
    url = _record_ws(run_proxy, gateway, ca_cert, cassette)
    caplog.set_level(logging.INFO)
    replay = run_proxy(cassette, "replay")
    with proxied_client(replay, ca_cert, http2=http2) as client:
        client.timeout = httpx.Timeout(4)
        try:
            r = client.get(url)
            got = f"{r.status_code} {r.headers.get('x-vcrproxy-miss', '')[:80]}"
        except httpx.HTTPError as e:
            got = f"{type(e).__name__}: {e}"
    assert _crashes(caplog) == [], _crashes(caplog)
    assert got[:1] in "2345", f"no HTTP answer: {got}"


def test_a_recorded_100_continue_as_final_answer_does_not_hang(run_proxy, ca_cert, tmp_path):
    cassette = tmp_path / "c100.yaml"
    cassette.write_text(
        "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    url: https://a.example/\n"
        "    method: GET\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n"
        "    content_length: 0\n    host: \"\"\n  response:\n    proto: HTTP/1.1\n"
        "    proto_major: 1\n    proto_minor: 1\n    content_length: -1\n    body: x\n"
        "    headers: {}\n    status: 100 Continue\n    code: 100\n    duration: 1ms\n")
    replay = run_proxy(cassette, "replay")
    with proxied_client(replay, ca_cert) as client:
        client.timeout = httpx.Timeout(4)
        try:
            got = str(client.get("https://a.example/").status_code)
        except httpx.HTTPError as e:
            got = f"{type(e).__name__}: {e}"
    assert not got.startswith("ReadTimeout"), "the client hung: no answer, no error"
