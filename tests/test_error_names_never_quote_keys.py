"""An error that quotes a name (an unknown cassette key, a header name) never quotes a key
pasted where a name belongs: `sk-...:` as a YAML key reached `check`'s output whole (a verifier
lead, round 12). Real CLI."""

from __future__ import annotations

import os
import subprocess
import sys

from secret_shapes import SHAPE_EXAMPLES

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = SHAPE_EXAMPLES["openai"]


def test_an_unknown_key_named_like_a_secret_is_described(tmp_path):
    cassette = tmp_path / "c.yaml"
    cassette.write_text(f"""---
version: 2
interactions:
- id: 0
  {KEY}: oops
  request:
    body: ""
    form: {{}}
    headers: {{}}
    url: https://api.openai.com/v1/models
    method: GET
  response:
    body: '{{"data": []}}'
    headers: {{}}
    status: 200 OK
    code: 200
    duration: 120ms
""")
    got = subprocess.run([VCRPROXY, "check", str(cassette)], capture_output=True, text=True,
                         timeout=60)
    out = got.stdout + got.stderr
    assert "unknown key" in out, out  # (the key was reported)
    assert KEY[3:30] not in out, out
