"""Tester5: `vcrproxy diff` of two cassettes whose request bodies are deeply nested JSON (990
levels: valid, and parsed by json.loads, show, --plain, --json and --html alike) ends in a
`RecursionError: maximum recursion depth exceeded` traceback from matching._json_equal (its
pairing asks the replay matcher, which recurses once per level), exit 1, which reads as
"they differ". Expected: diff reports the difference (or says it cannot compare those bodies)
in its own words, exit 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def deep(path, depth: int) -> str:
    body = "[" * depth + "1" + "]" * depth
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url="https://api.example.com/v1/thing", body=body,
                   headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body="{}",
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    return str(path)


def test_diff_of_deeply_nested_json_bodies_has_no_traceback(tmp_path):
    old, new = deep(tmp_path / "old.yaml", 990), deep(tmp_path / "new.yaml", 991)
    for args in (["show", "--plain", old], ["show", "--json", old]):
        assert subprocess.run([VCRPROXY, *args], capture_output=True,
                              timeout=60).returncode == 0
    got = subprocess.run([VCRPROXY, "diff", old, new], capture_output=True, text=True,
                         timeout=60)
    assert "Traceback" not in got.stderr and "RecursionError" not in got.stderr, \
        got.stderr[-1500:]
    assert got.returncode == 1 and got.stdout.strip(), got.stdout
