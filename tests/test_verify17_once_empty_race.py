"""Verifier: two `vcrproxy run` sessions (mode once) started on an EMPTY cassette file (`: >
c.yaml`, `echo > c.yaml`, an editor's empty buffer) lose the first one's recording, as they did
on a missing one before 133820c: A records a1 and exits; B, started while the file was still
empty, then records b1, and its first write starts the file afresh: the file holds b1 alone.

README's mode table puts "no cassette (or an empty file)" in one column: `once` records there,
"a file another session makes meanwhile is added to, not replaced". An empty file holds no
earlier run's recording to replace.

Expected: the file holds a1 and b1."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from test_cli_sessions import VCRPROXY, base_env  # noqa: F401

from vcrproxy import load_cassette

CLIENT = """
import os, sys, time, httpx
if len(sys.argv) > 3:
    open(sys.argv[3] + ".ready", "w").close()  # (its session is open)
deadline = time.time() + 60
while len(sys.argv) > 3 and not os.path.exists(sys.argv[3]) and time.time() < deadline:
    time.sleep(0.05)
with httpx.Client(timeout=20) as client:  # proxy and CA from the environment
    r = client.get(sys.argv[1] + "/json?size=24&tag=" + sys.argv[2])
    assert r.status_code == 200, r.text
"""


@pytest.mark.parametrize("blank", ["", "\n"], ids=["zero-bytes", "a-newline"])
def test_a_once_session_on_an_empty_file_keeps_what_another_recorded_after_it_started(
        base_env, gateway, tmp_path, blank):  # noqa: F811
    cassette = tmp_path / "c.yaml"
    cassette.write_text(blank)
    client = tmp_path / "client.py"
    client.write_text(CLIENT)
    go = tmp_path / "go"
    trust = ["--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}"]
    b = subprocess.Popen(
        [VCRPROXY, "run", str(cassette), *trust, "--",
         sys.executable, str(client), gateway.url, "b1", str(go)],
        env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30  # B has started its session (the cassette still empty)
        while not os.path.exists(f"{go}.ready") and time.time() < deadline:
            time.sleep(0.05)
        assert os.path.exists(f"{go}.ready") and cassette.read_text() == blank
        a = subprocess.run(
            [VCRPROXY, "run", str(cassette), *trust, "--",
             sys.executable, str(client), gateway.url, "a1"],
            env=base_env, capture_output=True, text=True, timeout=60)
        assert a.returncode == 0, a.stderr[-1000:]
        go.write_text("")
        _, err = b.communicate(timeout=60)
        assert b.returncode == 0, err[-1000:]
    finally:
        if b.poll() is None:
            b.kill()
            b.wait(timeout=10)
    recorded = load_cassette(str(cassette)).interactions
    tags = sorted(i.request.url.rsplit("=", 1)[1] for i in recorded)
    assert tags == ["a1", "b1"], tags
