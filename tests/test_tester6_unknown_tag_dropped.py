"""Tester6: a cassette whose last interaction has a value with a YAML tag the loader does not
know (`!binary`, Ruby VCR's spelling of go-vcr's `!!binary`; any `!tag`) is taken for a torn
append: `vcrproxy redact` says "dropped incomplete interaction 1 ... (file cut off mid-write)",
"0 secret(s) redacted", exits 0 and rewrites the file without that interaction (`replay`
drops it too and runs). The file was not cut off: it ends whole. Round 11 fixed the same loss
for a hand-edited open quote ("an error, no longer dropped as a torn append"); a tag is
another way a hand edit, or a file converted from Ruby VCR, reaches it.
"""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")

INTERACTION = """\
- id: {id}
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: ""
    url: https://api.openai.com/v1/models/{id}
    method: GET
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: {body}
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""

CASSETTE = ("---\nversion: 2\ninteractions:\n"
            + INTERACTION.format(id=0, body="'{\"id\": \"gpt-4o\"}'")
            + INTERACTION.format(id=1, body="!binary 'eyJpZCI6ICJvMyJ9'"))


def test_tester6_redact_never_drops_a_whole_interaction_with_an_unknown_tag(tmp_path):
    cassette = tmp_path / "models.yaml"
    cassette.write_text(CASSETTE)
    got = subprocess.run([VCRPROXY, "redact", str(cassette)], capture_output=True, text=True,
                         timeout=60)
    after = cassette.read_text()
    kept = "models/1" in after
    assert kept or (got.returncode != 0 and after == CASSETTE), (
        f"redact exited {got.returncode} and rewrote the file without interaction 1:\n"
        f"{got.stderr}\n{after}")
