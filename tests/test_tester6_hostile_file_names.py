"""Tester6: cassette file names reach the terminal raw. A name is attacker-controlled input
(a pull request adds `cassettes/...`), and `check`, `show` and `diff` print it as it is at the
start of their lines:

- a newline in the name forges lines: `check cassettes/` over a file named
  `evil\\nfake.yaml: ok (9 interactions)\\nx.yaml` prints a line `fake.yaml: ok (9
  interactions)` of the attacker's choosing;
- an OSC sequence (`ESC ] 0 ; title BEL`, which sets the terminal's title; OSC 52 writes the
  clipboard) goes out as is (a CSI such as `ESC [ 2 J` in the same name is dropped, the OSC
  is not);
- a bidi override (U+202E) reorders the rest of the line.

Round 11 escaped C1 controls and bidi overrides in the views' content and stopped one-line
fields from faking lines; file names in the same lines were left out.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")

CASSETTE = """---
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
    url: https://api.openai.com/v1/models
    method: GET
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: '{"data": []}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""

NAMES = {
    "newline": "evil\nfake.yaml: ok (9 interactions)\nx.yaml",
    "osc-title": "esc\x1b]0;pwned\x07.yaml",
    "bidi-override": "bidi\u202etxt.yaml",
}


@pytest.mark.parametrize("command", ["check", "show", "diff"])
@pytest.mark.parametrize("kind", list(NAMES))
def test_tester6_a_cassette_file_name_cannot_write_to_the_terminal(kind, command, tmp_path):
    folder = tmp_path / "cassettes"
    folder.mkdir()
    path = folder / NAMES[kind]
    path.write_text(CASSETTE)
    args = {"check": [str(folder)], "show": [str(path)], "diff": [str(path), str(path)]}
    got = subprocess.run([VCRPROXY, command, *args[command]], capture_output=True, text=True,
                         timeout=60)
    out = got.stdout + got.stderr
    assert str(folder) in out or "cassettes" in out, out  # (the name was printed)
    assert "fake.yaml: ok (9 interactions)" not in out.splitlines(), out
    bad = [c for c in ("\x1b", "\x07", "\u202e") if c in out]
    assert not bad, f"`{command}` wrote {bad!r} from a file name to the terminal: {out!r}"
