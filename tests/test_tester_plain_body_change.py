"""Tester: `vcrproxy show --plain`, the README's `git diff` textconv ("To make git diff and
pull request tools show conversations instead of YAML churn"), prints the same text for two
cassettes whose recorded answers differ when the exchange is no chat/messages call: an
embeddings response prints `< response` whatever its vector, a JSON API answer or a binary
body the same. With the textconv recipe, `git diff` of such a re-recorded cassette shows no
change at all, though replay now serves other data.

Expected: the plain views of two cassettes differing only in a response body differ (the
body, or at least a digest or size of it, is part of the plain text)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_tester_diff_body_change import CASES

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")


@pytest.mark.parametrize("case", list(CASES))
def test_show_plain_shows_a_changed_response_body(case, tmp_path):
    views = []
    for n, text in enumerate(CASES[case]):
        path = tmp_path / f"c{n}.yaml"
        path.write_text(text)
        got = subprocess.run([VCRPROXY, "show", "--plain", str(path)], capture_output=True,
                             text=True, timeout=60)
        assert got.returncode == 0 and "Traceback" not in got.stderr, got.stderr
        views.append(got.stdout)
    assert views[0] != views[1], f"the same plain text for different answers:\n{views[0]}"
