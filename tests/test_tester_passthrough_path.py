"""Tester: `passthrough` is a plain proxy that touches no cassette (README: a bad cassette path
is an error at start "in every mode but passthrough"; a folder or a FIFO there is indeed
ignored). But a cassette path under a regular file (`notes.txt/c.yaml`) makes the session's
start stat it (`store.file_stamp` catches FileNotFoundError only): NotADirectoryError escapes
as `Error: Addon error: [Errno 20] Not a directory: ...` (with a Python traceback under -v),
exit 1, and the command never runs. The pytest plugin's shared proxy (passthrough, its
`_unnamed.yaml` under the cassette root) fails the same way for every test when
`--vcrproxy-dir` names a file, with the traceback in each test's error. A symlink loop
(`Addon error: [Errno 40] Too many levels of symbolic links`) and a name over NAME_MAX
(`Addon error: [Errno 36] File name too long`) fail passthrough the same way.

Expected: passthrough runs the command through the proxy (exit 0), the cassette path unused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")


@pytest.mark.parametrize("where", ["under-a-file", "symlink-loop", "name-too-long"])
def test_passthrough_does_not_stat_its_cassette(where, confdir, gateway, tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder\n")
    cassette = {"under-a-file": afile / "c.yaml", "symlink-loop": tmp_path / "loop.yaml",
                "name-too-long": tmp_path / ("a" * 300 + ".yaml")}[where]
    if where == "symlink-loop":
        cassette.symlink_to(cassette.name)
    client = ("import httpx, os; r = httpx.get(os.environ['GW'] + '/json?size=40', timeout=20); "
              "print(r.status_code)")
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(GW=gateway.url, VCRPROXY_CONFDIR=confdir)
    got = subprocess.run(
        [VCRPROXY, "run", "--mode", "passthrough", "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", str(cassette), "--",
         sys.executable, "-c", client],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert "Addon error" not in got.stderr and "Traceback" not in got.stderr, got.stderr
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == "200"
    assert afile.read_text() == "not a folder\n"
