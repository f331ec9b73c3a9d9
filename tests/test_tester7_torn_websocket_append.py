"""Tester: a WebSocket session whose append was cut off (kill -9 or a full disk during the one
write of its interaction: a large write is cut at a page boundary, and the session of a
Realtime call with audio is megabytes) loads as a whole, shorter session, with no note: the
cut-off detection (codec._is_torn) looks for missing keys go-vcr always writes, and
`vcrproxy_websocket` comes after all of them, its `close` optional ("absent if the session was
still open when the proxy stopped"). The cassette then replays a session that stops midway (the
client's next message is a 1008 miss) and `vcrproxy check` calls it ok, instead of the
interaction being dropped with a note as every other cut-off append is.

README (Cassettes): "a crash or Ctrl-C leaves a valid cassette holding every completed exchange
(a file cut mid-append loads with a warning naming what was dropped)"; Modes: "A cassette cut
off mid-append loads with one note naming the dropped interaction".

Expected: the file cut inside the session's messages loads with a CassetteTruncatedWarning and
without that interaction (or with the whole session), never with a shortened session."""

from __future__ import annotations

import asyncio
import warnings

import pytest

pytest.importorskip("websockets")
from test_websocket import ws_url  # noqa: E402
from test_ws_new_episodes import _talk  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402
from vcrproxy.codec import CassetteTruncatedWarning  # noqa: E402
from vcrproxy.websocket import session_from_response  # noqa: E402


def test_tester7_a_session_cut_mid_append_is_not_loaded_shortened(run_proxy, gateway, ca_cert,
                                                                  tmp_path):
    path = tmp_path / "rt.yaml"
    proxy = run_proxy(path, "record")
    got = asyncio.run(_talk(ws_url(gateway), proxy.url, ca_cert, "hello"))
    proxy.stop()
    assert "You said: hello" in got, got
    (whole,) = load_cassette(str(path)).interactions
    messages = session_from_response(whole.response).messages
    assert len(messages) >= 6, messages

    text = path.read_text(encoding="utf-8")
    # Where the append was cut: right after a line (the end of a message's `data:` line) in
    # the middle of the session's messages, as a short write leaves the file.
    at = text.index("\n", text.index("messages:"))
    for _ in range(3):  # past the first three messages' `data:` lines
        at = text.index("\n", text.index("data:", at)) + 1
    cut = tmp_path / "cut.yaml"
    cut.write_text(text[:at], encoding="utf-8")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_cassette(str(cut)).interactions
    noted = any(issubclass(w.category, CassetteTruncatedWarning) for w in caught)
    if loaded:
        kept = session_from_response(loaded[0].response)
        assert len(kept.messages) == len(messages), (
            f"a session cut off after {len(kept.messages)} of its {len(messages)} messages "
            f"loaded as whole (note given: {noted})")
    else:
        assert noted
