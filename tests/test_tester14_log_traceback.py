"""Tester14: with -v a traceback attached to a log record is printed as it is. The log record
factory (redaction.redact_logs) masks a record's message, but the handler formats `exc_info`
itself (logging.Formatter.formatException) after that: a key in the exception's text, which
the masked message line hides, is in clear in the traceback's last line. Two records attach
one: fail_closed's `internal error in the request hook` (exc_info at DEBUG) and the WebSocket
player's `WebSocket replay failed` (log.debug(..., exc_info=error)).

A hook's failure is injected (as tests/test_failclosed.py does, into the real hook's
`__wrapped__`; here its exception quotes the request's URL, with a Gemini `?key=`) into the real
CLI run in-process with -v; the player's (as tests/test_ws_replay_failures.py does) into an
in-process proxy whose log goes through a standard formatter at DEBUG, as the CLI's does.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from secret_shapes import SHAPE_EXAMPLES
from ws_upstream import close_code_after

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cassette import WEBSOCKET_KEY
from vcrproxy.wsplayer import WebSocketPlayer

KEY = SHAPE_EXAMPLES["google"]
OPENAI = SHAPE_EXAMPLES["openai"]

# The real CLI, in-process, with the request hook failing on a message quoting the URL.
CLI = """
import sys
from vcrproxy.replayer import Replayer

def boom(self, flow):
    raise ValueError(f"cannot route {flow.request.url}")

Replayer.request.__wrapped__ = boom
from vcrproxy.cli.main import main
main(sys.argv[1:], prog_name="vcrproxy")
"""
CLIENT = """
import httpx, sys
with httpx.Client(timeout=10) as c:
    print(c.get(sys.argv[1]).status_code)
"""


def _pieces(key: str, n: int = 12) -> list[str]:
    return [key[i:i + n] for i in range(len(key) - n + 1)]


def test_verbose_hook_failure_traceback_shows_no_key(confdir, gateway, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    done = subprocess.run(
        [sys.executable, "-c", CLI, "record", "-v", str(tmp_path / "c.yaml"),
         "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--",
         sys.executable, "-c", CLIENT, f"{gateway.url}/json?key={KEY}"],
        env=env, capture_output=True, text=True, timeout=90)
    assert done.stdout.strip() == "400", done.stdout + done.stderr[-3000:]
    assert "internal error in the request hook" in done.stderr
    assert "Traceback" in done.stderr  # (-v: the traceback is there, the test is live)
    shown = [line for line in done.stderr.splitlines() if any(p in line for p in _pieces(KEY))]
    assert shown == [], "stderr shows the key:\n" + "\n".join(shown)


# -- the WebSocket player -------------------------------------------------------------------------

URL = "wss://realtime.example.invalid/v1/realtime"
HELLO = {"at": 1.0, "from": "server", "type": "text", "data": '{"type":"session.created"}'}


def _cassette(path) -> str:
    upgrade = {"Upgrade": ["websocket"], "Connection": ["Upgrade"]}
    session = {"messages": [HELLO, {"at": 2.0, "from": "client", "type": "text", "data": "{}"},
                            {**HELLO, "at": 3.0}]}
    interaction = Interaction(
        id=0,
        request=Request(url=URL.replace("wss:", "https:"), method="GET", body="",
                        headers=upgrade, content_length=0),
        response=Response(code=101, status="101 Switching Protocols", body="", headers=upgrade,
                          content_length=0, duration_ns=0, extra={WEBSOCKET_KEY: session}),
    )
    save_cassette(Cassette(interactions=[interaction]), str(path))
    return str(path)


@pytest.fixture
def debug_log():
    """The proxy's log records (not the test's own websockets client's) at DEBUG, formatted as
    the CLI's handler formats them."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.name.startswith(("vcrproxy", "mitmproxy", "asyncio")):
                lines.append(self.format(record))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter())
    root, ours = logging.getLogger(), logging.getLogger("vcrproxy")
    levels = root.level, ours.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    ours.setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(handler)
    root.setLevel(levels[0])
    ours.setLevel(levels[1])


def test_websocket_player_failure_traceback_shows_no_key(run_proxy, ca_cert, tmp_path,
                                                         monkeypatch, debug_log):
    pytest.importorskip("websockets")

    proxy = run_proxy(_cassette(tmp_path / "c.yaml"), "replay")

    def boom(self, text, data, arrived):
        raise RuntimeError(f"cannot play the client's message {data!r}")

    monkeypatch.setattr(WebSocketPlayer, "_client_message", boom)

    message = json.dumps({"type": "session.update", "note": f"my key {OPENAI}"})
    assert close_code_after(proxy.url, ca_cert, URL, message) == 1011
    proxy.stop()
    log = "\n".join(debug_log)
    assert "WebSocket replay failed" in log and "Traceback" in log, log[-3000:]
    shown = [line for line in log.splitlines() if any(p in line for p in _pieces(OPENAI))]
    assert shown == [], "the log shows the key:\n" + "\n".join(shown)
