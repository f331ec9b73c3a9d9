"""Tester3: `vcrproxy check` names a key in a WebSocket session's close reason as
"WebSocket message 2" of a session that holds one message. The README: check reports "per
file, interaction and field"; a reviewer looking for message 2 finds none (the close reason,
e.g. a server's `1008 invalid key sk-...`, is where the key is). Real CLI on a cassette.
"""

from __future__ import annotations

from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"][:60]

CASSETTE = f"""---
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
    headers:
      Upgrade:
      - websocket
    url: wss://api.openai.com/v1/realtime?model=gpt-realtime
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
    duration: 120ms
    vcrproxy_websocket:
      messages:
      - at: 0.5
        from: server
        type: text
        data: '{{"type":"session.created"}}'
      close:
        at: 3.0
        from: server
        code: 1008
        reason: invalid key {KEY}
"""


def test_key_in_a_close_reason_is_reported_as_the_close_reason(tmp_path):
    cassette = tmp_path / "rt.yaml"
    cassette.write_text(CASSETTE)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert out.exit_code == 1, out.output
    (line,) = [x for x in out.output.splitlines() if "OpenAI key" in x]
    assert "message 2" not in line and "close" in line, line
