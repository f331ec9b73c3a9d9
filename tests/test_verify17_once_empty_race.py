"""Verifier: two `vcrproxy run` sessions (mode once) started on an EMPTY cassette file (`: >
c.yaml`, `echo > c.yaml`, an editor's empty buffer) lose the first one's recording, as they did
on a missing one before 133820c: A records a1 and exits; B, started while the file was still
empty, then records b1, and its first write starts the file afresh: the file holds b1 alone.

README's mode table puts "no cassette (or an empty file)" in one column: `once` records there,
"a file another session makes meanwhile is added to, not replaced". An empty file holds no
earlier run's recording to replace.

Expected: the file holds a1 and b1."""

from __future__ import annotations

import pytest
from test_cli_sessions import base_env  # noqa: F401
from test_tester13_once_race import once_race


@pytest.mark.parametrize("blank", ["", "\n"], ids=["zero-bytes", "a-newline"])
def test_a_once_session_on_an_empty_file_keeps_what_another_recorded_after_it_started(
        base_env, gateway, tmp_path, blank):  # noqa: F811
    cassette = tmp_path / "c.yaml"
    cassette.write_text(blank)
    tags = once_race(cassette, gateway, base_env, tmp_path,
                     lambda: cassette.read_text() == blank)
    assert tags == ["a1", "b1"], tags
