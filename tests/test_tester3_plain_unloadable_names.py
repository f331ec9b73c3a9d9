"""Tester3: `vcrproxy show --plain` (git's textconv) of a cassette that does not load prints the
values under credential names as they are. The README: "a file that does not load is shown as
it is (with a note on stderr, secrets masked)", and every view masks "values under credential
names (headers, query, JSON fields...)". A cassette with merge-conflict markers (the everyday
way a committed cassette stops loading: `git diff` / `git show` during a merge run textconv on
it) recorded elsewhere with `--no-redact` or by plain go-vcr: the Azure `Api-Key` header, the
`Cookie` and a JSON `password` are printed (only the URL's `?key=` and key shapes are masked).
"""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
AZURE_KEY = "3f9a1c7e5b2d4068" + "a9c1e3f5b7d90a2c"
SESSION = "Yy7otherSecret" + "Value99"
PASSWORD = "Zq8hunter2" + "Secret77"

CASSETTE = f"""---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 34
    host: ""
    body: '{{"user": "bob", "password": "{PASSWORD}"}}'
    headers:
      Api-Key:
      - {AZURE_KEY}
      Cookie:
      - session={SESSION}
      Content-Type:
      - application/json
    url: https://acme.openai.azure.com/openai/deployments/gpt-4o/chat/completions
    method: POST
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
<<<<<<< HEAD
    body: '{{"choices": []}}'
=======
    body: '{{"choices": [], "usage": {{}}}}'
>>>>>>> feature
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 120ms
"""


def test_plain_view_of_an_unloadable_cassette_masks_named_values(tmp_path):
    cassette = tmp_path / "conflicted.yaml"
    cassette.write_text(CASSETTE)
    got = subprocess.run([VCRPROXY, "show", "--plain", str(cassette)], capture_output=True,
                         text=True, timeout=60)
    assert "showing the file as it is" in got.stderr, got.stderr  # (the fallback path)
    assert "acme.openai.azure.com" in got.stdout  # (the file is shown)
    leaked = [name for name, v in (("Api-Key", AZURE_KEY), ("Cookie", SESSION),
                                   ("password", PASSWORD)) if v in got.stdout]
    assert leaked == [], f"show --plain printed {leaked}"
