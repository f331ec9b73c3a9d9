"""Tester6: URLs written back to back with a query (`https://a.b/?token=https://a.b/?token=...`)
take super-linear time to redact, in `vcrproxy check` (and `redact`, `show`, and recording,
where the client's response waits for the interaction to be written): 400 KB take about 30 s
(160 KB: 3 s per pass); the same URLs separated by spaces are linear (745 KB: 0.4 s).
"""


from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")

RUNS = {"back-to-back-urls": "https://a.b/?token=" * 21_000}  # 400 KB

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
    body: {body}
    headers:
      Content-Type:
      - application/json
    url: https://api.openai.com/v1/chat/completions
    method: POST
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: '{{"choices": []}}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""


@pytest.mark.parametrize("kind", list(RUNS))
def test_tester6_check_of_back_to_back_urls_is_linear(kind, tmp_path):
    body = json.dumps({"messages": [{"role": "user", "content": RUNS[kind]}]})
    cassette = tmp_path / "run.yaml"
    cassette.write_text(CASSETTE.format(body=json.dumps(body)))
    try:
        got = subprocess.run([VCRPROXY, "check", str(cassette)], capture_output=True, text=True,
                             timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`vcrproxy check` of a 400 KB {kind} body ran past 10 s")
    assert "Traceback" not in got.stderr, got.stderr[-2000:]
