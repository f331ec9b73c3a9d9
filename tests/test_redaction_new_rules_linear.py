"""This round's redaction rules stay linear on hostile bodies: a run of URL queries holding
`code=` beside `state=` (each query was read to the run's end: 44 s per 300 KB), and a UTF-16
body repeating one key (every occurrence was searched once per occurrence: 58 s per 1 MB).
`vcrproxy check` in a subprocess with a timeout far above the linear time (under 1 s here) and
far below the quadratic one."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from secret_shapes import SHAPE_EXAMPLES

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = SHAPE_EXAMPLES["openai"]

CASSETTE = """---
version: 2
interactions:
- id: 0
  request:
    body: {body}
    form: {{}}
    headers:
      Content-Type:
      - {ctype}
    url: https://api.openai.com/v1/chat/completions
    method: POST
  response:
    body: '{{"choices": []}}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""

BODIES = {
    "code-beside-state-run": (
        json.dumps(json.dumps({"content": "?code=x&state=y" * 27_000})), "application/json"),
    "utf16-repeated-key": (
        "!!binary " + base64.b64encode(
            b"\xff\xfe" + (("w " + KEY + "\n") * 4000).encode("utf-16-le")).decode(),
        "text/plain; charset=utf-16"),
}


@pytest.mark.parametrize("kind", list(BODIES))
def test_new_rules_are_linear_on_hostile_bodies(kind, tmp_path):
    body, ctype = BODIES[kind]
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE.format(body=body, ctype=ctype))
    got = subprocess.run([VCRPROXY, "check", str(cassette)], capture_output=True, text=True,
                         timeout=30)
    assert got.returncode == 1, got.stderr[-500:]  # (the codes, the key: found, reported)
    assert KEY not in got.stderr
