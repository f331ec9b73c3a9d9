"""A cassette's last interaction is dropped as "cut off mid-write" only when its text is what a
torn append leaves (keys missing from some point on, or an unfinished last line), never for a
whole one written by hand or saved without a final newline; `redact` leaves a file it has
nothing to change in as it is. Real files, the real click commands."""

from __future__ import annotations

import warnings

from click.testing import CliRunner

from vcrproxy import load_cassette
from vcrproxy.cli.main import main
from vcrproxy.yamlio import CassetteTruncatedWarning

# go-vcr's keys, but none of the interactions has `duration` (the file's own style).
NO_DURATION = """\
---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: api.example.com
    url: https://api.example.com/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    body: '{}'
    headers: {}
    status: 200 OK
    code: 200
"""


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="vcrproxy")


def _load_quietly(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CassetteTruncatedWarning)
        return load_cassette(path)


def test_a_last_interaction_lacking_only_what_the_others_lack_is_whole(tmp_path):
    path = tmp_path / "c.yaml"
    second = NO_DURATION.split("interactions:\n", 1)[1].replace("id: 0", "id: 1").replace(
        "models", "models/gpt-4o")
    path.write_text(NO_DURATION + second, encoding="utf-8")
    assert [i.id for i in _load_quietly(path).interactions] == [0, 1]
    out = _cli("redact", str(path))
    assert out.exit_code == 0 and "cut off" not in out.output, out.output
    assert [i.id for i in _load_quietly(path).interactions] == [0, 1]


def test_a_torn_append_is_still_dropped(tmp_path):
    """The other side of the judgement: the second interaction cut after its `status` line
    (keys missing from there on, which the first one has) or inside its `code` or `duration`
    value (no final newline) is a torn append."""
    whole = NO_DURATION + "    duration: 1.5ms\n"
    second = whole.split("interactions:\n", 1)[1].replace("id: 0", "id: 1")
    for cut in (second[: second.index("    code:")],
                second.replace("1.5ms\n", "1.5m"), second.replace("1.5ms\n", "1"),
                second[: second.index("    code: 200") + len("    code: 20")],
                second.replace("1.5ms\n", "")):
        path = tmp_path / "c.yaml"
        path.write_text(whole + cut, encoding="utf-8")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert [i.id for i in load_cassette(path).interactions] == [0], repr(cut[-30:])
        assert any("cut off mid-write" in str(w.message) for w in caught), repr(cut[-30:])
        out = _cli("check", str(path))
        assert out.exit_code == 1 and "cut off mid-write" in out.output, out.output


def test_a_whole_file_without_a_final_newline_keeps_its_last_interaction(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text((NO_DURATION + "    duration: 1.5ms\n").rstrip("\n"), encoding="utf-8")
    assert [i.id for i in _load_quietly(path).interactions] == [0]
    out = _cli("check", str(path))
    assert out.exit_code == 0, out.output


def test_redact_of_a_folder_rewrites_only_the_file_with_a_secret(tmp_path):
    key = "sk-" + "proj" + "A1b2" * 6
    clean = "# hand-kept fixture\n" + NO_DURATION.replace("body: '{}'", 'body: "{}"')
    (tmp_path / "clean.yaml").write_text(clean, encoding="utf-8")
    (tmp_path / "leaky.yaml").write_text(NO_DURATION.replace("body: '{}'", f"body: '{key}'"),
                                         encoding="utf-8")
    out = _cli("redact", str(tmp_path))
    assert out.exit_code == 0, out.output
    assert (tmp_path / "clean.yaml").read_text(encoding="utf-8") == clean
    assert key not in (tmp_path / "leaky.yaml").read_text(encoding="utf-8")


def test_a_mistake_inside_the_last_interaction_of_a_newline_less_file_is_an_error(tmp_path):
    """A cut leaves its YAML error on the last line; a mistake further up is the author's,
    and dropping the interaction as cut off would have `redact` write the file back without
    it: an error, as it is with a final newline."""
    path = tmp_path / "c.yaml"
    second = NO_DURATION.split("interactions:\n", 1)[1].replace("id: 0", "id: 1")
    broken = NO_DURATION + second.replace("    method: GET", "   method: GET")
    for text in (broken, broken.rstrip("\n")):
        path.write_text(text, encoding="utf-8")
        out = _cli("redact", str(path))
        assert out.exit_code == 1 and "invalid YAML" in out.output, out.output
        assert path.read_text(encoding="utf-8") == text
