"""A `!!binary` body whose base64 Go cannot decode (a space inside it, padding beyond the end, a
character outside the alphabet) fails go-vcr's whole Load: yaml.v3 decodes the scalar with
`base64.StdEncoding`, which skips only line breaks ("!!binary value contains invalid base64
data"). vcrproxy's loader skipped anything that is not base64, so `vcrproxy check` said ok
(exit 0) and replay played bytes go-vcr never would. Base64 that Go reads (70-column lines of
a literal block, one line, a quoted scalar) still loads to the same bytes.

The go-vcr oracle (tests/go/vcrcheck: go-vcr's structs with yaml.v3) says what go-vcr does;
`vcrproxy check` is the real CLI.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from test_govcr_compat import vcrcheck  # noqa: F401  (fixture)

from vcrproxy import load_cassette

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
BASE = """\
---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: ""
    url: https://api.example.invalid/v1/audio
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: -1
    body: BODY
    headers:
      Content-Type:
      - application/octet-stream
    status: 200 OK
    code: 200
    duration: 1ms
"""
DATA = bytes(range(256)) * 2
B64 = base64.b64encode(DATA).decode()
BLOCK = "|\n" + "\n".join("      " + B64[i:i + 70] for i in range(0, len(B64), 70))


def write(tmp_path, body: str) -> str:
    path = tmp_path / "c.yaml"
    path.write_text(BASE.replace("BODY", body), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("body", [
    "!!binary aG k=",
    "!!binary aGk===",
    "!!binary aGk=*",
    "!!binary " + BLOCK.replace("E", "E ", 1),
    "!!binary " + BLOCK.replace("B", "-", 1),
], ids=["space", "excess-padding", "star", "block-space", "block-url-safe"])
def test_base64_go_cannot_decode_is_an_error(tmp_path, vcrcheck, body):  # noqa: F811
    path = write(tmp_path, body)
    go = subprocess.run([vcrcheck, "load", path], capture_output=True, text=True, timeout=60)
    assert go.returncode != 0 and "base64" in go.stderr
    checked = subprocess.run([EXE, "check", path], capture_output=True, text=True, timeout=30)
    out = checked.stdout + checked.stderr
    assert checked.returncode == 1, out
    assert ": ok (" not in out and "Traceback" not in out and "base64" in out


@pytest.mark.parametrize("body", ["!!binary " + BLOCK, f'!!binary "{B64}"', f"!!binary {B64}"],
                         ids=["block", "quoted", "plain"])
def test_base64_go_decodes_loads_the_same(tmp_path, vcrcheck, body):  # noqa: F811
    path = write(tmp_path, body)
    go = subprocess.run([vcrcheck, "load", path], capture_output=True, text=True, timeout=60)
    assert go.returncode == 0, go.stderr
    body64 = json.loads(go.stdout)["interactions"][0]["response"]["body_b64"]
    assert base64.b64decode(body64) == DATA
    assert load_cassette(path).interactions[0].response.body == DATA
