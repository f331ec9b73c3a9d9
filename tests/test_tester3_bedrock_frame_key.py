"""Tester3: a key a model writes back in one Bedrock InvokeModelWithResponseStream event reaches
the cassette. Each `application/vnd.amazon.eventstream` frame's payload is
`{"bytes": "<base64 of the Anthropic event JSON>"}`: the key, whole inside one `text_delta`, is
written base64-encoded where no shape can see it, and `vcrproxy check` says ok. (The README's
"Not covered: Bedrock's event-stream frames" is about a key split across deltas; here it is in
one event, as an OpenAI or Anthropic stream's would be found.) Real proxy, a loopback upstream
answering as Bedrock does, httpx; the fake key is built at runtime.
"""

from __future__ import annotations

import base64
import http.server
import json
import re
import struct
import threading
import zlib

from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]


def _frame(event: dict) -> bytes:
    """One event-stream message as Bedrock sends a chunk of a streamed Anthropic answer."""
    payload = json.dumps({"bytes": base64.b64encode(json.dumps(event).encode()).decode(),
                          "p": "abcdefghijkl"}).encode()
    hb = b""
    for name, value in ((":event-type", b"chunk"), (":content-type", b"application/json"),
                        (":message-type", b"event")):
        hb += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value
    prelude = struct.pack(">II", 12 + len(hb) + len(payload) + 4, len(hb))
    msg = prelude + struct.pack(">I", zlib.crc32(prelude)) + hb + payload
    return msg + struct.pack(">I", zlib.crc32(msg))


STREAM = b"".join(_frame(e) for e in (
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0,
     "delta": {"type": "text_delta", "text": f"Your OPENAI_API_KEY is {KEY}, keep it safe."}},
    {"type": "message_stop"},
))


def _b64(data: bytes) -> bytes:
    """A payload's base64 decoded (a marker in it, as redaction may leave, is no key)."""
    try:
        return base64.b64decode(data)
    except ValueError:
        return b""


class _Bedrock(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.amazon.eventstream")
        self.send_header("Content-Length", str(len(STREAM)))
        self.end_headers()
        self.wfile.write(STREAM)

    def log_message(self, *a):
        pass


def test_key_in_one_bedrock_stream_event_is_not_recorded(run_proxy, ca_cert, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Bedrock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = (f"http://127.0.0.1:{server.server_address[1]}/model/"
           "anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke-with-response-stream")
    cassette = tmp_path / "bedrock.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(url, json={"anthropic_version": "bedrock-2023-05-31",
                                       "max_tokens": 64, "messages": [
                                           {"role": "user", "content": "What is my key?"}]})
            assert r.status_code == 200 and r.content == STREAM
        proxy.stop()
    finally:
        server.shutdown()
    (i,) = load_cassette(cassette).interactions
    body = i.response.body_bytes
    decoded = b"".join(_b64(m) for m in re.findall(rb'"bytes": ?"([^"]*)"', body))
    assert b"content_block_start" in decoded  # (the frames were read: the test proves something)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert KEY.encode() not in decoded, (
        "the key reached the cassette inside a frame's base64", out.output)
