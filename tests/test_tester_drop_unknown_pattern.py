"""Tester: `--redact-patterns -NAME` drops a built-in pattern (README: "-NAME drops a built-in
pattern, e.g. -bearer"). A NAME that is not one (`-azure`: the built-ins are `azure-ad` and
`azure-storage`; any typo) is silently taken as a regular expression instead, the literal text
`-azure`, which then "redacts" ordinary text: an Azure OpenAI URL
`https://my-azure.openai.azure.com/...` becomes `https://my<REDACTED>.openai.azure.com/...`
in the cassette (`redact`, and recording with the same option), and `check` reports the URL as
holding a secret. The user asked to redact less and got a broken cassette.

Expected: an entry starting with `-` that names no built-in pattern is refused (one line
naming it, non-zero exit, the cassette untouched), never used as a pattern."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
URL = "https://my-azure.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
CASSETTE = f"""version: 2
interactions:
- id: 0
  request:
    url: {URL}
    method: POST
  response:
    body: ok
    status: 200 OK
    code: 200
"""


@pytest.mark.parametrize("command", ["redact", "check"])
def test_dropping_an_unknown_builtin_pattern_is_not_a_pattern(command, tmp_path):
    path = tmp_path / "azure.yaml"
    path.write_text(CASSETTE)
    got = subprocess.run([VCRPROXY, command, "--redact-patterns", "-azure", str(path)],
                         capture_output=True, text=True, timeout=60)
    assert "Traceback" not in got.stderr
    assert path.read_text() == CASSETTE, "the URL was redacted by the text '-azure'"
    out = got.stdout + got.stderr
    assert "custom pattern" not in out, out  # check: no "secret" in the URL
    assert got.returncode != 0 and "azure" in got.stderr, (got.returncode, got.stdout,
                                                           got.stderr)
