"""Tester8: in a voice session of the Realtime API (the API's main use: the user speaks, audio
goes up as `input_audio_buffer.append`), what the user said reaches the session only as the
server's `conversation.item.input_audio_transcription.completed` event (`transcript`), and
Gemini Live's `serverContent.inputTranscription.text`. `vcrproxy show`, `--plain` and `--html`
ignore both: a session whose user typed a first question and then asked a second one aloud
shows `user: <the typed one>` followed by both answers, and the spoken question appears
nowhere but as an event name. README: "`vcrproxy show` prints the session: user text,
assistant text (deltas or transcripts), tool calls, tokens". Expected: the spoken question's
transcript is in every view."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
SPOKEN = "And what is three times three?"


def test_tester8_realtime_spoken_question_is_shown(tmp_path):
    events = [
        ("server", {"type": "session.created", "session": {"model": "gpt-realtime"}}),
        ("client", {"type": "conversation.item.create", "item": {
            "type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "What is 2+2?"}]}}),
        ("client", {"type": "response.create"}),
        ("server", {"type": "response.output_text.delta", "delta": "Four."}),
        ("server", {"type": "response.done", "response": {"status": "completed", "output": []}}),
        ("client", {"type": "input_audio_buffer.append", "audio": "AAAA"}),
        ("client", {"type": "input_audio_buffer.commit"}),
        ("server", {"type": "conversation.item.input_audio_transcription.completed",
                    "item_id": "item_2", "content_index": 0, "transcript": SPOKEN}),
        ("server", {"type": "response.output_audio_transcript.delta", "delta": "Nine."}),
        ("server", {"type": "response.done", "response": {"status": "completed", "output": []}}),
    ]
    messages = [{"at": 5.0 * n, "from": side, "type": "text", "data": json.dumps(obj)}
                for n, (side, obj) in enumerate(events, 1)]
    path = tmp_path / "rt.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="GET", url="wss://api.openai.com/v1/realtime?model=gpt-realtime",
                   headers={"Upgrade": ["websocket"]}),
        Response(code=101, status="101 Switching Protocols", headers={"Upgrade": ["websocket"]},
                 duration_ns=100_000_000,
                 extra={"vcrproxy_websocket": {"messages": messages, "close": {
                     "at": 60.0, "from": "client", "code": 1000, "reason": ""}}}))]), str(path))
    html = tmp_path / "rt.html"
    outs = {}
    for view in (["show"], ["show", "--plain"], ["show", "--html", str(html)]):
        got = subprocess.run([VCRPROXY, *view, str(path)], capture_output=True, text=True,
                             timeout=60)
        assert got.returncode == 0, got.stderr
        outs[view[-1]] = html.read_text() if view[-1] == str(html) else got.stdout
    for view, out in outs.items():
        assert SPOKEN in out, (view, out)
