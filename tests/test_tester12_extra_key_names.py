"""Tester12: keys the model does not know (a top-level `notes:`, an interaction's `comment:`
added by hand) are kept and written back, and redaction scrubs the text in them. But only
their values: a key *name* inside such a mapping (`notes: {sk-proj-...: why}`) was neither
reported by `vcrproxy check` (at an interaction) nor removed by `vcrproxy redact`, and `redact`
said the file was clean. Expected: such names are scrubbed and reported like the values."""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = "sk-proj-" + "Zq8K9QW2ZP7xqLm4Vn6Bt3Rc5Yd1Hf0Gj2Ks8Lp4Mw6"
CASSETTE = f"""\
---
version: 2
interactions:
- id: 0
  comment:
    {KEY}: the key this was recorded with
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: ""
    url: https://api.example.com/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    body: '{{}}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 5ms
notes:
  {KEY}: rotated since
"""


def _run(*args):
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60)


def test_check_reports_a_key_named_in_an_unknown_mapping(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(CASSETTE)
    got = _run("check", str(path))
    assert got.returncode == 1
    lines = got.stderr.splitlines()
    assert any("interaction 0" in line and "OpenAI key" in line for line in lines), got.stderr
    assert any("top-level key notes" in line and "OpenAI key" in line for line in lines), lines
    assert KEY not in got.stdout + got.stderr


def test_redact_scrubs_a_key_named_in_an_unknown_mapping(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(CASSETTE)
    got = _run("redact", str(path))
    assert got.returncode == 0, got.stderr
    assert KEY not in path.read_text(), path.read_text()
    assert "<REDACTED>: rotated since" in path.read_text()
