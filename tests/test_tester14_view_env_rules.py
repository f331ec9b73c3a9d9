"""Tester14: the cassette views (`vcrproxy show`, `show --plain` for git's textconv, `diff`) mask
with the default rules only, while `check` and `redact` take the session's from the same
VCRPROXY_REDACT_* variables. A cassette written as it is (`--no-redact`, or by plain go-vcr)
with a value under a name the user declared (`VCRPROXY_REDACT_QUERY=tenant_ref`, exported for
every session) is flagged by `vcrproxy check`, but `vcrproxy show` prints the value into the
terminal, the CI log or a `git diff`.

Real CLI: a recording with --no-redact through the fake TLS gateway, then the views.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
TOKEN = "opaqueTok" + "V4lue7731"
CLIENT = """
import httpx, sys
with httpx.Client(timeout=10) as c:
    print(c.get(sys.argv[1]).status_code)
"""


@pytest.fixture
def unredacted(confdir, gateway, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.upper().endswith("_PROXY") and not k.startswith("VCRPROXY_")}
    env["VCRPROXY_CONFDIR"] = confdir
    cassette = tmp_path / "c.yaml"
    done = subprocess.run(
        [VCRPROXY, "record", "--no-redact", str(cassette),
         "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--",
         sys.executable, "-c", CLIENT, f"{gateway.url}/echo?plain=1&tenant_ref={TOKEN}"],
        env=env, capture_output=True, text=True, timeout=90)
    assert done.stdout.strip() == "200", done.stdout + done.stderr[-3000:]
    assert TOKEN in cassette.read_text()
    env["VCRPROXY_REDACT_QUERY"] = "tenant_ref"  # (the user's setting for every session)
    return cassette, env


def _run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([VCRPROXY, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("view", [["show"], ["show", "--plain"], ["show", "--json"], ["diff"]])
def test_views_mask_what_the_sessions_variables_name(unredacted, view):
    cassette, env = unredacted
    check = _run(env, "check", str(cassette))
    assert check.returncode == 1 and "tenant_ref" in check.stdout + check.stderr  # (flagged)
    args = [*view, str(cassette)]
    if view == ["diff"]:  # (two cassettes that differ: the second without the interaction)
        other = cassette.with_name("other.yaml")
        other.write_text("---\nversion: 2\ninteractions: []\n")
        args = ["diff", str(cassette), str(other)]
    done = _run(env, *args)
    assert done.returncode in (0, 1), done.stderr
    assert "tenant_ref" in done.stdout, done.stdout[-2000:]  # (the URL is in the view)
    assert TOKEN not in done.stdout + done.stderr, done.stdout[-2000:]
