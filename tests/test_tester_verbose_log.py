"""Tester: `vcrproxy record -v` (debug logging, what one turns on in CI to see a failure) prints
every HTTP/2 header the proxy decodes or encodes, keys included: the `hpack` library logs
`Decoded (b'authorization', b'Bearer sk-...')` and `Adding b'x-api-key'=... to the header table`
at DEBUG, and the CLI's handler passes them to stderr without redaction. (tests/test_secrets_e2e
leaves `hpack` records out of its log check as "the test's own client", which hides this.)
Real CLI, real fake gateway over h2, an httpx h2 client as the wrapped command.
"""

from __future__ import annotations

import os
import subprocess
import sys

from fakegateway import FakeGateway
from secret_shapes import SHAPE_EXAMPLES

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = SHAPE_EXAMPLES["openai"]
OPAQUE = "opaqueSecretV4lue" + "77"  # only its header name gives it away

CLIENT = """
import httpx, os, sys
with httpx.Client(http2=True, timeout=10) as c:
    r = c.get(sys.argv[1], headers={"Authorization": "Bearer " + os.environ["T_KEY"],
                                    "X-Api-Key": os.environ["T_OPAQUE"]})
    print(r.status_code, r.http_version)
"""


def test_verbose_recording_over_h2_logs_no_secret(confdir, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, T_KEY=KEY, T_OPAQUE=OPAQUE)
    with FakeGateway() as gw:
        got = subprocess.run(
            [VCRPROXY, "record", "-v", str(tmp_path / "v.yaml"),
             "--set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}", "--",
             sys.executable, "-c", CLIENT, f"{gw.url}/json"],
            env=env, capture_output=True, text=True, timeout=60)
    assert got.stdout.strip() == "200 HTTP/2", got.stdout + got.stderr[-2000:]
    leaked = [line[:120] for line in got.stderr.splitlines() if KEY in line or OPAQUE in line]
    assert leaked == [], "\n".join(leaked)
