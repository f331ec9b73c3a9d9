"""Verify: the request-side neighbour of b336434/d0e698b (show --plain compares non-chat bodies).

`show --plain`, the README's git textconv, now prints a non-chat exchange's response body, but
not its request body: two cassettes whose recorded requests differ (a tool call's JSON arguments,
an embeddings input, a form, a binary upload) print the same text, so `git diff` of the
re-recorded cassette shows nothing, though replay matches on the request body (a live request
that matched the old one now misses). `vcrproxy diff` reports the same change ('request: body:
$.city differs'). Expected: the plain views differ."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = """version: 2
interactions:
- id: 0
  request:
    url: https://tools.example.com/weather
    method: POST
    headers:
      Content-Type:
      - {ctype}
    body: {body}
  response:
    headers:
      Content-Type:
      - application/json
    body: '{{"temp_c": 21}}'
    status: 200 OK
    code: 200
"""
CASES = {
    "json": ("application/json", "'{\"city\": \"Lisbon\"}'", "'{\"city\": \"Porto\"}'"),
    "form": ("application/x-www-form-urlencoded", "'city=Lisbon'", "'city=Porto'"),
    "binary": ("application/octet-stream", "!!binary AAEC", "!!binary AAED"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_show_plain_shows_a_changed_request_body(case, tmp_path):
    ctype, *bodies = CASES[case]
    views = []
    for n, body in enumerate(bodies):
        path = tmp_path / f"c{n}.yaml"
        path.write_text(CASSETTE.format(ctype=ctype, body=body))
        got = subprocess.run([VCRPROXY, "show", "--plain", str(path)], capture_output=True,
                             text=True, timeout=60)
        assert got.returncode == 0, got.stderr
        views.append(got.stdout)
    assert views[0] != views[1], f"same plain view for different request bodies:\n{views[0]}"
