"""`vcrproxy show` (every view) and `diff` never print a secret a cassette holds (one recorded
elsewhere: plain go-vcr, `--no-redact`): key shapes anywhere and values under credential names
(headers, JSON fields, WebSocket messages) are shown as <REDACTED>, as `check` and the
contentview do; `--no-redact` shows them. The --plain fallback (a file that does not load,
shown as it is) is masked too. Real CLI (CliRunner), real files."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cassette import WEBSOCKET_KEY
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["anthropic"]
NAMED = "hunter2-" + "not-a-shape-" + "x7Q"  # (no key shape: hidden only by its name)
VIEWS = [[], ["--raw"], ["--plain"], ["--json"]]


def _cassette(path, prompt: str, ws_token: str = "", reply: str = "works") -> str:
    body = json.dumps({"model": "claude-x", "max_tokens": 5, "db_password": NAMED,
                       "messages": [{"role": "user", "content": prompt}]})
    answer = json.dumps({"id": "m1", "type": "message", "role": "assistant", "model": "claude-x",
                         "content": [{"type": "text", "text": "Your key " + KEY + " " + reply}],
                         "stop_reason": "end_turn",
                         "usage": {"input_tokens": 3, "output_tokens": 4}})
    interactions = [Interaction(
        id=0,
        request=Request(url=f"https://api.anthropic.com/v1/messages?api_key={NAMED}",
                        method="POST", body=body, content_length=len(body),
                        headers={"X-Api-Key": [NAMED], "Content-Type": ["application/json"]}),
        response=Response(code=200, status="200 OK", body=answer, content_length=len(answer),
                          headers={"Content-Type": ["application/json"]}, duration_ns=1000),
    )]
    if ws_token:
        up = {"Upgrade": ["websocket"], "Connection": ["Upgrade"]}
        msg = {"type": "session.update", "session": {"instructions": "use " + KEY,
                                                     "client_secret": ws_token}}
        interactions.append(Interaction(
            id=1,
            request=Request(url="https://api.openai.com/v1/realtime?model=gpt-realtime",
                            method="GET", body="", headers=up, content_length=0),
            response=Response(code=101, status="101 Switching Protocols", body="", headers=up,
                              content_length=0, duration_ns=0, extra={WEBSOCKET_KEY: {
                                  "messages": [{"at": 1.0, "from": "client", "type": "text",
                                                "data": json.dumps(msg)}]}}),
        ))
    save_cassette(Cassette(interactions=interactions), str(path))
    return str(path)


def _cli(*args: str) -> str:
    done = CliRunner().invoke(main, list(args))
    assert done.exception is None or isinstance(done.exception, SystemExit), done.output
    return done.output


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: " ".join(v) or "text")
def test_every_view_masks_shapes_and_named_values(tmp_path, view):
    path = _cassette(tmp_path / "c.yaml", "my key is " + KEY, ws_token=NAMED + "ws")
    out = _cli("show", *view, path)
    assert KEY not in out and NAMED not in out, out
    assert "<REDACTED>" in out
    shown = _cli("show", "--no-redact", *view, path)
    assert KEY in shown, shown  # (the opt-out shows the bytes)


def test_html_masks_and_no_redact_shows(tmp_path):
    path = _cassette(tmp_path / "c.yaml", "my key is " + KEY, ws_token=NAMED + "ws")
    _cli("show", "--html", str(tmp_path / "r.html"), path)
    page = (tmp_path / "r.html").read_text()
    assert KEY not in page and NAMED not in page
    _cli("show", "--no-redact", "--html", str(tmp_path / "r.html"), path)
    assert KEY in (tmp_path / "r.html").read_text()


def test_diff_never_prints_a_key(tmp_path):
    old = _cassette(tmp_path / "old.yaml", "hello " + KEY)
    new = _cassette(tmp_path / "new.yaml", "bye " + KEY, reply="fails")
    out = _cli("diff", old, new)
    assert "differs" in out and "fails" in out, out
    assert KEY not in out and NAMED not in out, out
    assert KEY in _cli("diff", "--no-redact", old, new)  # (in the answer's change)


def test_plain_fallback_masks_a_file_that_does_not_load(tmp_path):
    path = tmp_path / "c.yaml"
    raw = b"version: 2\ninteractions: [\n  key: " + KEY.encode() + b"\n\xff\xfe binary\n"
    path.write_bytes(raw)
    done = CliRunner().invoke(main, ["show", "--plain", str(path)])
    assert done.exit_code == 0 and "showing the file as it is" in done.output, done.output
    assert KEY not in done.output and "<REDACTED>" in done.output
    done = CliRunner().invoke(main, ["show", "--plain", "--no-redact", str(path)])
    assert KEY in done.output


def test_a_key_where_redaction_never_looks_is_masked_in_the_output(tmp_path):
    """A hostile cassette with a key as its method: the views' output is masked as well."""
    path = tmp_path / "c.yaml"
    _cassette(path, "hello")
    text = path.read_text()
    assert "method: POST" in text
    path.write_text(text.replace("method: POST", "method: " + KEY))
    for view in VIEWS:
        out = _cli("show", *view, str(path))
        assert KEY not in out and "<REDACTED>" in out, (view, out)
    _cli("show", "--html", str(tmp_path / "r.html"), str(path))
    assert KEY not in (tmp_path / "r.html").read_text()
    other = _cassette(tmp_path / "other.yaml", "bye")
    out = _cli("diff", other, str(path))
    assert KEY not in out and "<REDACTED>" in out, out
