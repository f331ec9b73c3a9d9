"""Tester14: with `--no-redact` (the cassette written as it is, e.g. to debug a recording) the
text about flows leaves the user's own secret names out of its masking: registry.safe masked
with the defaults when the session's redaction was off, so `--redact-query tenant_ref` (a name
the built-in rule does not know) was ignored by the live line (`recorded GET https://...?
tenant_ref=<value>`), the summary and the log. The README: live lines, warnings and the summary
never show "a value the session redacts by name, even with `--no-redact`".

Real CLI, the fake TLS gateway, httpx as the wrapped command.
"""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
TOKEN = "opaqueTok" + "V4lue7731"

CLIENT = """
import httpx, sys
with httpx.Client(timeout=10) as c:
    print(c.get(sys.argv[1]).status_code)
"""


def test_no_redact_text_still_masks_the_users_names(confdir, gateway, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    cassette = tmp_path / "c.yaml"
    done = subprocess.run(
        [VCRPROXY, "record", "--no-redact", "--redact-query", "tenant_ref", str(cassette),
         "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--",
         sys.executable, "-c", CLIENT, f"{gateway.url}/json?tenant_ref={TOKEN}"],
        env=env, capture_output=True, text=True, timeout=90)
    assert done.stdout.strip() == "200", done.stdout + done.stderr[-3000:]
    assert TOKEN in cassette.read_text()  # (--no-redact: written as it is)
    assert "tenant_ref=<REDACTED>" in done.stderr, done.stderr  # (the live line)
    leaked = [line for line in done.stderr.splitlines() if TOKEN in line]
    assert leaked == [], "stderr shows the value:\n" + "\n".join(leaked)
