"""Tester: a whole, hand-written cassette whose last interaction omits keys go-vcr always writes
(`proto`, `content_length`, `host`, `headers`, `duration`... none of which `check` requires)
is taken for a file cut off mid-write: its last interaction is dropped with a note saying so,
and the next rewrite (`vcrproxy redact`, the first append in new-episodes) deletes it for good.
Real click commands and a real recording proxy with the fake gateway.
"""

from __future__ import annotations

import os

from click.testing import CliRunner
from conftest import proxied_client

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

# Every interaction in the same minimal shape: the README's `check` needs request url and
# method, response code and status; interaction 0 loads, interaction 1 "was cut off".
MINIMAL = """\
---
version: 2
interactions:
- id: 0
  request:
    url: https://api.example.com/v1/models
    method: GET
  response:
    body: '{"data": []}'
    status: 200 OK
    code: 200
- id: 1
  request:
    url: https://api.example.com/v1/models/gpt-4o
    method: GET
  response:
    body: '{"id": "gpt-4o"}'
    status: 200 OK
    code: 200
"""


def _urls(path) -> list[str]:
    return [i.request.url for i in load_cassette(path).interactions]


def test_redact_keeps_the_last_interaction_of_a_minimal_cassette(tmp_path):
    path = tmp_path / "fixture.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    out = CliRunner().invoke(main, ["redact", str(path)], prog_name="vcrproxy")
    # today: exit 0, "0 secret(s) redacted", and interaction 1 is gone from the file
    assert "gpt-4o" in path.read_text(encoding="utf-8"), out.output
    assert out.exit_code == 0, out.output


def test_check_does_not_call_a_whole_file_cut_off(tmp_path):
    path = tmp_path / "fixture.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    out = CliRunner().invoke(main, ["check", str(path)], prog_name="vcrproxy")
    assert "cut off" not in out.output, out.output
    assert out.exit_code == 0, out.output


def test_new_episodes_append_keeps_the_last_hand_written_interaction(run_proxy, gateway,
                                                                     ca_cert, tmp_path):
    path = tmp_path / "fixture.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    proxy = run_proxy(path, "new-episodes")
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(f"{gateway.url}/json").status_code == 200
    proxy.stop()
    urls = _urls(path)
    assert urls[:2] == ["https://api.example.com/v1/models",
                        "https://api.example.com/v1/models/gpt-4o"], urls
    assert len(urls) == 3


REFERENCE = os.path.join(os.path.dirname(__file__), "..", "cassettes",
                         "openai-chat-multi-tool-streaming.yaml")


def test_a_whole_cassette_saved_without_a_final_newline_keeps_its_last_interaction(tmp_path):
    """An editor that does not add a final newline (VS Code's default), `git` showing "No
    newline at end of file", a generator writing `yaml.dump(...).rstrip()`: the reference
    cassette, complete to its last `duration`, loses its last interaction as "cut off
    mid-write", and `vcrproxy redact` (exit 0) writes the file back without it."""
    with open(REFERENCE, encoding="utf-8") as f:
        whole = f.read()
    n = len(load_cassette(REFERENCE).interactions)
    path = tmp_path / "edited.yaml"
    path.write_text(whole.rstrip("\n"), encoding="utf-8")
    out = CliRunner().invoke(main, ["redact", str(path)], prog_name="vcrproxy")
    assert out.exit_code == 0, out.output
    assert len(load_cassette(path).interactions) == n, "redact deleted the last interaction"


def test_redact_with_nothing_to_redact_leaves_the_file_as_it_is(tmp_path):
    """`vcrproxy redact cassettes/` over a folder of clean, hand-annotated fixtures rewrites
    every file even when it finds no secret ('0 secret(s) redacted'): YAML comments (why a
    fixture must not be re-recorded, what a value means) are dropped."""
    with open(REFERENCE, encoding="utf-8") as f:
        whole = f.read()
    note = "# Fixture for the billing tests: do not re-record (the sandbox is gone).\n"
    text = whole.replace("version: 2\n", note + "version: 2\n", 1)
    assert note in text
    path = tmp_path / "annotated.yaml"
    path.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(main, ["redact", str(path)], prog_name="vcrproxy")
    assert out.exit_code == 0 and "0 secret(s) redacted" in out.output, out.output
    assert path.read_text(encoding="utf-8") == text, "the comment was dropped"
