"""Tester: empty option values from unset shell variables.

README: "An empty path (`vcrproxy record "$CASSETTE"` with the variable unset, `--confdir ""`)
is a one-line usage error (exit 2) in every command, not the default cassette." But
`--cassette-dir "$DIR"` with DIR unset is accepted and silently means the default root (the
cassette's folder): per-test cassettes named in proxy URLs land beside the default cassette.

And `--host "$HOST"` with HOST unset makes the proxy listen on every interface (0.0.0.0 and
[::]) and export `HTTPS_PROXY=http://[::]:PORT`, where the README says it "listens on
127.0.0.1 unless told otherwise" (`VCRPROXY_HOST=` empty does give 127.0.0.1).

Expected: both are the one-line empty-value usage error, exit 2, and the command is not run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")


@pytest.mark.parametrize("option", ["--cassette-dir", "--host"])
def test_an_empty_option_value_is_a_usage_error(option, confdir, tmp_path):
    marker = tmp_path / "ran"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir)
    got = subprocess.run(
        [VCRPROXY, "run", option, "", "--allow-no-traffic", str(tmp_path / "c.yaml"), "--",
         sys.executable, "-c",
         f"import os; open({str(marker)!r}, 'w').write(os.environ['HTTPS_PROXY'])"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    ran = marker.read_text() if marker.exists() else None
    assert ran is None, f"{option} '' was accepted; the command ran with HTTPS_PROXY={ran}"
    assert got.returncode == 2, got.stderr
    assert "empty" in got.stderr and "Traceback" not in got.stderr, got.stderr
