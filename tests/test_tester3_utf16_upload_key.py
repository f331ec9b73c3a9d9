"""Tester3: a key in a UTF-16 text file an SDK uploads reaches the cassette. Windows
PowerShell 5.1 writes UTF-16LE with a BOM by default (`echo "OPENAI_API_KEY=sk-..." > .env`,
`Out-File`), and such a file uploaded with `client.files.create` carries every character as
two bytes: the README's shapes are searched in "ASCII runs of binary bodies" and the `.env`
lines in text, and UTF-16 has neither (a NUL after every letter), so the key is written as
sent and `vcrproxy check` says ok. Real proxy, the openai SDK, a loopback Files endpoint.
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading

import httpx
import openai
from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["anthropic"]
FILE = ("\ufeff# local settings\r\nANTHROPIC_API_KEY=" + KEY + "\r\nDEBUG=1\r\n").encode(
    "utf-16-le")


class _Files(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = json.dumps({"id": "file-abc123", "object": "file", "bytes": len(FILE),
                          "created_at": 1, "filename": "settings.env",
                          "purpose": "assistants", "status": "processed"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


def test_key_in_a_utf16_uploaded_file_is_redacted(run_proxy, ca_cert, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "upload.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        with httpx.Client(proxy=proxy.url,
                          verify=ssl.create_default_context(cafile=ca_cert)) as hc:
            client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1",
                                   api_key="sk-test", http_client=hc, max_retries=0)
            f = client.files.create(file=("settings.env", FILE, "text/plain"),
                                    purpose="assistants")
            assert f.id == "file-abc123"
        proxy.stop()
    finally:
        server.shutdown()
    (i,) = load_cassette(cassette).interactions
    body = i.request.body_bytes
    assert FILE[:40] in body or b"settings.env" in body  # (the upload was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert KEY.encode("utf-16-le") not in body, (
        "the key reached the cassette in UTF-16", out.output)
