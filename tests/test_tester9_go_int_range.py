"""A number beyond Go's int64 in an integer field (`content_length: 9223372036854775808`, a
`proto_major` or `proto_minor` as big) fails go-vcr's whole Load ("cannot unmarshal !!int ...
into int64"), but `vcrproxy check` said ok and exited 0, and replay played the file.

The go-vcr oracle (tests/go/vcrcheck: go-vcr's structs with yaml.v3) says what go-vcr does;
`vcrproxy check` is the real CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from test_govcr_compat import vcrcheck  # noqa: F401  (fixture)

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
    url: https://api.example.invalid/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    body: '[]'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 1ms
"""
BIG = str(2**63)


def variant(tmp_path, old: str, new: str, nth: int = 1) -> str:
    parts = BASE.split(old)
    assert len(parts) > nth
    text = old.join(parts[:nth]) + new + old.join(parts[nth:])
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def go_load(exe: str, path: str) -> subprocess.CompletedProcess:
    return subprocess.run([exe, "load", path], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("old", "new", "nth"), [
    ("proto_major: 1", f"proto_major: {BIG}", 1),
    ("proto_minor: 1", f"proto_minor: {BIG}", 2),
    ("content_length: 0", f"content_length: {BIG}", 1),
    ("content_length: 2", f"content_length: {2**64 + 5}", 1),
    ("code: 200", f"code: {BIG}", 1),
], ids=["request-proto_major", "response-proto_minor", "request-content_length",
        "response-content_length", "code"])
def test_check_refuses_an_integer_go_vcr_cannot_hold(tmp_path, vcrcheck, old, new,  # noqa: F811
                                                     nth):
    path = variant(tmp_path, old, new, nth)
    go = go_load(vcrcheck, path)
    assert go.returncode != 0 and "cannot unmarshal" in go.stderr
    checked = subprocess.run([EXE, "check", path], capture_output=True, text=True, timeout=30)
    out = checked.stdout + checked.stderr
    assert checked.returncode == 1, out
    assert ": ok (" not in out and "Traceback" not in out
