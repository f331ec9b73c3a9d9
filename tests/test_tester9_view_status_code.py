"""`code` is the status replay sends (go-vcr's rule: Go's Response.StatusCode; `status` only
gives the reason phrase, flows.reason_phrase). A cassette edited to answer 500 (`code: 500`)
whose `status` text still says `200 OK` replays 500, `check` says so, but the views printed the
stale text: `show` titled it `-> 200 OK`, and `diff` against the 200 original printed
`status: 200 OK -> 200 OK`, a change line whose two sides read the same.

Real parts: the CLI commands, and the real proxy replaying the edited cassette to httpx.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys

import httpx

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CASSETTE = """\
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
    url: https://api.example.invalid/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    body: '[]'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: CODE
    duration: 1ms
"""


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=30)


def test_views_show_the_code_replay_sends(tmp_path, run_proxy, ca_cert):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(CASSETTE.replace("CODE", "200"), encoding="utf-8")
    new.write_text(CASSETTE.replace("CODE", "500"), encoding="utf-8")

    proxy = run_proxy(str(new), "replay")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=20) as client:
        assert client.get("https://api.example.invalid/v1/models").status_code == 500

    for view in ((), ("--plain",)):
        shown = cli("show", *view, str(new))
        assert shown.returncode == 0, shown.stderr
        title = next(line for line in shown.stdout.splitlines() if line.startswith("#0 "))
        assert "-> 500" in title, title

    diffed = cli("diff", str(old), str(new))
    assert diffed.returncode == 1, diffed.stdout + diffed.stderr
    status = [line for line in diffed.stdout.splitlines() if line.strip().startswith("status:")]
    assert status and "500" in status[0], diffed.stdout
