"""Tester8: Gemini Live (BidiGenerateContent) sends its server messages as *binary* WebSocket
frames holding UTF-8 JSON (google-genai reads them with `ws.recv(decode=False)`; browsers get
Blobs; tests/test_tester3_gemini_live_split_key.py's server sends them so, and redaction reads
them). vcrproxy records them as `type: binary`, and the views parse only text frames
(websocket._event: `if not m.text: return None`): `vcrproxy show` of a real Gemini Live session
says `assistant: (no text)`, with no tool call and no tokens, and the timeline shows
`(binary, N bytes)` for every server message; `show --plain` has no answer at all, so a
re-recorded session whose answer changed is no difference. Expected: the answer `Hello!`, the
tool call and the tokens shown, as for the same session in text frames."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
URL = ("wss://generativelanguage.googleapis.com/ws/"
       "google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent")


def test_tester8_gemini_live_binary_server_messages_are_read(tmp_path):
    events = [
        ("client", {"setup": {"model": "models/gemini-live-2.5-flash"}}),
        ("server", {"setupComplete": {}}),
        ("client", {"clientContent": {"turns": [{"role": "user", "parts": [
            {"text": "Hi there"}]}], "turnComplete": True}}),
        ("server", {"serverContent": {"modelTurn": {"parts": [{"text": "Hel"}]}}}),
        ("server", {"serverContent": {"modelTurn": {"parts": [{"text": "lo!"}]}}}),
        ("server", {"toolCall": {"functionCalls": [{"id": "f1", "name": "lookup",
                                                    "args": {"q": "x"}}]}}),
        ("server", {"serverContent": {"turnComplete": True},
                    "usageMetadata": {"promptTokenCount": 5, "responseTokenCount": 2,
                                      "totalTokenCount": 7}}),
    ]
    messages = []
    for n, (side, obj) in enumerate(events, 1):
        data = json.dumps(obj)
        messages.append({"at": float(n), "from": side,
                         "type": "binary" if side == "server" else "text",
                         "data": data.encode() if side == "server" else data})
    path = tmp_path / "live.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="GET", url=URL, headers={"Upgrade": ["websocket"]}),
        Response(code=101, status="101 Switching Protocols", headers={"Upgrade": ["websocket"]},
                 duration_ns=100_000_000,
                 extra={"vcrproxy_websocket": {"messages": messages, "close": {
                     "at": 9.0, "from": "client", "code": 1000, "reason": ""}}}))]), str(path))
    out = subprocess.run([VCRPROXY, "show", str(path)], capture_output=True, text=True,
                         timeout=60).stdout
    assert "assistant: Hello!" in out, out
    assert "tool call lookup(" in out, out
    assert "in 5 / out 2" in out, out
    plain = subprocess.run([VCRPROXY, "show", "--plain", str(path)], capture_output=True,
                           text=True, timeout=60).stdout
    assert "< assistant: Hello!" in plain, plain
