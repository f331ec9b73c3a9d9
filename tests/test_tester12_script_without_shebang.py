"""Tester12: the README says a wrapped command that cannot be run "exits as a shell's would",
and cli/command.py that `env`, `timeout`, `nice`, `xargs` and bash decide alike. An executable
script without a `#!` line (a project's `run-tests.sh`) is run by all of them with /bin/sh
(execvp's rule for ENOEXEC), but `vcrproxy record C -- ./run-tests.sh` refused it: `cannot run
./run-tests.sh: Exec format error`, exit 126, nothing recorded. Expected: it runs as under
`env` (with its arguments, by path or found on PATH), and its exit code is the run's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
SCRIPT = """\
# no #! line: run by /bin/sh, as execvp, env, timeout and shells do
"$PY" -c "$GET" "$1"
exit "$2"
"""
GET = ("import httpx, os, sys; "
       "print(httpx.get(sys.argv[1], verify=os.environ['SSL_CERT_FILE'], timeout=20).text)")


@pytest.mark.parametrize("by", ["path", "name"])
def test_a_script_without_shebang_runs_as_env_runs_it(gateway, confdir, tmp_path, by):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "run-tests.sh"
    script.write_text(SCRIPT)
    script.chmod(0o755)
    url = gateway.url + "/json?size=20"
    env = {**os.environ, "VCRPROXY_CONFDIR": confdir, "PY": sys.executable, "GET": GET,
           "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    assert subprocess.run(["env", str(script), url, "0"], env={**env, "SSL_CERT_FILE": ""},
                          capture_output=True, timeout=60).returncode != 126  # (env runs it)
    cassette = tmp_path / "c.yaml"
    argv0 = str(script) if by == "path" else "run-tests.sh"
    got = subprocess.run([VCRPROXY, "record", str(cassette), "--set",
                          f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--", argv0, url,
                          "5"], capture_output=True, text=True, timeout=120, env=env)
    assert got.returncode == 5, got.stderr  # the script's own code
    assert '{"pad"' in got.stdout, got.stdout + got.stderr
    assert "recorded 1" in got.stderr, got.stderr
