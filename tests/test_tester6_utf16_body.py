"""Tester6: a request body sent as UTF-16 text (`Content-Type: text/plain; charset=utf-16`:
what .NET's `new StringContent(text, Encoding.Unicode)` and Windows PowerShell 5.1 send) is
recorded with every key in it: neither the shapes (`sk-proj-...`) nor `.env` lines are seen,
as each ASCII character is followed by a NUL. Round 11 masks a UTF-16 *file part* of a
multipart upload; the same `.env` as the whole body is written to the cassette (`!!binary`,
one base64 decode from readable) and `vcrproxy check` says ok. Real proxy, httpx, the fake
gateway's /echo.
"""

from __future__ import annotations

import base64

import yaml
from click.testing import CliRunner
from conftest import record_through
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]
PASSWORD = "Zq8hunter2" + "Secret77xx"
ENV = f"APP_NAME=shop\r\nOPENAI_API_KEY={KEY}\r\nDB_PASSWORD={PASSWORD}\r\n"


def test_tester6_keys_in_a_utf16_body_are_redacted(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "upload.yaml"
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo?plain=1",
        "content": ENV.encode("utf-16"),
        "headers": {"content-type": "text/plain; charset=utf-16"}})
    doc = yaml.safe_load(cassette.read_text())
    body = doc["interactions"][0]["request"]["body"]
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    assert raw[:2] == b"\xff\xfe"  # (the UTF-16 body was recorded)
    text = raw.decode("utf-16")
    out = CliRunner().invoke(main, ["check", str(cassette)])
    found = [s for s in (KEY, PASSWORD) if s in text]
    assert not found, (f"{len(found)} secret(s) of the UTF-16 body reached the cassette "
                       f"(base64: {base64.b64encode(raw[:16]).decode()}...)", out.output)
