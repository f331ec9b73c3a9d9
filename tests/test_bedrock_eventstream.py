"""Bedrock's event-stream bodies through redaction: a key inside a frame (the plain JSON payload
of ConverseStream, or the base64 event InvokeModelWithResponseStream carries) is redacted with
the frame made anew, so the replayed stream still decodes in botocore, which checks both CRCs
of every frame. Real proxy, boto3's bedrock-runtime client, a loopback upstream answering as
Bedrock does; the fake key is built at runtime."""

from __future__ import annotations

import base64
import http.server
import json
import struct
import threading
import zlib

import pytest
from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.aiformats import decode_eventstream, eventstream_frame, eventstream_layout
from vcrproxy.cli.main import main

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402

KEY = SHAPE_EXAMPLES["openai"]
MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def _headers(event_type: str) -> bytes:
    out = b""
    for name, value in ((":event-type", event_type.encode()),
                        (":content-type", b"application/json"), (":message-type", b"event")):
        out += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value
    return out


def _frame(event_type: str, payload: dict) -> bytes:
    return eventstream_frame(_headers(event_type), json.dumps(payload).encode())


def _chunk(event: dict) -> bytes:
    return _frame("chunk", {"bytes": base64.b64encode(json.dumps(event).encode()).decode(),
                            "p": "abcdefghij"})


CONVERSE = b"".join([
    _frame("messageStart", {"role": "assistant", "p": "ab"}),
    _frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {
        "text": f"Your key is {KEY}, keep it safe."}, "p": "abcd"}),
    _frame("contentBlockStop", {"contentBlockIndex": 0, "p": "a"}),
    _frame("messageStop", {"stopReason": "end_turn", "p": "abc"}),
])
INVOKE = b"".join([
    _chunk({"type": "message_start", "message": {"role": "assistant", "content": []}}),
    _chunk({"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": f"Your key is {KEY}, keep it safe."}}),
    _chunk({"type": "message_stop"}),
])


class _Bedrock(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = CONVERSE if self.path.endswith("/converse-stream") else INVOKE
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.amazon.eventstream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def bedrock():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Bedrock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _texts(proxy, endpoint: str) -> list[str]:
    """What boto3 reads from both streams (botocore raises on a frame whose CRCs fail)."""
    client = boto3.client(
        "bedrock-runtime", region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id="AKIA" + "TESTONLY" * 2, aws_secret_access_key="x" * 40,
        config=Config(proxies={"http": proxy.url}, retries={"max_attempts": 1},
                      read_timeout=20, connect_timeout=10))
    out = []
    stream = client.converse_stream(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": "my key?"}]}])["stream"]
    for event in stream:
        if "contentBlockDelta" in event:
            out.append(event["contentBlockDelta"]["delta"]["text"])
    body = client.invoke_model_with_response_stream(
        modelId=MODEL, body=json.dumps({"anthropic_version": "bedrock-2023-05-31",
                                        "max_tokens": 16, "messages": []}))["body"]
    for event in body:
        data = json.loads(event["chunk"]["bytes"])
        if data["type"] == "content_block_delta":
            out.append(data["delta"]["text"])
    return out


def _frames_hold(body: bytes) -> None:
    layout = eventstream_layout(body)
    assert layout and layout[-1][0] + layout[-1][1] == len(body)
    for start, total, _ in layout:
        frame = body[start:start + total]
        assert struct.unpack(">I", frame[-4:])[0] == zlib.crc32(frame[:-4])


def test_keys_in_bedrock_frames_are_redacted_and_frames_still_decode(
        run_proxy, ca_cert, tmp_path, bedrock):
    cassette = tmp_path / "bedrock.yaml"
    proxy = run_proxy(cassette, "record")
    live = _texts(proxy, bedrock)
    proxy.stop()
    assert live == [f"Your key is {KEY}, keep it safe."] * 2  # (the live client got it as sent)
    for i in load_cassette(cassette).interactions:
        body = i.response.body_bytes
        _frames_hold(body)
        assert KEY.encode() not in body
        assert all(KEY.encode() not in base64.b64decode(json.loads(f.payload)["bytes"])
                   for f in decode_eventstream(body) if b'"bytes"' in f.payload)
    proxy = run_proxy(cassette, "replay")
    assert _texts(proxy, bedrock) == ["Your key is <REDACTED>, keep it safe."] * 2
    proxy.stop()
    assert CliRunner().invoke(main, ["check", str(cassette)]).exit_code == 0


def test_check_and_redact_find_keys_in_a_cassettes_frames(tmp_path):
    cassette = tmp_path / "c.yaml"
    interactions = []
    for n, (path, body) in enumerate((("converse-stream", CONVERSE),
                                      ("invoke-with-response-stream", INVOKE))):
        interactions.append({
            "id": n, "request": {"body": "{}", "form": {}, "headers": {}, "url":
                        f"https://bedrock-runtime.us-east-1.amazonaws.com/model/m/{path}",
                        "method": "POST"},
            "response": {"body": base64.b64encode(body).decode(), "headers": {
                "Content-Type": ["application/vnd.amazon.eventstream"]},
                "status": "200 OK", "code": 200, "duration": "1ms"}})
    import yaml

    text = yaml.safe_dump({"version": 2, "interactions": interactions})
    cassette.write_text(text.replace("body: " + base64.b64encode(CONVERSE).decode(),
                                     "body: !!binary " + base64.b64encode(CONVERSE).decode())
                        .replace("body: " + base64.b64encode(INVOKE).decode(),
                                 "body: !!binary " + base64.b64encode(INVOKE).decode()))
    assert [len(i.response.body_bytes) for i in load_cassette(cassette).interactions] == [
        len(CONVERSE), len(INVOKE)]
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert out.exit_code == 1
    assert "response body (event-stream frame 2)" in out.output, out.output
    assert KEY not in out.output
    out = CliRunner().invoke(main, ["redact", str(cassette)])
    assert out.exit_code == 0, out.output
    for i in load_cassette(cassette).interactions:
        _frames_hold(i.response.body_bytes)
    assert CliRunner().invoke(main, ["check", str(cassette)]).exit_code == 0
