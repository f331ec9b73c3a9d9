"""Verify: a neighbour of 70b2cf1 (YAML assignments with a tab after the colon are found).

A YAML value may start on the next line: a block scalar (`password: |` or `>-`, how Kubernetes
secrets and CI configs hold keys) or a plain scalar indented under its key. In a text body (a
config uploaded to a files API, a tool's output) `redact` replaces the block indicator `|` with
<REDACTED> and leaves the secret on the next line as it was ("1 secret(s) redacted"), and
`check` then says "ok"; the plain next-line form is not found at all. Expected: the value is
redacted (the secret gone from the cassette), and `check` flags it before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
SECRET = "qX7mL2pZ9rT4vB8nK3"
CASSETTE = """version: 2
interactions:
- id: 0
  request:
    url: https://files.example.com/upload
    method: POST
    headers:
      Content-Type:
      - text/plain
    body: "config:\\n  {key}\\n    {secret}\\n"
  response:
    body: ok
    status: 200 OK
    code: 200
"""


@pytest.mark.parametrize("key", ["password: |", "password: >-", "api_key:"])
def test_a_yaml_value_on_the_next_line_is_redacted(key, tmp_path):
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE.format(key=key, secret=SECRET))
    check = subprocess.run([VCRPROXY, "check", str(cassette)], capture_output=True, text=True,
                           timeout=60)
    subprocess.run([VCRPROXY, "redact", str(cassette)], capture_output=True, text=True,
                   timeout=60)
    assert SECRET not in cassette.read_text(), (
        f"{key!r}: the secret on the next line is still in the cassette after redact: "
        f"{cassette.read_text()}")
    assert check.returncode == 1, f"check before redact: {check.stdout}{check.stderr}"
