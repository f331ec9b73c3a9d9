"""Verify13: f41139c joins the text a model streams over Bedrock event-stream frames to find a
key spread over them, but reads only Anthropic's and Converse's delta fields (`text`,
`partial_json`, `thinking`, `input`). InvokeModelWithResponseStream's other model families
stream their text under their own names: Meta Llama's `generation`, Amazon Titan's
`outputText`, Bedrock's OpenAI models' `choices[].delta.content`. A key such a model writes back
over several chunks is recorded in clear (one base64 decode away). Real proxy, boto3's
bedrock-runtime client, a loopback upstream answering as Bedrock does; the fake key is built at
runtime."""

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
PIECES = ["Your key is ", KEY[:20], KEY[20:60], KEY[60:], ", keep it safe."]
FAMILIES = {
    "meta.llama3-70b-instruct-v1:0": lambda t: {"generation": t, "prompt_token_count": None,
                                                "generation_token_count": 3,
                                                "stop_reason": None},
    "amazon.titan-text-express-v1": lambda t: {"outputText": t, "index": 0,
                                               "totalOutputTextTokenCount": 3,
                                               "completionReason": None},
    "openai.gpt-oss-120b-1:0": lambda t: {"object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {"content": t}, "finish_reason": None}]},
}


def _headers(event_type: str) -> bytes:
    out = b""
    for name, value in ((":event-type", event_type.encode()),
                        (":content-type", b"application/json"), (":message-type", b"event")):
        out += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value
    return out


def _chunk(event: dict) -> bytes:
    return eventstream_frame(_headers("chunk"), json.dumps(
        {"bytes": base64.b64encode(json.dumps(event).encode()).decode(), "p": "abcdefghij"}
    ).encode())


class _Bedrock(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        model = next(m for m in FAMILIES if m.split(":")[0] in self.path)
        body = b"".join(_chunk(FAMILIES[model](t)) for t in PIECES)
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.amazon.eventstream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.mark.parametrize("model", list(FAMILIES))
def test_verify13_a_key_spread_over_other_model_families_chunks_is_redacted(
        model, run_proxy, tmp_path):
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
        events = list(client.invoke_model_with_response_stream(
            modelId=model, body=json.dumps({"prompt": "my key?"}))["body"])
        assert len(events) == len(PIECES)  # (all read)
        proxy.stop()
    finally:
        server.shutdown()
        server.server_close()
    [i] = load_cassette(cassette).interactions
    events = [base64.b64decode(json.loads(f.payload)["bytes"])
              for f in decode_eventstream(i.response.body_bytes)]
    assert b"Your key is " in events[0]  # (recorded)
    joined = b"".join(events)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert KEY[:20].encode() not in joined or KEY[20:60].encode() not in joined, (
        f"the key {model} streamed over chunks was recorded\n{out.output}")
