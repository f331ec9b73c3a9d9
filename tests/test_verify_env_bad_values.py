"""Verify: the neighbours of 4a295fa (a bad choice from the environment is one line naming the
variable). A bad non-choice value from the environment (VCRPROXY_PORT=abc, VCRPROXY_PORT=99999,
VCRPROXY_FAULT_SEED=x, VCRPROXY_REDACT=maybe, VCRPROXY_PREFER_H2=perhaps) is still click's
"Invalid value for '--port'" under the usage text: several lines, naming an option the user
never typed. Expected: one line naming the variable, exit 2, as VCRPROXY_MODE=bogus now gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")


@pytest.mark.parametrize("var,value", [
    ("VCRPROXY_PORT", "abc"), ("VCRPROXY_PORT", "99999"), ("VCRPROXY_FAULT_SEED", "x"),
    ("VCRPROXY_REDACT", "maybe"), ("VCRPROXY_PREFER_H2", "perhaps"),
])
def test_a_bad_environment_value_names_its_variable(var, value, confdir, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.upper().endswith("_PROXY") and not k.startswith("VCRPROXY_")}
    env.update({"VCRPROXY_CONFDIR": confdir, var: value})
    got = subprocess.run([VCRPROXY, "run", "--allow-no-traffic", str(tmp_path / "c.yaml"), "--",
                          "true"], env=env, capture_output=True, text=True, timeout=60)
    lines = got.stderr.strip().splitlines()
    assert got.returncode == 2, got.stderr
    assert len(lines) == 1 and var in lines[0], lines
