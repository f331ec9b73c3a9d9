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


WS_HEAD = """\
---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: ""
    headers: {}
    url: https://api.example.com/v1/realtime
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: -1
    body: ""
    headers:
      Upgrade:
      - websocket
    status: 101 Switching Protocols
    code: 101
    duration: 2ms
"""


def _ws_session(close: bool) -> str:
    from vcrproxy import dumps_cassette, loads_cassette
    from vcrproxy.websocket import WsClose, WsMessage, WsSession

    cassette = loads_cassette(WS_HEAD)
    session = WsSession([WsMessage(1.5, False, True, '{"type":"session.created"}'),
                         WsMessage(3, True, True, "line one\nline two\nline three\n"),
                         WsMessage(4.25, False, False, b"\x00\x01\x02")],
                        WsClose(9, True, 1000, "bye") if close else None)
    cassette.interactions[0].response.extra["vcrproxy_websocket"] = session.to_extra()
    return dumps_cassette(cassette)


def test_a_websocket_session_cut_anywhere_is_dropped_not_shortened(tmp_path):
    """Every cut of an appended WebSocket session (inside or between its messages, in or
    before its close) drops the interaction with a note or is an error; only the whole text
    loads, with every message (tester7: a cut between messages loaded a shorter session).
    (A cut right before the session's key leaves a 101 such as a hand-written one: kept.)"""
    from vcrproxy.cassette import CassetteError
    from vcrproxy.websocket import session_from_response

    for closed in (True, False):
        text = _ws_session(closed)
        assert "\n      count: 3\n" in text and ("close: null" in text) != closed
        start = text.index("vcrproxy_websocket:") + len("vcrproxy_websocket:")
        for cut in range(start, len(text) + 1):
            path = tmp_path / "c.yaml"
            path.write_text(text[:cut], encoding="utf-8")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    loaded = load_cassette(path).interactions
                except CassetteError:
                    continue
            noted = any(issubclass(w.category, CassetteTruncatedWarning) for w in caught)
            if not loaded:
                assert noted, (closed, text[:cut][-80:])
                continue
            session = session_from_response(loaded[0].response)
            assert len(session.messages) == 3 and (session.close is not None) == closed, (
                closed, repr(text[:cut][-80:]))


def test_an_older_websocket_session_without_count_loads_whole(tmp_path):
    """Sessions recorded before `count`: an open one (no `close`) as a file's last interaction
    is whole, not dropped (nothing could tell a cut there)."""
    from vcrproxy.websocket import session_from_response

    text = _ws_session(False).replace("      count: 3\n", "").replace("      close: null\n", "")
    path = tmp_path / "old.yaml"
    path.write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (only,) = load_cassette(path).interactions
    assert len(session_from_response(only.response).messages) == 3
