"""Tester14: an error text is cut to its length before it is masked, so a key the cut goes
through has lost its shape and its first part is shown. fail_closed's `internal error in the
... hook (...)` is cut to 2000 characters (failclosed.one_line) and then masked; the WebSocket
player's `replay failed (...)` keeps 500 characters of the exception's text, then masks. An
exception quoting a long text (a request body, a client message) with a key at the cut puts
the key's first 20-odd characters in the log line, the summary's `error:` line and the client's
error (the same bug class as the miss explanation's, test_tester14_miss_cut_key).

The failures are injected as tests/test_failclosed.py and tests/test_ws_replay_failures.py do:
the hook's into the real CLI run in-process, the player's into an in-process proxy.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from secret_shapes import SHAPE_EXAMPLES
from test_tester14_log_traceback import URL, _cassette
from ws_upstream import close_code_after

from vcrproxy.wsplayer import WebSocketPlayer

KEY = SHAPE_EXAMPLES["google"]  # (39 characters: a shorter start is no Google key)

CLI = """
import os
import sys
from vcrproxy.replayer import Replayer

PREFIX = "vcrproxy: internal error in the request hook (ValueError: "

def boom(self, flow):  # the key starts 25 characters before the 2000-character cut
    raise ValueError("a" * (1972 - len(PREFIX) - 1) + " " + os.environ["T_KEY"])

Replayer.request.__wrapped__ = boom
from vcrproxy.cli.main import main
main(sys.argv[1:], prog_name="vcrproxy")
"""
CLIENT = """
import httpx, sys
with httpx.Client(timeout=10) as c:
    r = c.get(sys.argv[1])
    print(r.status_code, r.text)
"""


def _pieces(key: str, n: int = 12) -> list[str]:
    return [key[i:i + n] for i in range(len(key) - n + 1)]


def _shown(text: str) -> list[str]:
    return [line[-200:] for line in text.splitlines() if any(p in line for p in _pieces(KEY))]


def test_a_hook_failure_text_shows_no_piece_of_a_key_at_its_cut(confdir, gateway, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, T_KEY=KEY)
    done = subprocess.run(
        [sys.executable, "-c", CLI, "record", str(tmp_path / "c.yaml"),
         "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--",
         sys.executable, "-c", CLIENT, f"{gateway.url}/json"],
        env=env, capture_output=True, text=True, timeout=90)
    assert done.stdout.startswith("400 "), done.stdout + done.stderr[-3000:]
    assert "internal error in the request hook" in done.stderr
    assert "error: internal error in the request hook" in done.stderr  # (the summary's line)
    shown = _shown(done.stderr) + _shown(done.stdout)
    assert shown == [], "a piece of the key is shown:\n" + "\n".join(shown)


def test_a_websocket_player_failure_text_shows_no_piece_of_a_key_at_its_cut(
        run_proxy, ca_cert, tmp_path, monkeypatch):
    pytest.importorskip("websockets")

    proxy = run_proxy(_cassette(tmp_path / "c.yaml"), "replay")
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.name.startswith("vcrproxy"):
                lines.append(self.format(record))

    def boom(self, text, data, arrived):  # the key starts 25 characters before the cut at 500
        raise RuntimeError("a" * (475 - len("RuntimeError: ") - 1) + " " + data.decode())

    monkeypatch.setattr(WebSocketPlayer, "_client_message", boom)
    keep = Keep(logging.ERROR)
    logging.getLogger().addHandler(keep)
    try:
        assert close_code_after(proxy.url, ca_cert, URL, KEY) == 1011
        proxy.stop()
    finally:
        logging.getLogger().removeHandler(keep)
    log = "\n".join(lines)
    assert "replay failed (RuntimeError: aaa" in log, log
    shown = _shown(log)
    assert shown == [], "a piece of the key is shown:\n" + "\n".join(shown)
