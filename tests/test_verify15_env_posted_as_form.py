"""Verify15: a `.env` file or a connection string posted with a urlencoded Content-Type (what
`curl -d @.env` / `curl --data-binary @.env` send, and `curl -d 'Server=...;Password=...'`) is
read by the form pass only since e17d363: its first `=` makes one form field named by the first
line's name (`APP_NAME`), the rest of the file that field's value, so `DB_PASSWORD=...` on the
next line, or `Password=...` after a `;`, was recorded. Real proxy, httpx posting the raw bytes
with the form Content-Type to a loopback TLS upstream."""

from __future__ import annotations

import pytest
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

SECRET = "Zq8hunter2" + "Secret77xx"
BODIES = {
    "env-file": f"APP_NAME=demo\nAPP_ENV=production\nDB_PASSWORD={SECRET}\n",
    "connection-string": f"Server=db.internal;Database=app;User Id=app;Password={SECRET};",
}


@pytest.mark.parametrize("case", list(BODIES))
def test_verify15_env_text_with_form_content_type(case, run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "envform.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/upload", content=BODIES[case].encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert r.status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    body = i.request.body_bytes.decode()
    assert SECRET not in body, body
    assert body.startswith("APP_NAME=demo\n" if case == "env-file" else "Server=db.internal;")
