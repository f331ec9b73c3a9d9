"""Tester8: `vcrproxy stop` exits with the background session's code, but that code is computed
from misses alone (`MISS_EXIT if missed else 0`): what `record/replay -- CMD` turns into exit 3
is dropped for a background session.

- An exchange that failed upstream while recording (nothing recorded for it): `vcrproxy record
  c.yaml -- curl ...` exits 3, `eval "$(vcrproxy record --background c.yaml)"; curl ...;
  eval "$(vcrproxy stop)"` exits 0, so a `set -e` CI script carries on with a cassette that
  lacks the exchange (the summary even says `failed 1`).
- `--strict` (accepted with --background): an unused recorded interaction gives 3 with a
  command, 0 through `stop`.

README: "`eval "$(vcrproxy stop)"` ... fails as stop does"; "Exit code: ... if it succeeded but
replay missed, or an exchange failed upstream while recording (nothing recorded for it), 3
(... `--strict` also gives 3 when recorded interactions were left unused)". Expected: stop exits
3 in both cases, as the same session with a command does."""

from __future__ import annotations

import socket

import pytest
from test_background import cassette, shell


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("case", ["upstream-failed", "strict-unused"])
def test_tester8_stop_exit_code_matches_the_command_rules(confdir, tmp_path, case):
    if case == "upstream-failed":
        start = f'record --background {tmp_path / "rec.yaml"}'
        client = (f'"$PY" -c \'import httpx; print(httpx.get("https://127.0.0.1:{_closed_port()}'
                  f'/x", timeout=10).status_code)\'')
    else:
        start = f'replay --background --strict {cassette(tmp_path / "c.yaml")}'
        client = "true"  # the one recorded interaction is left unused
    got = shell(f"""
        eval "$("$VCRPROXY" {start})" || exit 9
        {client}
        "$VCRPROXY" stop > /dev/null
        echo "stop $?"
    """, confdir)
    assert "stop 3" in got.stdout.splitlines(), got.stdout + got.stderr
