"""WebSocket sessions in record mode new-episodes, and several sessions recorded at one URL.

A session whose client messages leave every recording of its URL is a new episode: from the
divergent message on it goes upstream (the client's messages so far are sent again, the
upstream's answers to them dropped: the client has the recording's) and the session is recorded
as the client saw it. Sessions recorded at one URL replay in any order: the player takes over the
recording whose client messages match. Real proxy, the fake gateway's Realtime endpoint (its
`connections` counts upstream accepts), real `websockets` client.
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

pytest.importorskip("websockets")
import websockets  # noqa: E402
from test_websocket import realtime, ws_url  # noqa: E402
from test_ws_replay_failures import HELLO, _cassette  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402
from vcrproxy.websocket import session_from_response  # noqa: E402


async def _talk(url: str, proxy_url: str, ca: str, text: str, instructions: str | None = None
                ) -> list:
    """Optionally a session.update, then says `text`; returns the server events' types and the
    answer's text (or the close code, if the session is closed)."""
    got: list = []
    async with realtime(url, proxy_url, ca) as ws:
        try:
            got.append(json.loads(await ws.recv())["type"])  # session.created
            if instructions is not None:
                await ws.send(json.dumps({"type": "session.update",
                                          "session": {"instructions": instructions}}))
                got.append(json.loads(await ws.recv())["type"])
            await ws.send(json.dumps({
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "user",
                         "content": [{"type": "input_text", "text": text}]},
            }))
            got.append(json.loads(await ws.recv())["type"])
            await ws.send(json.dumps({"type": "response.create"}))
            while True:
                event = json.loads(await ws.recv())
                got.append(event["type"])
                if event["type"] == "response.output_text.done":
                    got.append(event["text"])
                if event["type"] == "response.done":
                    return got
        except websockets.ConnectionClosed as e:
            return [*got, e.rcvd.code if e.rcvd else None]


def _run(run_proxy, gateway, ca, path, mode, text, instructions=None):
    """(what the client got, upstream connections, the session's stats) of one session."""
    proxy = run_proxy(path, mode)
    before = gateway.connections
    got = asyncio.run(_talk(ws_url(gateway), proxy.url, ca, text, instructions))
    proxy.stop()
    return got, gateway.connections - before, proxy.vcr.all_sessions()[0].stats


def test_a_new_episode_is_recorded_once_and_then_replayed(run_proxy, gateway, ca_cert, tmp_path):
    path = tmp_path / "rt.yaml"
    _run(run_proxy, gateway, ca_cert, path, "record", "hello")
    got, upstream, stats = _run(run_proxy, gateway, ca_cert, path, "new-episodes", "goodbye")
    assert "You said: goodbye" in got and got.count("session.created") == 1
    assert upstream == 1 and (stats.replayed, stats.recorded, stats.missed) == (0, 1, [])
    episodes = load_cassette(str(path)).interactions
    assert len(episodes) == 2
    kinds = [json.loads(m.data)["type"] for m in session_from_response(episodes[1].response)
             .messages if m.text]
    assert kinds.count("session.created") == 1 and kinds[1] == "conversation.item.create"

    # Either session now replays offline, in any order, and new-episodes records nothing more.
    for mode, text in (("replay", "goodbye"), ("replay", "hello"), ("new-episodes", "goodbye")):
        got, upstream, stats = _run(run_proxy, gateway, ca_cert, path, mode, text)
        assert f"You said: {text}" in got and upstream == 0, (mode, text, got)
        assert (stats.replayed, stats.recorded, stats.missed) == (1, 0, [])
    assert len(load_cassette(str(path)).interactions) == 2


def test_sessions_recorded_at_one_url_replay_in_any_order(run_proxy, gateway, ca_cert, tmp_path):
    path = tmp_path / "rt.yaml"
    proxy = run_proxy(path, "record")
    for text in ("one", "two", "three"):
        asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert, text))
    proxy.stop()
    proxy = run_proxy(path, "replay")
    before = gateway.connections
    for text in ("three", "one", "two"):
        assert f"You said: {text}" in asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert, text))
    assert gateway.connections == before
    stats = proxy.vcr.all_sessions()[0].stats
    assert (stats.replayed, stats.missed) == (3, []) and proxy.vcr.all_sessions()[0].unused() == []
    # A fourth is a miss at its upgrade: every recording is used.
    with pytest.raises(websockets.InvalidStatus, match="400"):
        asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert, "one"))


def test_divergence_after_matching_messages_sends_them_upstream_first(run_proxy, gateway,
                                                                        ca_cert, tmp_path):
    """The session.update that matched goes upstream again (the upstream's answer to the new
    message depends on it); its session.updated, and session.created, are not sent twice."""
    path = tmp_path / "rt.yaml"
    _run(run_proxy, gateway, ca_cert, path, "record", "hello", instructions="be brief")
    received = len(gateway.ws_received)
    got, upstream, stats = _run(run_proxy, gateway, ca_cert, path, "new-episodes", "goodbye",
                                instructions="be brief")
    assert got[:3] == ["session.created", "session.updated", "conversation.item.created"]
    assert "You said: goodbye" in got and got.count("session.updated") == 1
    assert upstream == 1 and stats.recorded == 1
    sent = [json.loads(m)["type"] for m in gateway.ws_received[received:]]
    assert sent == ["session.update", "conversation.item.create", "response.create"]


def test_replay_mode_never_goes_upstream_on_divergence(run_proxy, gateway, ca_cert, tmp_path):
    path = tmp_path / "rt.yaml"
    _run(run_proxy, gateway, ca_cert, path, "record", "hello")
    got, upstream, stats = _run(run_proxy, gateway, ca_cert, path, "replay", "goodbye")
    assert got[-1] == 1008 and upstream == 0 and len(stats.missed) == 1


def test_an_upstream_that_fails_after_divergence_closes_with_1011_and_records_nothing(
    run_proxy, ca_cert, tmp_path
):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"wss://127.0.0.1:{port}/v1/realtime"
    session = {"messages": [HELLO, {"at": 2.0, "from": "client", "type": "text",
                                    "data": '{"type": "response.create"}'}]}
    path = _cassette(tmp_path / "c.yaml", session)
    text = open(path).read().replace("https://realtime.example.invalid/v1/realtime",
                                     url.replace("wss:", "https:"))
    open(path, "w").write(text)
    proxy = run_proxy(path, "new-episodes")

    async def diverge():
        async with realtime(url, proxy.url, ca_cert) as ws:
            await ws.recv()
            await ws.send('{"type": "other"}')
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            return closed.value.rcvd.code

    assert asyncio.run(diverge()) == 1011
    proxy.stop()
    stats = proxy.vcr.all_sessions()[0].stats
    assert (stats.replayed, stats.recorded, stats.failed) == (0, 0, 1)
    assert len(load_cassette(path).interactions) == 1


def test_an_upstream_reset_after_divergence_is_a_failure_not_a_client_hang_up(
    run_proxy, ca_cert, tmp_path
):
    """An upstream that accepts the WebSocket and then resets the connection (RST): a failure
    of the session (1011, counted), not taken for the client going away."""
    import base64
    import hashlib
    import struct
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(20)
    port = server.getsockname()[1]

    def answer_then_reset() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096)
            key = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(
                key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            conn.recv(4096)  # the client's first message
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    thread = threading.Thread(target=answer_then_reset, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/v1/realtime"
    session = {"messages": [HELLO, {"at": 2.0, "from": "client", "type": "text",
                                    "data": '{"type": "response.create"}'}]}
    path = _cassette(tmp_path / "c.yaml", session)
    text = open(path).read().replace("https://realtime.example.invalid/v1/realtime", url)
    open(path, "w").write(text)
    proxy = run_proxy(path, "new-episodes")

    async def diverge():
        async with websockets.connect(url.replace("http:", "ws:"), proxy=proxy.url,
                                      ping_interval=None) as ws:
            await asyncio.wait_for(ws.recv(), 10)
            await ws.send('{"type": "other"}')
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            return closed.value.rcvd.code if closed.value.rcvd else None

    try:
        assert asyncio.run(diverge()) == 1011
    finally:
        server.close()
        thread.join(20)
    proxy.stop()
    stats = proxy.vcr.all_sessions()[0].stats
    assert (stats.recorded, stats.failed) == (0, 1)


def test_allow_repeats_replays_a_session_again_and_it_stays_used(run_proxy, gateway, ca_cert,
                                                                   tmp_path):
    path = tmp_path / "rt.yaml"
    _run(run_proxy, gateway, ca_cert, path, "record", "hello")
    proxy = run_proxy(path, "replay", allow_repeats=True)
    for _ in range(2):
        assert "You said: hello" in asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert,
                                                      "hello"))
        assert proxy.vcr.all_sessions()[0].unused() == []
    assert proxy.vcr.all_sessions()[0].stats.replayed == 2
