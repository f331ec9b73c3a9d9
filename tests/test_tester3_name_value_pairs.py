"""Tester3: a secret written as a name/value pair is recorded as sent. Environment variables and
headers are very often lists of pairs rather than mappings: Vercel's and Render's env APIs
(`{"key": "DATABASE_PASSWORD", "value": "..."}`), Kubernetes manifests and ECS task definitions
(`- name: DB_PASSWORD` / `value: ...`), HAR and Postman headers (`{"name": "Authorization",
"value": "..."}`). The README redacts a value by its credential name (JSON fields, `.env`
lines, YAML keys); here the name is the sibling `name`/`key` field's value, so the secret stays
and `vcrproxy check` says ok. Real proxy, a loopback API, httpx (what a deploy script or an
agent's tool sends).
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from click.testing import CliRunner
from conftest import proxied_client

from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77"  # no key shape: only its name gives it away

BODIES = {
    "vercel-env": ("application/json", json.dumps(
        {"key": "DATABASE_PASSWORD", "value": SECRET, "type": "encrypted",
         "target": ["production"]})),
    "k8s-manifest": ("application/yaml", (
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: api\n        env:\n        - name: DB_PASSWORD\n"
        f"          value: {SECRET}\n")),
    "har-headers": ("application/json", json.dumps({"request": {"headers": [
        {"name": "Accept", "value": "application/json"},
        {"name": "Authorization", "value": f"Token {SECRET}"}]}})),
}


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


@pytest.mark.parametrize("kind", list(BODIES))
def test_secret_in_a_name_value_pair_is_redacted(kind, run_proxy, ca_cert, tmp_path):
    ctype, body = BODIES[kind]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "pairs.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"http://127.0.0.1:{server.server_address[1]}/v10/projects/p/env",
                            content=body.encode(), headers={"Content-Type": ctype})
            assert r.status_code == 200
        proxy.stop()
    finally:
        server.shutdown()
    text = cassette.read_text()
    assert "/v10/projects/p/env" in text  # (the request was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert SECRET not in text, (f"the {kind} secret reached the cassette", out.output)
