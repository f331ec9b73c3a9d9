"""A cassette name too long for the file system is reported as "permission denied".

`vcrproxy record <300-char name>.yaml -- CMD` (a test id turned into a cassette name, as the
pytest plugin and per-test proxy URLs do) fails with "cannot read it (permission denied)": the
user goes looking at file modes. modes.probe maps every OSError but ELOOP from os.stat to
UNREADABLE; `check` and `show` on the same path say "File name too long". Real CLI.
"""

from __future__ import annotations

import pytest
from test_cli_sessions import base_env, vcr  # noqa: F401  (fixtures)


@pytest.mark.parametrize("command", ["record", "replay"])
def test_a_name_too_long_is_not_called_permission_denied(vcr, tmp_path, command):  # noqa: F811
    path = tmp_path / ("n" * 300 + ".yaml")
    got = vcr(command, path, "--", "true")
    assert got.returncode != 0
    assert "permission denied" not in got.stderr and "too long" in got.stderr, got.stderr
