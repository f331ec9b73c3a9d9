"""Verify12: round 12 redacts a key inside Bedrock event-stream frames (e713c92), but only a key
whole inside one frame. A model streams a few characters per event, so a key it writes back is
spread over several `contentBlockDelta` frames (ConverseStream) or several base64 `chunk` events
(InvokeModelWithResponseStream): that key is recorded as sent (in clear, or one base64 decode
away) and `vcrproxy check` says ok. The same key spread over SSE deltas (OpenAI, Anthropic) is
found by the joined-delta search. Real proxy, boto3's bedrock-runtime client, a loopback
upstream answering as Bedrock does; the fake key is built at runtime."""

from __future__ import annotations

import base64
import http.server
import json
import struct
import threading

import pytest
from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.aiformats import decode_eventstream, eventstream_frame
from vcrproxy.cli.main import main

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402

KEY = SHAPE_EXAMPLES["openai"]
MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
PIECES = ["Your key is ", KEY[:20], KEY[20:60], KEY[60:], ", keep it safe."]


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
    *(_frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": t}, "p": "abcd"})
      for t in PIECES),
    _frame("contentBlockStop", {"contentBlockIndex": 0, "p": "a"}),
    _frame("messageStop", {"stopReason": "end_turn", "p": "abc"}),
])
INVOKE = b"".join([
    _chunk({"type": "message_start", "message": {"role": "assistant", "content": []}}),
    *(_chunk({"type": "content_block_delta", "index": 0,
              "delta": {"type": "text_delta", "text": t}}) for t in PIECES),
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


def _text_of(body: bytes) -> str:
    out = []
    for f in decode_eventstream(body):
        payload = json.loads(f.payload)
        if "bytes" in payload:
            payload = json.loads(base64.b64decode(payload["bytes"]))
        out.append((payload.get("delta") or {}).get("text", ""))
    return "".join(out)


@pytest.mark.parametrize("api", ["converse-stream", "invoke-with-response-stream"])
def test_verify12_a_key_spread_over_frames_is_redacted(api, run_proxy, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Bedrock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "bedrock.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        client = boto3.client(
            "bedrock-runtime", region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            aws_access_key_id="AKIA" + "TESTONLY" * 2, aws_secret_access_key="x" * 40,
            config=Config(proxies={"http": proxy.url}, retries={"max_attempts": 1},
                          read_timeout=20, connect_timeout=10))
        messages = [{"role": "user", "content": [{"text": "my key?"}]}]
        if api == "converse-stream":
            events = list(client.converse_stream(modelId=MODEL, messages=messages)["stream"])
        else:
            events = list(client.invoke_model_with_response_stream(
                modelId=MODEL, body=json.dumps({"messages": messages}))["body"])
        assert len(events) == len(PIECES) + 2 + (api == "converse-stream")  # (all read)
        proxy.stop()
    finally:
        server.shutdown()
        server.server_close()
    [i] = load_cassette(cassette).interactions
    text = _text_of(i.response.body_bytes)
    assert text.startswith("Your key is ")  # (recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert KEY not in text, f"the key spread over {api} frames was recorded\n{out.output}"
