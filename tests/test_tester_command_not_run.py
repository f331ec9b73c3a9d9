"""A wrapped command that cannot be run exits 1, and one that is not executable is "not found".

`vcrproxy record c.yaml -- CMD` passes the command's exit code on (README: "Exit code: the
command's"). When CMD does not exist it exits 1, the code of any failing test run, where every
wrapper of its kind (`env`, `timeout`, `nice`, `xargs`, shells) exits 127, and 126 for a file that
is not executable; for /etc/passwd it says "command not found" though the file is there. A CI
step cannot tell a missing `npm`/`pytest` from failing tests. Real CLI.
"""

from __future__ import annotations

import pytest
from test_cli_sessions import base_env, vcr  # noqa: F401  (fixtures)


@pytest.mark.parametrize("command,code", [("no-such-command-xyz", 127), ("/etc/passwd", 126)])
def test_a_command_that_cannot_run_exits_as_env_does(vcr, tmp_path, command, code):  # noqa: F811
    got = vcr("record", tmp_path / "c.yaml", "--", command)
    assert got.returncode == code, f"exit {got.returncode}: {got.stderr.strip()}"
    if code == 126:
        assert "not found" not in got.stderr, got.stderr
