"""Tester: a cassette file that holds no YAML document, only a line break or blanks (`echo >
c.yaml`, an editor saving an empty buffer with its final newline) or a comment, is refused in
`once` and `new-episodes` with `Error: c.yaml: empty cassette file (expected go-vcr `version:
2`)`, exit 1, the command not run. The README's mode table says "no cassette (or an empty
file)" records in those modes, and a 0-byte file does; the error itself calls this file empty.
Expected: such a file is empty as the error says, and is recorded into like a 0-byte one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vcrproxy import load_cassette

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CLIENT = ("import httpx, os; r = httpx.get(os.environ['GW'] + '/json?size=40', timeout=20); "
          "print(r.status_code)")


@pytest.mark.parametrize("content", ["\n", "  \n\n", "# recorded by CI\n"],
                         ids=["newline", "blanks", "comment"])
@pytest.mark.parametrize("mode", ["once", "new-episodes"])
def test_a_blank_cassette_file_is_recorded_into(mode, content, confdir, gateway, tmp_path):
    cassette = tmp_path / "c.yaml"
    cassette.write_text(content)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(GW=gateway.url, VCRPROXY_CONFDIR=confdir)
    got = subprocess.run(
        [VCRPROXY, "run", "--mode", mode, "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", str(cassette), "--",
         sys.executable, "-c", CLIENT],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == "200"
    assert len(load_cassette(str(cassette)).interactions) == 1
