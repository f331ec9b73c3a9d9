"""Verify13: a Bedrock event-stream body's redaction (e713c92, f41139c's `_eventstream_rewrite`)
picks each frame's spans out of the list of all the body's spans, for every frame: time grows as
frames x spans. A ConverseStream answer of 24,000 small frames each holding a key (a model
listing keys from a log it was given; a hostile tool result echoed back) takes seconds per few
MB where a linear pass takes about one (2,000 frames: 0.1 s; 16,000: 6 s; 24,000: ~14 s),
and a proxy recording it stalls. Real proxy, httpx, a loopback upstream answering with a
ConverseStream event stream; the fake key is built at runtime."""

from __future__ import annotations

import http.server
import json
import struct
import threading
import time

import httpx
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.aiformats import eventstream_frame

KEY = SHAPE_EXAMPLES["openai"]
FRAMES = 24000


def _headers(event_type: str) -> bytes:
    out = b""
    for name, value in ((":event-type", event_type.encode()),
                        (":content-type", b"application/json"), (":message-type", b"event")):
        out += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value
    return out


BODY = b"".join(eventstream_frame(_headers("contentBlockDelta"), json.dumps(
    {"contentBlockIndex": 0, "delta": {"text": f"{KEY} "}, "p": "ab"}).encode())
    for _ in range(FRAMES))


class _Bedrock(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.amazon.eventstream")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *a):
        pass


def test_verify13_many_frames_with_keys_record_in_linear_time(run_proxy, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Bedrock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "bedrock.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        t0 = time.monotonic()
        with httpx.Client(proxy=proxy.url, timeout=60) as client:
            r = client.post(f"http://127.0.0.1:{server.server_address[1]}/model/m/converse-stream",
                            json={"messages": [{"role": "user", "content": [{"text": "keys?"}]}]})
        assert r.status_code == 200 and len(r.content) == len(BODY)
        proxy.stop()
        took = time.monotonic() - t0
    finally:
        server.shutdown()
        server.server_close()
    [i] = load_cassette(cassette).interactions
    assert KEY.encode() not in i.response.body_bytes  # (redacted)
    assert took < 6, f"recording {FRAMES} frames ({len(BODY) >> 20} MB) took {took:.1f}s"
