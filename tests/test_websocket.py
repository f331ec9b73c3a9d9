"""WebSocket sessions (Realtime APIs) through the real proxy: record every message, replay offline.

Real parts only: the fake gateway's /v1/realtime (wsproto), an in-process mitmproxy with the VCR
addon, and real clients (the `websockets` library, the openai SDK's realtime client).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import subprocess
import sys

import pytest
from conftest import WEBSOCKET_CASSETTE
from test_cli_sessions import base_env, vcr  # noqa: F401  (fixtures)
from test_govcr_compat import run as run_go
from test_govcr_compat import vcrcheck  # noqa: F401  (fixture)

from vcrproxy.cassette import WEBSOCKET_KEY, Response
from vcrproxy.matching import MatchConfig
from vcrproxy.proxy import ProxyError
from vcrproxy.redaction import RedactionConfig, find_secrets, redact_interaction
from vcrproxy.schema import validate
from vcrproxy.websocket import WS_IGNORE_JSON, WsMessage, session_from_response
from vcrproxy.wsplayer import message_differences, ws_match_config
from vcrproxy.yamlio import dumps_cassette, load_cassette, loads_cassette

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402

KEY = "sk-" + "proj" + "A1b2" * 6  # key-shaped, built at runtime
TIMEOUT = 20


def ws_url(gateway) -> str:
    return f"wss://localhost:{gateway.port}/v1/realtime?model=gpt-realtime"


@contextlib.asynccontextmanager
async def realtime(url: str, proxy_url: str, ca: str, **kw):
    """A WebSocket to `url` (the gateway's Realtime endpoint: `ws_url`) through the proxy at
    `proxy_url`; the whole `async with` body is bounded by TIMEOUT."""
    async with asyncio.timeout(TIMEOUT):
        async with connect(url, ssl=ssl.create_default_context(cafile=ca),
                           proxy=proxy_url, ping_interval=None, **kw) as ws:
            yield ws


async def realtime_session(url, proxy, ca, *, text="hello", binary=b"\x01\x02\xff", tools=False,
                           server_close=False):
    """A short Realtime conversation; returns what the client received, in order."""
    got: list = []
    async with realtime(url, proxy.url, ca,
                        additional_headers={"Authorization": f"Bearer {KEY}"}) as ws:
        got.append(json.loads(await ws.recv()))  # session.created, before we say anything
        await asyncio.wait_for(await ws.ping(), 5)  # control frames get their answer too
        update = {"instructions": f"be brief; key {KEY}"}
        if tools:
            update["tools"] = [{"type": "function", "name": "get_weather",
                                "parameters": {"type": "object"}}]
        await ws.send(json.dumps({"type": "session.update", "event_id": "evt_a1",
                                  "session": update}))
        got.append(json.loads(await ws.recv()))
        await ws.send(json.dumps({
            "type": "conversation.item.create", "event_id": "evt_a2",
            "item": {"type": "message", "role": "user",
                     "content": [{"type": "input_text", "text": text}]},
        }))
        got.append(json.loads(await ws.recv()))
        await ws.send(json.dumps({"type": "response.create", "event_id": "evt_a3"}))
        while True:
            event = json.loads(await ws.recv())
            got.append(event)
            if event["type"] == "response.done":
                break
        if binary is not None:
            await ws.send(binary)
            got.append(await ws.recv())
        if server_close:
            await ws.send(json.dumps({"type": "test.close"}))
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
    got.append(("closed", ws.close_code, ws.close_reason))
    return got


def scrubbed(events: list) -> list:
    """What replay gives back: the recording, with the key the server echoed redacted."""
    def walk(v):
        if isinstance(v, str):
            return v.replace(KEY, "<REDACTED>")
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return type(v)(walk(x) for x in v)
        return v
    return walk(events)


def record_then_replay(run_proxy, gateway, ca_cert, cassette, **kw):
    with_proxy = run_proxy(cassette, "record")
    recorded = asyncio.run(realtime_session(ws_url(gateway), with_proxy, ca_cert, **kw))
    with_proxy.stop()
    before = gateway.connections
    replay = run_proxy(cassette, "replay")
    replayed = asyncio.run(realtime_session(ws_url(gateway), replay, ca_cert, **kw))
    return recorded, replayed, gateway.connections - before, replay


def test_websockets_client_records_and_replays_offline(run_proxy, gateway, ca_cert, tmp_path,
                                                      vcrcheck):  # noqa: F811
    cassette = tmp_path / "realtime.yaml"
    recorded, replayed, upstream, proxy = record_then_replay(
        run_proxy, gateway, ca_cert, cassette
    )
    kinds = [e["type"] for e in recorded[:-2]]
    assert kinds[:4] == ["session.created", "session.updated", "conversation.item.created",
                         "response.created"]
    assert kinds.count("response.output_text.delta") >= 3 and kinds[-1] == "response.done"
    assert recorded[-2] == b"\x00\xff\xfePCM\xff\x02\x01"  # the gateway's binary reply
    assert recorded[-1] == ("closed", 1000, "")
    assert KEY in recorded[1]["session"]["instructions"]  # the gateway echoes the key...
    assert replayed == scrubbed(recorded)  # ...which never reached the cassette
    assert upstream == 0
    stats = proxy.vcr.all_sessions()[0].stats
    assert (stats.replayed, stats.missed) == (1, [])

    text = cassette.read_text()
    assert KEY not in text and "Bearer <REDACTED>" in text
    assert "key <REDACTED>" in text  # the key inside a client message is redacted too
    c = loads_cassette(text)
    assert dumps_cassette(c) == text  # byte for byte
    (i,) = c.interactions
    assert i.response.code == 101
    # Recorded with permessage-deflate on the wire, stored as the messages (replay sends them
    # uncompressed: its 101 does not offer the extension).
    assert "permessage-deflate" in i.response.headers["Sec-Websocket-Extensions"][0]
    session = session_from_response(i.response)
    sides = ["client" if m.from_client else "server" for m in session.messages]
    assert sides[:3] == ["server", "client", "server"]
    assert [m.text for m in session.messages][-2:] == [False, False]
    assert "data: !!binary" in text
    ats = [m.at_ms for m in session.messages]
    assert ats == sorted(ats) and ats[0] >= 0
    assert session.close is not None
    assert (session.close.from_client, session.close.code) == (True, 1000)
    # go-vcr loads it (the extension key is ignored) and sees the 101.
    go = json.loads(run_go(vcrcheck, "load", str(cassette)))
    assert go["interactions"][0]["response"]["code"] == 101


def test_changed_client_message_is_a_clear_miss(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "realtime.yaml"
    with_proxy = run_proxy(cassette, "record")
    asyncio.run(realtime_session(ws_url(gateway), with_proxy, ca_cert, binary=None))
    with_proxy.stop()
    before = gateway.connections
    replay = run_proxy(cassette, "replay")

    async def changed():
        async with realtime(ws_url(gateway), replay.url, ca_cert) as ws:
            assert json.loads(await ws.recv())["type"] == "session.created"
            await ws.send(json.dumps({"type": "session.update", "event_id": "other",
                                      "session": {"instructions": "be verbose"}}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
        return closed.value.rcvd

    close = asyncio.run(changed())
    assert close.code == 1008
    assert close.reason.startswith("vcrproxy miss: client message 1 differs")
    assert "$.session.instructions" in close.reason and "\n" not in close.reason
    assert gateway.connections == before
    assert replay.vcr.missed == 1  # the CLI's exit code 3 comes from this count
    assert any("client message 1" in line for line in replay.vcr.summary_lines())


def test_extra_client_message_and_server_close(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "realtime.yaml"
    recorded, replayed, upstream, _ = record_then_replay(
        run_proxy, gateway, ca_cert, cassette, binary=None, server_close=True
    )
    assert recorded[-1] == ("closed", 4000, "fake gateway closes")
    assert replayed == scrubbed(recorded) and upstream == 0
    close = session_from_response(load_cassette(str(cassette)).interactions[0].response).close
    assert close is not None and (close.from_client, close.code) == (False, 4000)

    # One message more than recorded: a miss, not a hang.
    replay = run_proxy(cassette, "replay")

    async def extra():
        async with realtime(ws_url(gateway), replay.url, ca_cert) as ws:
            await ws.recv()
            await ws.send(b"unexpected")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await ws.recv()
        return closed.value.rcvd

    close = asyncio.run(extra())
    assert close.code == 1008 and "client message 1" in close.reason
    assert replay.vcr.missed == 1


def test_session_open_when_the_proxy_stops_is_kept(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "realtime.yaml"
    proxy = run_proxy(cassette, "record")

    async def half():
        async with realtime(ws_url(gateway), proxy.url, ca_cert) as ws:
            await ws.recv()
            await ws.send(json.dumps({"type": "response.create"}))
            while json.loads(await ws.recv())["type"] != "response.done":
                pass
            await asyncio.to_thread(proxy.stop)  # the client has not closed yet

    asyncio.run(half())
    (i,) = load_cassette(str(cassette)).interactions
    session = session_from_response(i.response)
    kinds = [json.loads(m.data)["type"] for m in session.messages]
    assert kinds[:3] == ["session.created", "response.create", "response.created"]
    assert kinds[-1] == "response.done"


def test_malformed_session_is_a_one_line_miss(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "realtime.yaml"
    proxy = run_proxy(cassette, "record")
    asyncio.run(realtime_session(ws_url(gateway), proxy, ca_cert, binary=None))
    proxy.stop()
    c = load_cassette(str(cassette))
    c.interactions[0].response.extra[WEBSOCKET_KEY]["messages"][0]["from"] = "nobody"
    c.interactions[0].response.extra[WEBSOCKET_KEY]["messages"][1]["at"] = float("inf")
    cassette.write_text(dumps_cassette(c))
    problems = [str(p) for p in validate(load_cassette(str(cassette)))]  # `vcrproxy check`
    assert problems == [
        "interactions[0].response.vcrproxy_websocket.messages[0]: `type` must be text/binary "
        "and `from` client/server"
    ]
    with pytest.raises(ProxyError) as e:  # replay refuses the cassette, in one line
        run_proxy(cassette, "replay")
    assert "vcrproxy_websocket.messages[0]" in str(e.value) and "\n" not in str(e.value)
    c.interactions[0].response.extra[WEBSOCKET_KEY]["messages"][0]["from"] = "server"
    cassette.write_text(dumps_cassette(c))
    (problem,) = validate(load_cassette(str(cassette)))
    assert str(problem).endswith("messages[1].at: expected milliseconds as a finite number >= 0")


def test_pace_recorded_keeps_the_gaps(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "realtime.yaml"
    with_proxy = run_proxy(cassette, "record")
    asyncio.run(realtime_session(ws_url(gateway), with_proxy, ca_cert, binary=None,
                                 text="one two three four five six"))
    with_proxy.stop()
    session = session_from_response(load_cassette(str(cassette)).interactions[0].response)
    deltas = [m.at_ms for m in session.messages if "output_text.delta" in str(m.data)]
    recorded_span = deltas[-1] - deltas[0]
    assert recorded_span > 20  # the gateway spaces its deltas

    replay = run_proxy(cassette, "replay", pace="recorded")
    loop = asyncio.new_event_loop()
    arrivals: list[float] = []

    async def timed():
        async with realtime(ws_url(gateway), replay.url, ca_cert) as ws:
            for m in session.messages:
                if m.from_client:
                    await ws.send(m.data)
                elif "output_text.delta" in str(m.data):
                    await ws.recv()
                    arrivals.append(loop.time())
                else:
                    await ws.recv()

    loop.run_until_complete(timed())
    loop.close()
    replay_span = (arrivals[-1] - arrivals[0]) * 1000
    assert replay_span >= recorded_span * 0.8


# -- the openai SDK's realtime client -------------------------------------------------------------


def _openai_session(gateway, proxy, ca):
    openai = pytest.importorskip("openai")
    client = openai.AsyncOpenAI(api_key=KEY, base_url=gateway.url + "/v1")
    realtime = getattr(client, "realtime", None) or client.beta.realtime
    options = {"ssl": ssl.create_default_context(cafile=ca), "proxy": proxy.url,
               "ping_interval": None}

    async def go():
        got = []
        async with asyncio.timeout(TIMEOUT):
            async with realtime.connect(model="gpt-realtime",
                                        websocket_connection_options=options) as conn:
                await conn.session.update(session={"type": "realtime", "instructions": "hi"})
                await conn.conversation.item.create(item={
                    "type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": "Say hello"}],
                })
                await conn.response.create()
                async for event in conn:
                    got.append(event.to_dict() if hasattr(event, "to_dict") else event)
                    if event.type == "response.done":
                        break
        return got

    return asyncio.run(go())


def test_openai_sdk_realtime_records_and_replays(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "openai-realtime.yaml"
    proxy = run_proxy(cassette, "record")
    recorded = _openai_session(gateway, proxy, ca_cert)
    proxy.stop()
    kinds = [e["type"] for e in recorded]
    assert kinds[0] == "session.created" and kinds[-1] == "response.done"
    assert "response.output_text.delta" in kinds
    before = gateway.connections
    replay = run_proxy(cassette, "replay")
    assert _openai_session(gateway, replay, ca_cert) == recorded
    assert gateway.connections == before
    assert replay.vcr.missed == 0
    assert KEY not in cassette.read_text()


# -- the format, matching and redaction, without the network --------------------------------------


def test_format_round_trips_and_keeps_binary_binary():
    text = WEBSOCKET_CASSETTE + """\
      - at: 12
        from: client
        type: binary
        data: !!binary aGVsbG8=
      - at: 13.25
        from: server
        type: text
        data: |-
          two
          lines
      close:
        at: 20
        from: client
        code: 1000
        reason: ""
"""
    c = loads_cassette(text)
    assert dumps_cassette(c) == text
    s = session_from_response(c.interactions[0].response)
    assert s.messages[1] == WsMessage(12.0, True, False, b"hello")  # valid UTF-8, still binary
    assert s.messages[2].data == "two\nlines"


def test_client_messages_compare_as_json_with_volatile_parts_ignored():
    config = ws_match_config(MatchConfig(), WS_IGNORE_JSON)
    rec = WsMessage(0, True, True, json.dumps(
        {"type": "input_audio_buffer.append", "event_id": "a", "audio": "AAAA"}))
    live = json.dumps({"audio": "BBBB", "event_id": "b", "type": "input_audio_buffer.append"})
    assert message_differences(rec, True, live.encode(), config, False) == []
    other = json.dumps({"type": "input_audio_buffer.commit"})
    assert message_differences(rec, True, other.encode(), config, False)
    # No default ignores: the audio counts.
    strict = ws_match_config(MatchConfig(), "")
    assert message_differences(rec, True, live.encode(), strict, False)
    # Binary frames: by type unless asked; text vs binary always differs.
    b = WsMessage(0, True, False, b"\x00\x01")
    assert message_differences(b, False, b"\x02", config, False) == []
    assert message_differences(b, False, b"\x02", config, True)
    diffs = message_differences(b, True, b"x", config, False)
    assert diffs == ["type: recorded binary vs live text"]


def test_redaction_reaches_payloads_and_check_finds_them():
    from vcrproxy.cassette import Interaction, Request

    resp = Response(code=101, status="101 Switching Protocols", extra={WEBSOCKET_KEY: {
        "messages": [
            {"at": 1, "from": "server", "type": "text",
             "data": json.dumps({"type": "session.created", "client_secret": KEY})},
            {"at": 2, "from": "client", "type": "binary", "data": b"\x00" + KEY.encode()},
        ],
    }})
    i = Interaction(0, Request(headers={"Authorization": [f"Bearer {KEY}"]}), resp)
    found = find_secrets(i, RedactionConfig.default())
    assert any("WebSocket message 1" in f for f in found)
    assert any("WebSocket message 2" in f for f in found)
    clean = redact_interaction(i, RedactionConfig.default())
    messages = clean.response.extra[WEBSOCKET_KEY]["messages"]
    assert KEY not in messages[0]["data"] and "<REDACTED>" in messages[0]["data"]
    assert KEY.encode() not in messages[1]["data"]
    assert KEY in resp.extra[WEBSOCKET_KEY]["messages"][0]["data"]  # input untouched


def test_show_renders_a_realtime_session(run_proxy, gateway, ca_cert, tmp_path):
    from vcrproxy.cli.show import render_json, show

    cassette = tmp_path / "realtime.yaml"
    proxy = run_proxy(cassette, "record")
    asyncio.run(realtime_session(ws_url(gateway), proxy, ca_cert, text="weather?", tools=True))
    proxy.stop()
    out = show(cassette)
    assert "-> 101 Switching Protocols" in out and "model gpt-realtime" in out
    assert "user: weather?" in out
    assert "assistant: You said: weather?" in out
    assert 'tool call get_weather({"city":"Lisbon"})' in out
    assert "tokens: in 12 / out 18" in out
    assert "closed by the client 1000" in out
    assert "< session.created" in out and "> session.update" in out
    assert "< response.output_text.delta x" in out  # the deltas, collapsed
    assert "> (binary, 3 bytes)" in out
    raw = show(cassette, raw=True)
    assert '"delta":"weather?"' in raw  # every payload in raw mode
    (item,) = json.loads(render_json(load_cassette(str(cassette))))
    assert item["provider"] == "openai-realtime" and item["text"] == "You said: weather?"
    assert item["tool_calls"][0]["name"] == "get_weather"


def test_cassette_named_in_the_proxy_url(run_proxy, gateway, ca_cert, tmp_path):
    """Per-test cassettes (as the pytest plugin names them): the name rides on the CONNECT
    (the `websockets` library wants a user and a password in a proxy URL)."""
    proxy = run_proxy(tmp_path / "default.yaml", "record")

    class Named:
        url = proxy.url.replace("http://", "http://suite%2Frealtime:record@")

    recorded = asyncio.run(realtime_session(ws_url(gateway), Named, ca_cert, binary=None))
    proxy.stop()
    named = tmp_path / "suite" / "realtime.yaml"
    assert named.exists() and not (tmp_path / "default.yaml").exists()
    replay = run_proxy(tmp_path / "default.yaml", "once", cassette_dir=str(tmp_path))
    before = gateway.connections
    Named.url = replay.url.replace("http://", "http://suite%2Frealtime:replay@")
    assert asyncio.run(realtime_session(ws_url(gateway), Named, ca_cert, binary=None)) == (
        scrubbed(recorded))
    assert gateway.connections == before


def test_show_reads_gemini_live_messages():
    from vcrproxy.aiformats import ExchangeSummary
    from vcrproxy.websocket import WsSession, summarize_session

    def msg(at, client, obj):
        return WsMessage(at, client, True, json.dumps(obj))

    session = WsSession([
        msg(1, True, {"setup": {"model": "models/gemini-live-2.5-flash"}}),
        msg(2, False, {"setupComplete": {}}),
        msg(3, True, {"clientContent": {"turns": [{"role": "user", "parts": [{"text": "Hi"}]}],
                                        "turnComplete": True}}),
        msg(4, False, {"serverContent": {"modelTurn": {"parts": [{"text": "Hel"}]}}}),
        msg(5, False, {"serverContent": {"modelTurn": {"parts": [{"text": "lo"}]}}}),
        msg(6, False, {"toolCall": {"functionCalls": [{"id": "f1", "name": "lookup",
                                                       "args": {"q": "x"}}]}}),
        msg(7, False, {"serverContent": {"turnComplete": True},
                       "usageMetadata": {"promptTokenCount": 5, "responseTokenCount": 2,
                                         "totalTokenCount": 7}}),
    ])
    s = ExchangeSummary(url="wss://generativelanguage.googleapis.com/ws/x")
    summarize_session(s, session)
    assert (s.provider, s.request_model, s.user_message, s.text) == (
        "gemini-live", "models/gemini-live-2.5-flash", "Hi", "Hello")
    assert [(c.name, c.arguments) for c in s.tool_calls] == [("lookup", '{"q": "x"}')]
    assert (s.usage.input_tokens, s.usage.output_tokens, s.usage.total_tokens) == (5, 2, 7)


def test_mitmdump_script_records_and_replays_a_session(gateway, confdir, ca_cert, tmp_path):
    """The same hooks under real `mitmdump -s addon/vcr.py` (DumpMaster's addons included)."""
    from test_mitmdump_script import mitmdump, stop

    cassette = tmp_path / "realtime.yaml"

    class Proxy:
        url = ""

    got = []
    for mode in ("record", "replay"):
        sets = [f"vcr_cassette={cassette}", f"vcr_mode={mode}",
                f"ssl_verify_upstream_trusted_ca={gateway.ca_path}"]
        before = gateway.connections
        with mitmdump(confdir, tmp_path / f"{mode}.log", *sets) as (proc, url):
            Proxy.url = url
            got.append(asyncio.run(realtime_session(ws_url(gateway), Proxy, ca_cert)))
            assert stop(proc) == 0
        log = (tmp_path / f"{mode}.log").read_text(errors="replace")
        counts = f"replayed {int(mode == 'replay')}, recorded {int(mode == 'record')}, missed 0"
        assert f"mode {mode}, {counts}" in log, log
    assert gateway.connections == before  # (the replay run's)
    assert got[1] == scrubbed(got[0])


CLIENT = """
import asyncio, json, sys
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

async def main(url, word):
    # proxy and trust from the environment vcrproxy sets (HTTPS_PROXY, SSL_CERT_FILE)
    async with connect(url, ping_interval=None) as ws:
        print(json.loads(await ws.recv())["type"])
        await ws.send(json.dumps({"type": "conversation.item.create", "item": {
            "type": "message", "role": "user", "content": [{"type": "input_text", "text": word}]}}))
        try:
            print(json.loads(await ws.recv())["type"])
        except ConnectionClosed as e:
            print("closed", e.rcvd.code, e.rcvd.reason)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_cli_replay_miss_exits_3(vcr, base_env, run_proxy, ca_cert, gateway,  # noqa: F811
                                 tmp_path):
    """`vcrproxy replay -- cmd`: a WebSocket miss makes a succeeding command exit 3."""
    cassette, client = tmp_path / "rt.yaml", tmp_path / "client.py"
    client.write_text(CLIENT)
    url = ws_url(gateway)
    proxy = run_proxy(cassette, "record")  # in-process: one CLI start less
    env = {**base_env, "HTTPS_PROXY": proxy.url, "SSL_CERT_FILE": ca_cert}
    rec = subprocess.run([sys.executable, client, url, "hello"], env=env, capture_output=True,
                         text=True, timeout=TIMEOUT)
    proxy.stop()
    assert rec.returncode == 0, rec.stderr
    assert rec.stdout.split() == ["session.created", "conversation.item.created"]
    before = gateway.connections
    other = vcr("replay", cassette, "--", sys.executable, client, url, "goodbye")
    assert other.returncode == 3, other.stderr
    assert other.stdout.startswith("session.created\nclosed 1008 vcrproxy miss: client message 1")
    assert "missed 1" in other.stderr and "client message 1" in other.stderr
    assert gateway.connections == before


def test_volatile_ids_match_by_default_and_the_option_compares_them(run_proxy, gateway, ca_cert,
                                                                     tmp_path):
    cassette = tmp_path / "realtime.yaml"
    proxy = run_proxy(cassette, "record")
    asyncio.run(realtime_session(ws_url(gateway), proxy, ca_cert, binary=None))
    proxy.stop()

    async def other_ids(url):
        async with realtime(ws_url(gateway), url, ca_cert) as ws:
            await ws.recv()
            await ws.send(json.dumps({"type": "session.update", "event_id": "evt_new",
                                      "session": {"instructions": f"be brief; key {KEY}"}}))
            try:
                return json.loads(await ws.recv())["type"]
            except websockets.ConnectionClosed as e:
                return e.rcvd.code

    default = run_proxy(cassette, "replay")
    assert asyncio.run(other_ids(default.url)) == "session.updated"
    # `--ws-ignore-json ''`: nothing ignored, the client's event_id must be the recorded one
    strict = run_proxy(cassette, "replay", ws_ignore_json=[""])
    assert asyncio.run(other_ids(strict.url)) == 1008
    assert "$.event_id" in strict.vcr.all_sessions()[0].stats.explanations[0]


def test_a_value_named_in_one_message_is_redacted_in_the_others_and_in_miss_texts():
    """A value a message names (an MCP tool's `authorization` in session.update) is an echo
    wherever the session repeats it: a later client text, the server's echo, a close reason,
    an XML element named in a binary message; `check` says where it was named; a replay miss
    text about a live message hides what that message names (`payload_secret_values`)."""
    from vcrproxy.cassette import Interaction, Request
    from vcrproxy.redaction import payload_secret_values

    token = "mcpTok3n" + "Q7w" * 6
    update = json.dumps({"type": "session.update", "session": {"tools": [
        {"type": "mcp", "authorization": token}]}})
    resp = Response(code=101, status="101 Switching Protocols", extra={WEBSOCKET_KEY: {
        "messages": [
            {"at": 1, "from": "server", "type": "text", "data": f"hello {token[::-1]}"},
            {"at": 2, "from": "client", "type": "text", "data": update},
            {"at": 3, "from": "client", "type": "text", "data": f"is {token} right?"},
            {"at": 4, "from": "server", "type": "binary",
             "data": b"\x00<Password>" + token[::-1].encode() + b"</Password>"},
        ],
        "close": {"at": 5, "code": 1000, "reason": f"bye {token}"},
    }})
    i = Interaction(0, Request(), resp)
    out = redact_interaction(i, RedactionConfig.default())
    ws = out.response.extra[WEBSOCKET_KEY]
    assert token not in json.dumps([m["data"] for m in ws["messages"][:3]]) + ws["close"]["reason"]
    assert ws["messages"][0]["data"] == "hello <REDACTED>"  # (named in message 4's XML)
    assert ws["messages"][2]["data"] == "is <REDACTED> right?"
    found = "\n".join(find_secrets(i, RedactionConfig.default()))
    assert "WebSocket message 3 repeats the secret of WebSocket message 2 field authorization" \
        in found
    assert payload_secret_values(update) == [token]
    assert payload_secret_values("no names here") == []
