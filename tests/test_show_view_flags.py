"""`show` takes one text view at a time: `--json` with `--plain` or `--raw`, or `--raw` with
`--plain`, or `--html` with `--json`/`--raw`, is a one-line usage error (exit 2), where the
second view was dropped without a word (`--plain --html` together stay: text and a file)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = str(Path(__file__).parent.parent / "cassettes" / "gemini-simple-streaming.yaml")


@pytest.mark.parametrize("flags", [["--plain", "--json"], ["--json", "--raw"],
                                   ["--raw", "--plain"], ["--json", "--html", "r.html"]])
def test_two_views_are_a_usage_error(flags, tmp_path):
    got = subprocess.run([VCRPROXY, "show", *flags, CASSETTE], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert got.returncode == 2 and got.stdout == "", (got.returncode, got.stdout)
    assert len(got.stderr.strip().splitlines()) == 1 and "two views" in got.stderr, got.stderr
    assert not (tmp_path / "r.html").exists()


def test_plain_and_html_go_together(tmp_path):
    got = subprocess.run([VCRPROXY, "show", "--plain", "--html", "r.html", CASSETTE],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert got.returncode == 0 and "assistant: Olá!" in got.stdout, got.stderr
    assert (tmp_path / "r.html").exists()

