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

from conftest import proxied_client

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


def test_no_redact_miss_text_hides_a_user_named_headers_value(run_proxy, gateway, ca_cert,
                                                              tmp_path):
    """The miss explanation of a session recording unredacted (`--no-redact`, replaying what it
    has) hides the values the live request carries under the user's header names, as it does
    with redaction on: its matcher used the defaults, so an X-Tenant value the body quotes was
    in the 400 answer and the summary."""
    value = "hdrSecret" + "Q9w8e7"
    cassette = tmp_path / "chat.yaml"
    url = f"{gateway.url}/v1/chat/completions"
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}
    proxy = run_proxy(cassette, "record", redact=False, redact_headers=["X-Tenant"])
    with proxied_client(proxy, ca_cert) as client:
        assert client.post(url, json=body).status_code == 200
    proxy.stop()
    replay = run_proxy(cassette, "replay", redact=False, redact_headers=["X-Tenant"])
    live = {**body, "messages": [{"role": "user", "content": f"my tenant is {value}"}]}
    with proxied_client(replay, ca_cert) as client:
        r = client.post(url, json=live, headers={"X-Tenant": value})
    explanations = [e for s in replay.vcr.sessions.values() for e in s.stats.explanations]
    replay.stop()
    assert r.status_code == 400 and "differs" in r.text, r.text
    for where, text in (("the 400 answer", r.text), ("the summary", "\n".join(explanations))):
        assert value not in text, f"{where} shows the X-Tenant value: {text}"
