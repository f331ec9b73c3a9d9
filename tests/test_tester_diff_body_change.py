"""Tester: `vcrproxy diff OLD NEW` says "no differences (... 1 unchanged)" and exits 0 when a
re-recording changed the response body of an exchange that is no chat/messages answer: an
OpenAI embeddings vector, a JSON tool/API answer, a binary body. Replay serves the new body,
yet the README's reviewer tool ("what a re-recording changed; exit 1 if any"; `--help`: "Exit
0 when equal, 1 when they differ") calls the two cassettes equal, so a CI gate on `diff` lets
the change through unseen.

Expected: exit 1 and a line for the interaction whose response body changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")

EMBEDDINGS = """version: 2
interactions:
- id: 0
  request:
    url: https://api.openai.com/v1/embeddings
    method: POST
    headers:
      Content-Type:
      - application/json
    body: '{{"model":"text-embedding-3-small","input":"hello"}}'
  response:
    headers:
      Content-Type:
      - application/json
    body: '{answer}'
    status: 200 OK
    code: 200
"""
ANSWER = ('{{"object":"list","data":[{{"object":"embedding","index":0,"embedding":[{v},0.2]}}],'
          '"model":"text-embedding-3-small","usage":{{"prompt_tokens":1,"total_tokens":1}}}}')
PLAIN = """version: 2
interactions:
- id: 0
  request:
    url: https://tools.example.com/weather?city=Lisbon
    method: GET
  response:
    headers:
      Content-Type:
      - {ctype}
    body: {v}
    status: 200 OK
    code: 200
"""
CASES = {
    "embeddings": tuple(EMBEDDINGS.format(answer=ANSWER.format(v=v)) for v in ("0.1", "0.9")),
    "json-api": (PLAIN.format(ctype="application/json", v="'{\"temp_c\": 21}'"),
                 PLAIN.format(ctype="application/json", v="'{\"temp_c\": 35}'")),
    "binary": (PLAIN.format(ctype="application/octet-stream", v="!!binary AAEC"),
               PLAIN.format(ctype="application/octet-stream", v="!!binary AAED")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_diff_reports_a_changed_response_body(case, tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(CASES[case][0])
    new.write_text(CASES[case][1])
    got = subprocess.run([VCRPROXY, "diff", str(old), str(new)], capture_output=True,
                         text=True, timeout=60)
    assert "Traceback" not in got.stderr, got.stderr
    assert got.returncode == 1, got.stdout + got.stderr
    assert "no differences" not in got.stdout, got.stdout
