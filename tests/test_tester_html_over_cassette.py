"""`vcrproxy show --html a.yaml b.yaml` replaces the cassette a.yaml with b.yaml's HTML report.

`--plain`, `--json` and `--raw` beside it are flags; `--html` takes the output path. A user who
types it as a flag before two cassettes (or `--html` then the cassette twice, as
`show --html "$C" "$C"` from a script) gets exit 0, "wrote a.yaml (N interactions)", and a
cassette recorded from a real API turned into HTML for good: nothing checks that OUT is a
cassette (go-vcr `version: 2` YAML) before replacing it. Real CLI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from vcrproxy import load_cassette

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
REF = os.path.join(os.path.dirname(__file__), "..", "cassettes")


def test_html_output_never_replaces_a_cassette(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    shutil.copy(os.path.join(REF, "openai-responses-simple.yaml"), a)
    shutil.copy(os.path.join(REF, "gemini-simple-streaming.yaml"), b)
    before = a.read_bytes()
    got = subprocess.run([EXE, "show", "--html", str(a), str(b)], capture_output=True, text=True,
                         timeout=30)
    after = a.read_bytes()
    assert after == before, (
        f"exit {got.returncode}, {got.stderr.strip()!r}: the cassette a.yaml now starts "
        f"{after[:40]!r}"
    )
    assert len(load_cassette(str(a)).interactions) == 1
