"""Verify13: 1071b2f reads a bare name before `:` and a quote as a JavaScript object's
credential (`{ password: "..." }`). JSON's own `token` beside a `logprob` is known to be a
token's text (`_json_values`), but the same object as Node prints it (`console.log` of
`logprobs.content`: `{ token: ' unbelievable', logprob: -0.31, ... }`) is now a credential: a
model's answer showing it is recorded with `<REDACTED>` tokens, and, the value being hunted
elsewhere, ordinary prose of the answer ("The word unbelievable ...") loses its words. Replay
then answers other text than the model gave. Real proxy, httpx, a loopback upstream answering
as a chat completion.
"""

from __future__ import annotations

import http.server
import json
import threading

import httpx

CONTENT = ("Here is what `console.log(res.choices[0].logprobs.content)` prints:\n\n"
           "[\n  { token: ' unbelievable', logprob: -0.31, bytes: [ 32, 117 ], "
           "top_logprobs: [] },\n  { token: ' results', logprob: -1.2, bytes: [ 32 ], "
           "top_logprobs: [] }\n]\n\nThe word unbelievable results in one token.")
ANSWER = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                     "choices": [{"index": 0, "finish_reason": "stop", "message": {
                         "role": "assistant", "content": CONTENT}}]}).encode()


class _Model(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *a):
        pass


def test_verify13_node_printed_logprobs_in_an_answer_are_recorded_as_given(run_proxy, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Model)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "logprobs.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        with httpx.Client(proxy=proxy.url, timeout=20) as client:
            r = client.post(f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions",
                            json={"model": "gpt-4o-mini", "messages": [
                                {"role": "user", "content": "How do I print logprobs in Node?"}]})
            assert r.status_code == 200
        proxy.stop()
    finally:
        server.shutdown()
        server.server_close()
    proxy = run_proxy(cassette, "replay")
    with httpx.Client(proxy=proxy.url, timeout=20) as client:
        r = client.post(f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions",
                        json={"model": "gpt-4o-mini", "messages": [
                            {"role": "user", "content": "How do I print logprobs in Node?"}]})
    proxy.stop()
    assert r.status_code == 200, r.text[:300]
    assert r.json()["choices"][0]["message"]["content"] == CONTENT
