"""Tester: README commands run as written, in a real bash, with the real CLI.

The README's background form is `eval "$(vcrproxy replay --background C)"` ... `eval "$(vcrproxy
stop)"`, and says `stop` "exits with its code (3 if replay missed)". As written, the code is
lost: `eval` returns the status of the last command `stop` printed (an `unset`), so a CI script
with `set -e` passes although replay missed (or no session was running at all).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from test_background import CLIENT, URL, cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def _bash(script: str, confdir: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, VCRPROXY=VCRPROXY, PY=sys.executable)
    env.pop("VCRPROXY_PID", None)
    return subprocess.run(["bash", "-c", textwrap.dedent(script)], env=env, capture_output=True,
                          text=True, timeout=60)


def test_eval_stop_as_in_the_readme_fails_a_set_e_script_when_replay_missed(confdir, tmp_path):
    path = cassette(tmp_path / "c.yaml")
    got = _bash(f"""
        set -e
        eval "$("$VCRPROXY" replay --background {path})"
        {CLIENT} {URL}-not-recorded
        trap 'echo "after stop: ${{HTTPS_PROXY:-unset}} ${{VCRPROXY_PID:-unset}}"' EXIT
        eval "$("$VCRPROXY" stop)"
        echo "script went on"
    """, confdir)
    assert "400 1" in got.stdout, got.stdout + got.stderr  # the miss happened
    # the exports were unset, as the README says, before the script ended (set -e ends it at
    # the failing eval: the EXIT trap looks at them)
    assert "after stop: unset unset" in got.stdout, got.stdout
    assert "missed 1" in got.stderr
    assert got.returncode == 3 and "script went on" not in got.stdout, (
        f"exit {got.returncode}: eval \"$(vcrproxy stop)\" swallowed stop's exit code 3")


def test_eval_stop_with_no_session_fails_a_set_e_script(confdir, tmp_path):
    got = _bash("""
        set -e
        eval "$("$VCRPROXY" stop)"
        echo "script went on"
    """, confdir)
    assert "no background vcrproxy is running" in got.stderr
    assert got.returncode != 0 and "script went on" not in got.stdout
