"""Tester3: a replay miss explanation shows all but the first character of a password when the
snippet it quotes starts inside it. The README: miss explanations "never show a key, nor a value
the session redacts by name, even with `--no-redact`". Against a cassette recorded with
`--no-redact` (or by plain go-vcr), a text body holding `DB_PASSWORD=<value>` whose next line
changed is explained as `differs at byte 43: recorded …"q8hunter2Secret77\\nN=1\\n" vs live
…"q8hunter2Secret77\\nN=2\\n"`: the whole value is looked for and masked, but the quoted window
holds only its tail, so nothing is masked. The SDK's exception, pytest's failure text and the
summary carry it. Real proxy (recording then replay), a loopback upstream, httpx.
"""

from __future__ import annotations

import http.server
import threading

from conftest import proxied_client

PASSWORD = "Zq8hunter2" + "Secret77"


class _Ok(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *a):
        pass


def _body(n: int) -> bytes:
    return f"DB_HOST=h\nDB_PASSWORD={PASSWORD}\nN={n}\n".encode()


def test_miss_snippet_starting_inside_a_password_does_not_show_it(run_proxy, ca_cert,
                                                                  tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/config"
    headers = {"Content-Type": "text/plain"}
    cassette = tmp_path / "unredacted.yaml"
    try:
        proxy = run_proxy(cassette, "record", redact=False)
        with proxied_client(proxy, ca_cert) as client:
            assert client.post(url, content=_body(1), headers=headers).status_code == 200
        proxy.stop()
    finally:
        server.shutdown()
    assert PASSWORD in cassette.read_text()  # (recorded as it was: --no-redact)
    replay = run_proxy(cassette, "replay")
    with proxied_client(replay, ca_cert) as client:
        r = client.post(url, content=_body(2), headers=headers)
    replay.stop()
    assert r.status_code == 400 and "differs" in r.text, r.text
    assert PASSWORD[1:] not in r.text, f"the miss text shows the password's tail: {r.text}"
