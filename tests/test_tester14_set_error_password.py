"""Tester14: a bad `--set` prints the corporate proxy's password. Behind a company proxy one
passes mitmproxy's upstream options through (README: "Any mitmproxy option passes through"):
`--set mode=upstream:$HTTPS_PROXY` with the usual `http://user:password@host:port` (mitmproxy
takes no credentials in a mode's URL: an error), or a good `--set upstream_auth=user:password`
beside a typo in another `--set`. The one-line error quotes every `--set` item as typed,
`Error: --set mode=upstream:http://alice:<password>@corp:3128, upstream_auth=bob:<password>:
Invalid proxy mode specification: ...`, and mitmproxy's own message quotes the value again: the
password goes to the terminal and the CI log. The same line fails a pytest run started with
`--vcrproxy-set`. Real CLI and pytest plugin (the proxy's start fails before any traffic).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
PASSWORD = "Corp" + "P4ssw0rd" + "77zz"
AUTH = "Bob" + "Secr3t" + "99yy"

CASES = {
    "password in the mode's URL": [f"mode=upstream:http://alice:{PASSWORD}@corp.example:3128",
                                   f"upstream_auth=bob:{AUTH}"],
    "typo beside upstream_auth": [f"upstream_auth=bob:{AUTH}", "ssl_insecure=maybe"],
    "upstream_auth without its colon": [f"upstream_auth=bob{AUTH}"],
}


def _env(confdir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    return env


def _leaks(text: str) -> list[str]:
    return [s for s in (PASSWORD, AUTH) if s in text]


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_set_error_shows_no_password(confdir, tmp_path, case):
    args = [a for item in CASES[case] for a in ("--set", item)]
    done = subprocess.run([VCRPROXY, "record", *args, str(tmp_path / "c.yaml"), "--",
                           sys.executable, "-c", "pass"],
                          env=_env(confdir), capture_output=True, text=True, timeout=60)
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "--set" in out, out  # (the error still names the --set)
    assert not _leaks(out), f"the error shows a password: {out}"


def test_pytest_plugin_set_error_shows_no_password(confdir, tmp_path):
    (tmp_path / "test_one.py").write_text("def test_one(vcrproxy):\n    pass\n")
    sets = [a for item in CASES["password in the mode's URL"]
            for a in ("--vcrproxy-set", item)]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:xdist", "-p", "no:randomly", *sets, "test_one.py"],
                          cwd=tmp_path, env=_env(confdir), capture_output=True, text=True,
                          timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "mode" in out, out
    assert not _leaks(out), f"pytest's output shows a password: {out[-3000:]}"
