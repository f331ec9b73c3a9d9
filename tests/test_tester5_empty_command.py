"""Tester5: `vcrproxy replay c.yaml -- $CMD` with CMD unset or empty (a CI script's variable)
leaves a bare `--` with nothing after it, which vcrproxy reads as no command at all: it starts
a standalone session, prints the exports and waits for Ctrl-C for ever (the CI job hangs
until its own timeout; nothing ran, nothing was tested). The README makes an empty path or
value a one-line usage error for this very reason (an unset variable). Expected: a `--` with
no command after it is a one-line usage error (exit 2), at once, in record, replay and run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


@pytest.mark.parametrize("command", ["record", "replay", "run"])
def test_a_dash_dash_without_a_command_is_a_usage_error(command, tmp_path, confdir):
    path = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="GET", url="https://api.example.invalid/json", body=""),
        Response(code=200, status="200 OK", body="{}",
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    proc = subprocess.Popen([VCRPROXY, command, str(path), "--"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=8)
    except subprocess.TimeoutExpired:
        proc.terminate()
        out, err = proc.communicate(timeout=8)
        pytest.fail(f"`vcrproxy {command} c.yaml --` still running after 8 s (a standalone "
                    f"session):\n{err}")
    assert proc.returncode == 2, err
    assert len(err.strip().splitlines()) == 1 and "export " not in out, (out, err)
