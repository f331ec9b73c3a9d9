"""Tester5: a Realtime (WebSocket) session of two turns, each answered by its own response
(`response.output_text.delta` events, then `response.done`), is shown with both answers glued
into one text: `assistant: Hello!It is sunny.` (websocket.summarize_session joins every text
delta of the session with ""), in `vcrproxy show` and `show --plain` alike, as if the model
had said one run-on sentence. Expected: each response's text is kept apart (a line or label per
response), never joined into one word across the turn boundary."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import WEBSOCKET_CASSETTE

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def session_yaml() -> str:
    events: list[tuple[str, dict]] = [
        ("server", {"type": "session.created", "session": {"model": "gpt-realtime"}})]
    for said, answer in (("Hi", ["Hello", "!"]), ("Weather?", ["It is", " sunny."])):
        events += [
            ("client", {"type": "conversation.item.create", "item": {
                "type": "message", "role": "user",
                "content": [{"type": "input_text", "text": said}]}}),
            ("client", {"type": "response.create"})]
        events += [("server", {"type": "response.output_text.delta", "delta": d})
                   for d in answer]
        events.append(("server", {"type": "response.done", "response": {
            "status": "completed", "output": [],
            "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}}}))
    head = WEBSOCKET_CASSETTE.split("      messages:\n")[0]
    lines = [head + "      messages:"]
    for n, (side, obj) in enumerate(events):
        lines += [f"      - at: {n + 1}.5", f"        from: {side}", "        type: text",
                  f"        data: {json.dumps(json.dumps(obj))}"]
    return "\n".join(lines) + "\n"


def test_two_realtime_answers_are_not_glued_together(tmp_path):
    path = tmp_path / "realtime.yaml"
    path.write_text(session_yaml())
    for view in (["show"], ["show", "--plain"]):
        got = subprocess.run([VCRPROXY, *view, str(path)], capture_output=True, text=True,
                             timeout=60)
        assert got.returncode == 0, got.stderr
        assert "Hello!" in got.stdout and "It is sunny." in got.stdout, got.stdout
        assert "Hello!It is sunny." not in got.stdout, got.stdout
