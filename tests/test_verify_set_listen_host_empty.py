"""Verify: `--set listen_host=` (an unset variable in `--set listen_host=$HOST`) listens on every
interface and exports HTTPS_PROXY=http://0.0.0.0:PORT.

README: "An empty path or value (... `--host ""` ...) is a one-line usage error (exit 2) in every
command, not the default cassette, root or every interface." The fix for `--host ""` (e43f79b)
left its twin, the passed-through mitmproxy option `--set listen_host=`, meaning every interface.

Expected: a one-line usage error naming the empty value, the command not run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")


def test_an_empty_listen_host_set_is_a_usage_error(confdir, tmp_path):
    marker = tmp_path / "ran"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir)
    got = subprocess.run(
        [VCRPROXY, "run", "--set", "listen_host=", "--allow-no-traffic", str(tmp_path / "c.yaml"),
         "--", sys.executable, "-c",
         f"import os; open({str(marker)!r}, 'w').write(os.environ['HTTPS_PROXY'])"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    ran = marker.read_text() if marker.exists() else None
    assert ran is None, f"--set listen_host= was accepted; the command ran with HTTPS_PROXY={ran}"
    assert got.returncode == 2, got.stderr
    assert "empty" in got.stderr and "Traceback" not in got.stderr, got.stderr
