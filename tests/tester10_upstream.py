"""A loopback HTTPS server answering every request with one fixed response (status, headers,
body lines each written and flushed apart), for tester10's secrets tests: its certificate is
issued by the fake gateway's CA, which the conftest's proxies trust."""

from __future__ import annotations

import contextlib
import http.server
import ssl
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def tls_upstream(gateway, headers: list[tuple[str, str]], pieces: list[bytes] = (),
                 status: int = 200) -> Iterator[str]:
    """Yields the server's base URL (https://localhost:PORT); `pieces` are written one by one
    as chunks (a stream), or nothing is when empty (Content-Length: 0)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if pieces:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", "0")
            self.end_headers()
            for piece in pieces:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            if pieces:
                self.wfile.write(b"0\r\n\r\n")

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    gateway._ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def record_chat_answer(run_proxy, gateway, ca_cert, cassette, answer: str,
                       question: str = "hi") -> None:
    """Record into `cassette`, through a real proxy and httpx, one OpenAI chat completion whose
    answer is `answer`, asked `question`, from a `tls_upstream`; the client must get the answer
    as sent. The proxy is stopped (the cassette written) when this returns."""
    import json

    from conftest import proxied_client

    body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {
                           "role": "assistant", "content": answer}}]}).encode()
    with tls_upstream(gateway, [("Content-Type", "application/json")], [body]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions", json={
                "model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]})
        assert r.json()["choices"][0]["message"]["content"] == answer
        proxy.stop()
