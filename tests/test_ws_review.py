"""The review tools read a WebSocket session's client side: `vcrproxy diff` compares its client
messages as replay does (so what would miss in replay is a difference, and what replay ignores,
event ids and audio, is not), `show --plain` (git's textconv) and `show --html` print them.
Sessions recorded through the real proxy (test_tester_diff_websocket's fixture) and hand-made
cassettes; the real CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_tester_diff_websocket import _cli, two_sessions  # noqa: F401  (fixture)

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cassette import WEBSOCKET_KEY

URL = "https://realtime.example.invalid/v1/realtime?model=gpt-realtime"


def _session(path, client: list, close: dict | None = None) -> str:
    """A cassette whose one session has session.created, then each of `client` (a dict is sent
    as JSON text, bytes as binary) answered by one server event."""
    messages = [{"at": 1, "from": "server", "type": "text", "data": '{"type":"session.created"}'}]
    for n, m in enumerate(client):
        binary = isinstance(m, bytes)
        messages.append({"at": 2 + n, "from": "client", "type": "binary" if binary else "text",
                         "data": m if binary else json.dumps(m)})
        messages.append({"at": 2.5 + n, "from": "server", "type": "text",
                         "data": json.dumps({"type": "ack", "event_id": f"srv_{n}"})})
    ws = {"messages": messages, **({"close": close} if close else {})}
    upgrade = {"Upgrade": ["websocket"], "Connection": ["Upgrade"]}
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url=URL, method="GET", body="", headers=upgrade, content_length=0),
        response=Response(code=101, status="101 Switching Protocols", body="", headers=upgrade,
                          content_length=0, duration_ns=0, extra={WEBSOCKET_KEY: ws}),
    )]), str(path))
    return str(path)


UPDATE = {"type": "session.update", "event_id": "evt_1", "session": {"instructions": "brief"}}
AUDIO = {"type": "input_audio_buffer.append", "event_id": "evt_2", "audio": "AAAA"}


def test_html_report_shows_the_client_messages(two_sessions, tmp_path):  # noqa: F811
    _, new = two_sessions
    out = tmp_path / "r.html"
    got = _cli("show", "--html", out, new)
    assert got.returncode == 0, got.stderr
    assert "Answer in French, at length." in out.read_text()


def test_what_replay_ignores_is_no_difference(tmp_path):
    old = _session(tmp_path / "old.yaml", [UPDATE, AUDIO, b"\x01\x02"])
    new = _session(tmp_path / "new.yaml", [{**UPDATE, "event_id": "evt_9"},
                                           {**AUDIO, "event_id": "evt_8", "audio": "BBBB"},
                                           b"\x03\x04"])
    got = _cli("diff", "--ignore-latency", old, new)
    assert got.returncode == 0 and "no differences" in got.stdout, got.stdout
    a, b = _cli("show", "--plain", old), _cli("show", "--plain", new)
    assert a.stdout == b.stdout  # git diff shows nothing for ids and audio...
    assert '> client 1: {"type": "session.update", "session": {"instructions": "brief"}}' \
        in a.stdout
    assert "> client 3: (binary, 2 bytes)" in a.stdout


def test_added_removed_messages_and_a_changed_close_are_differences(tmp_path):
    old = _session(tmp_path / "old.yaml", [UPDATE, AUDIO],
                   close={"at": 9, "from": "client", "code": 1000, "reason": ""})
    new = _session(tmp_path / "new.yaml", [UPDATE, {"type": "response.create"}, b"\x00"],
                   close={"at": 9, "from": "server", "code": 4000, "reason": "bye"})
    got = _cli("diff", "--ignore-latency", old, new)
    assert got.returncode == 1, got.stdout
    lines = got.stdout.splitlines()
    assert "  websocket:" in lines
    assert any(line.startswith("    client message 2: $.type differs: old "
                               '"input_audio_buffer.append" vs new "response.create"')
               for line in lines), got.stdout
    assert "    client message 3 added: (binary, 1 bytes)" in lines
    assert "    close: 1000 by the client -> 4000 'bye' by the server" in lines
    back = _cli("diff", "--ignore-latency", new, old)
    assert "    client message 3 removed: (binary, 1 bytes)" in back.stdout.splitlines()
    plain = _cli("show", "--plain", new).stdout
    assert "  close: 4000 'bye' by the server" in plain


@pytest.mark.parametrize("kind", ["binary", "text"])
def test_a_message_of_another_type_is_a_difference(tmp_path, kind):
    first = b"\x00" if kind == "binary" else {"type": "response.create"}
    other = {"type": "response.create"} if kind == "binary" else b"\x00"
    got = _cli("diff", _session(tmp_path / "a.yaml", [first]), _session(tmp_path / "b.yaml",
                                                                          [other]))
    assert got.returncode == 1 and "client message 1: type: old " in got.stdout, got.stdout


def test_the_review_tools_read_sessions_without_wsproto_or_mitmproxy(tmp_path):
    old = _session(tmp_path / "old.yaml", [UPDATE])
    new = _session(tmp_path / "new.yaml", [{**UPDATE, "session": {"instructions": "long"}}])
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from vcrproxy.cli.main import main\n"
        "r = CliRunner()\n"
        "assert r.invoke(main, ['diff', sys.argv[1], sys.argv[2]]).exit_code == 1\n"
        "assert r.invoke(main, ['show', '--plain', sys.argv[1]]).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mitmproxy', 'wsproto')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, old, new], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
