"""Verify: show --plain (git textconv) hides changes of a chat request's other fields.

Two cassettes of the same chat whose recorded requests differ only in `max_tokens`,
`tool_choice` or a tool's description print the same plain text, so `git diff` of the
re-recorded cassette shows no change, though replay matches the request body (the code under
test, still sending the old values, now misses) and `vcrproxy diff` reports each
('$.tool_choice differs: old "auto" vs new "required"'). The same kind of blind spot as
b336434 (non-chat bodies). Expected: the plain views differ."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CASSETTE = Path(__file__).resolve().parent.parent / "cassettes" / \
    "openai-chat-multi-tool-streaming.yaml"
EDITS = {
    "max_tokens": ('"max_tokens":4000', '"max_tokens":100'),
    "tool_choice": ('"tool_choice":"auto"', '"tool_choice":"required"'),
    "tool description": ('"description":"Add two numbers"', '"description":"Add two integers"'),
}


def plain(path: Path) -> str:
    got = subprocess.run([VCRPROXY, "show", "--plain", str(path)], capture_output=True,
                         text=True, timeout=60)
    assert got.returncode == 0, got.stderr
    return got.stdout


@pytest.mark.parametrize("edit", list(EDITS))
def test_show_plain_shows_a_changed_chat_request_field(edit, tmp_path):
    old, new = EDITS[edit]
    text = CASSETTE.read_text()
    assert old in text
    changed = tmp_path / "new.yaml"
    changed.write_text(text.replace(old, new, 1))
    diff = subprocess.run([VCRPROXY, "diff", str(CASSETTE), str(changed)], capture_output=True,
                          text=True, timeout=60)
    assert diff.returncode == 1, diff.stdout  # (diff sees it)
    assert plain(CASSETTE) != plain(changed), f"{edit}: same plain view after the change"
