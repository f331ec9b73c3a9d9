"""`uncompressed: yes` (or `on`, `Y`, `no`, `off`, `N`..., plain or quoted) is read by go-vcr:
yaml.v3 decodes the YAML 1.1 boolean words into a Go bool field (decode.go, "compatibility with
the 1.1 spec"), though they are strings anywhere else. vcrproxy refused the whole cassette
("expected true or false"), so `check` failed and replay would not start on a file go-vcr plays.

The go-vcr oracle (tests/go/vcrcheck: go-vcr's structs with yaml.v3) says what go-vcr reads;
`vcrproxy check` is the real CLI; replay is the real proxy answering a real httpx client.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys

import httpx
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
    url: https://api.example.invalid/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: -1
    uncompressed: WORD
    body: '[]'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 1ms
"""


@pytest.mark.parametrize(("word", "value"), [
    ("yes", True), ("on", True), ("'Y'", True), ('"no"', False), ("OFF", False), ("n", False),
])
def test_yaml_1_1_boolean_words_load_as_go_vcr_reads_them(tmp_path, vcrcheck,  # noqa: F811
                                                         run_proxy, ca_cert, word, value):
    path = str(tmp_path / "c.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(BASE.replace("WORD", word))
    go = subprocess.run([vcrcheck, "load", path], capture_output=True, text=True, timeout=60)
    assert go.returncode == 0, go.stderr
    assert json.loads(go.stdout)["interactions"][0]["response"]["uncompressed"] is value

    checked = subprocess.run([EXE, "check", path], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert bool(load_cassette(path).interactions[0].response.uncompressed) is value

    proxy = run_proxy(path, "replay")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=20) as client:
        r = client.get("https://api.example.invalid/v1/models")
    assert (r.status_code, r.content) == (200, b"[]")
