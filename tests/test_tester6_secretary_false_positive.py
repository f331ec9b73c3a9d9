"""Tester6: ordinary words that contain a credential word are redacted as credentials in model
output, so replay answers differently from the recording. A chat model's structured output
naming a board (`{"president": ..., "secretary": "John Smith", "treasurer": ...}`: entity
extraction, a common structured-outputs demo) is recorded as `"secretary": "<REDACTED>"` (and
`secretary_general`): `*secret*` matches wherever the word sits. The client got John Smith
live; in replay it gets `<REDACTED>`, so a test that passed while recording fails offline.
`author` is kept out of `*auth*` for this reason; `secretary` is not kept out of `*secret*`.
Real proxy, httpx, a loopback upstream answering as OpenAI.
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading

import httpx

ANSWER = {"president": "Maria Lopez", "secretary": "John Smith", "treasurer": "Ann Lee"}
COMPLETION = json.dumps({
    "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": json.dumps(ANSWER)}}],
    "usage": {"prompt_tokens": 9, "completion_tokens": 20, "total_tokens": 29}}).encode()


class _Chat(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(COMPLETION)))
        self.end_headers()
        self.wfile.write(COMPLETION)

    def log_message(self, *a):
        pass


def _ask(proxy, ca_cert: str, base: str) -> dict:
    verify = ssl.create_default_context(cafile=ca_cert)
    with httpx.Client(proxy=proxy.url, verify=verify, timeout=20) as client:
        r = client.post(f"{base}/v1/chat/completions", json={
            "model": "gpt-4o-mini", "response_format": {"type": "json_object"},
            "messages": [{"role": "user", "content": "Who is on the board? JSON please."}]})
        assert r.status_code == 200, r.text
        return json.loads(r.json()["choices"][0]["message"]["content"])


def test_tester6_replay_answers_the_secretary_the_model_named(run_proxy, ca_cert, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Chat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    cassette = tmp_path / "board.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        live = _ask(proxy, ca_cert, base)
        proxy.stop()
    finally:
        server.shutdown()
    assert live == ANSWER
    replayed = _ask(run_proxy(cassette, "replay"), ca_cert, base)
    assert replayed == live, f"replay changed the model's answer: {replayed}"
