"""Verify16: siblings of tester12's key names in unknown mappings (bfccb6d). A cassette's
unknown keys are kept and written back; a key pasted where a name belongs must neither be
quoted by `vcrproxy check` (its findings reach CI logs; an interaction's unknown key is already
described, never quoted: schema.quoted_name) nor kept by `vcrproxy redact`, and scrubbing names
must lose no entry when two names read the same once masked."""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = "sk-proj-" + "Zq8K9QW2ZP7xqLm4Vn6Bt3Rc5Yd1Hf0Gj2Ks8Lp4Mw6"
KEY2 = "sk-proj-" + "Aa1K9QW2ZP7xqLm4Vn6Bt3Rc5Yd1Hf0Gj2Ks8Lp4Mw9"
INTERACTION = """\
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
    url: https://api.example.com/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    body: '{}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 5ms
"""


def _run(*args):
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60)


def test_check_describes_a_top_level_key_named_as_a_secret(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(INTERACTION + f"{KEY}: rotated in March\n")
    got = _run("check", str(path))
    assert got.returncode == 1, got.stderr
    assert "unknown top-level key" in got.stderr, got.stderr
    assert KEY not in got.stdout + got.stderr, got.stderr


def test_redact_keeps_both_entries_whose_names_mask_the_same(tmp_path):
    # Two keys named in `notes:` both read `<REDACTED>` once masked: the first entry was
    # overwritten by the second, its note silently lost from the file.
    path = tmp_path / "c.yaml"
    path.write_text(INTERACTION + f"notes:\n  {KEY}: rotated in March\n"
                    f"  {KEY2}: the one this was recorded with\n  team: ml-infra\n")
    got = _run("redact", str(path))
    assert got.returncode == 0, got.stderr
    text = path.read_text()
    assert KEY not in text and KEY2 not in text, text
    for kept in ("rotated in March", "the one this was recorded with", "team: ml-infra"):
        assert kept in text, text


def test_redact_scrubs_a_top_level_and_an_interaction_key_named_as_a_secret(tmp_path):
    # bfccb6d scrubbed the names inside an unknown key's mapping, not the unknown key's own
    # name: `sk-proj-...: note` at the top level or in an interaction stayed, and redact said
    # `0 secret(s) redacted`.
    path = tmp_path / "c.yaml"
    text = INTERACTION.replace("- id: 0\n", f"- id: 0\n  {KEY2}: per interaction\n")
    path.write_text(text + f"{KEY}: rotated in March\n")
    got = _run("redact", str(path))
    assert got.returncode == 0, got.stderr
    text = path.read_text()
    assert KEY not in text and KEY2 not in text, text
    assert "rotated in March" in text and "per interaction" in text, text
    assert "0 secret(s)" not in got.stdout + got.stderr, got.stdout + got.stderr
