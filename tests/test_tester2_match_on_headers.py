"""`--match-on method,url,body,headers` without `--match-headers` compares no header at all.

`headers` is one of the parts `--match-on` accepts (README's option table: "method, url, ...,
body, headers"), yet with no header named the part is always equal: a request whose header
differs from the recording's (a tenant, an API version, `anthropic-beta`) is replayed as if it
matched, and the run passes. A test cannot fail where the user asked for a comparison.
Expected: either the headers are compared (a miss, exit 3) or the option is a one-line usage
error saying to name them with `--match-headers`; not a silent match.
"""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")

CASSETTE = """\
---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 7
    host: ""
    body: '{"x":1}'
    headers:
      Content-Type:
      - application/json
      X-Tenant:
      - tenant-a
    url: https://api.openai.com/v1/chat/completions
    method: POST
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
    duration: 1ms
"""

CLIENT = """\
import httpx
with httpx.Client(timeout=20) as c:
    r = c.post("https://api.openai.com/v1/chat/completions", json={"x": 1},
               headers={"X-Tenant": "tenant-b"})
    print(r.status_code)
"""


def test_match_on_headers_without_names_is_not_a_silent_match(confdir, tmp_path):
    (tmp_path / "c.yaml").write_text(CASSETTE)
    (tmp_path / "client.py").write_text(CLIENT)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    got = subprocess.run(
        [VCRPROXY, "replay", "c.yaml", "--match-on", "method,url,body,headers", "--",
         sys.executable, "client.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    silently_matched = got.returncode == 0 and got.stdout.strip() == "200"
    assert not silently_matched, (
        "X-Tenant: tenant-b was answered with the recording of X-Tenant: tenant-a under "
        f"--match-on ...,headers, and the run passed:\n{got.stderr}"
    )
    assert "Traceback" not in got.stderr, got.stderr
