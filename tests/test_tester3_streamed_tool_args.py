"""Tester3: a credential-named field in a tool call's arguments is redacted when the answer is
JSON but recorded as it came when the same answer streams. The README: JSON fields by name "also
in JSON text inside a JSON string (a tool call's arguments)"; streamed, the arguments arrive a
few characters per chunk (`delta.tool_calls[].function.arguments`, Anthropic's
`input_json_delta`), no piece holds `"password": "..."` whole, and the joined-delta pass looks
only for key shapes and echoes. An agent's `connect_db` / `set_api_key` tool called with a
secret it was given (a tool result, a file it read) is written to the cassette, and `check` says ok.
Real proxy, the openai SDK, a loopback upstream streaming as OpenAI does.
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading

import httpx
import openai
from click.testing import CliRunner

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77"  # no key shape: only its field name gives it away
ARGS = json.dumps({"host": "db.internal", "user": "app", "password": SECRET})


def _chunk(delta: dict, finish=None) -> bytes:
    return b"data: " + json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
        "model": "gpt-4o-mini", "choices": [{"index": 0, "delta": delta,
                                             "finish_reason": finish}]}).encode() + b"\n\n"


def _stream() -> bytes:
    out = [_chunk({"role": "assistant", "tool_calls": [{
        "index": 0, "id": "call_1", "type": "function",
        "function": {"name": "connect_db", "arguments": ""}}]})]
    out += [_chunk({"tool_calls": [{"index": 0, "function": {"arguments": ARGS[i:i + 6]}}]})
            for i in range(0, len(ARGS), 6)]
    out += [_chunk({}, "tool_calls"), b"data: [DONE]\n\n"]
    return b"".join(out)


class _OpenAI(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = _stream()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def test_named_field_in_streamed_tool_arguments_is_redacted(run_proxy, ca_cert, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "tool.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        hc = httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert))
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1",
                               api_key="sk-test", http_client=hc, max_retries=0)
        args = ""
        for ev in client.chat.completions.create(
                model="gpt-4o-mini", stream=True,
                messages=[{"role": "user", "content": "Connect to the app database"}],
                tools=[{"type": "function", "function": {"name": "connect_db", "parameters": {
                    "type": "object", "properties": {"password": {"type": "string"}}}}}]):
            for tc in ev.choices[0].delta.tool_calls or []:
                args += tc.function.arguments or ""
        assert json.loads(args)["password"] == SECRET  # (the client got it as sent)
        hc.close()
        proxy.stop()
    finally:
        server.shutdown()
    (i,) = load_cassette(cassette).interactions
    recorded = ""
    for line in i.response.body_bytes.decode().splitlines():
        if line.startswith("data: {"):
            for tc in json.loads(line[6:])["choices"][0]["delta"].get("tool_calls") or []:
                recorded += tc["function"].get("arguments") or ""
    assert "db.internal" in recorded  # (the arguments are there, joined as a client joins them)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert SECRET not in recorded, (
        f"the tool call's password reached the cassette: {recorded}", out.output)
