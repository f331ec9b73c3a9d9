"""Tester: two `vcrproxy run` sessions (mode once) started on a cassette that does not exist
yet (two terminals, two CI jobs on one checkout) lose the first one's recording: A records a1,
creating the file, and exits; B, started before the file existed, then records b1, and its
first write starts the file afresh: the file holds b1 alone. Both exit 0, nothing said.

README: "once (default): replay if it exists, else record"; "recorders of the same run,
another `vcrproxy record` still running on it ... add to it". Brief: shared use never loses
data (`run` mode (once) races). B never saw a file to replace: the one it finds at its first
write was made by another session after B looked.

Expected: the file holds a1 and b1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

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


def once_race(cassette, gateway, env: dict, tmp_path, untouched: Callable[[], bool]
              ) -> list[str]:
    """Session B (`vcrproxy run`, mode once) opens on `cassette` and waits; session A records
    a1 and ends; then B records b1. `untouched`: whether the cassette is still as it was when
    B opened (checked before A starts). The recorded tags, sorted."""
    client = tmp_path / "client.py"
    client.write_text(CLIENT)
    go = tmp_path / "go"
    trust = ["--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}"]
    b = subprocess.Popen(
        [VCRPROXY, "run", str(cassette), *trust, "--",
         sys.executable, str(client), gateway.url, "b1", str(go)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30  # B has started its session (the cassette as it was)
        while not os.path.exists(f"{go}.ready") and time.time() < deadline:
            time.sleep(0.05)
        assert os.path.exists(f"{go}.ready") and untouched()
        a = subprocess.run(
            [VCRPROXY, "run", str(cassette), *trust, "--",
             sys.executable, str(client), gateway.url, "a1"],
            env=env, capture_output=True, text=True, timeout=60)
        assert a.returncode == 0, a.stderr[-1000:]
        go.write_text("")
        _, err = b.communicate(timeout=60)
        assert b.returncode == 0, err[-1000:]
    finally:
        if b.poll() is None:
            b.kill()
            b.wait(timeout=10)
    recorded = load_cassette(str(cassette)).interactions
    return sorted(i.request.url.rsplit("=", 1)[1] for i in recorded)


def test_a_once_session_keeps_what_another_recorded_after_it_started(
        base_env, gateway, tmp_path):  # noqa: F811
    cassette = tmp_path / "c.yaml"
    tags = once_race(cassette, gateway, base_env, tmp_path, lambda: not cassette.exists())
    assert tags == ["a1", "b1"], tags
