"""Tester5: an OpenAI chat answer spoken as audio (`modalities: ["text", "audio"]`,
gpt-4o-audio-preview) carries what the model said in `message.audio.transcript` (streamed:
`delta.audio.transcript` pieces) with `content: null`. `vcrproxy show` prints `assistant: (no
text)` for it, streamed or not, and so does `--plain`: the answer the client got (and that
redaction already reads as a delta field, aiformats.DELTA_FIELDS 'transcript') is missing
from every view. Expected: the transcript is shown as the assistant's answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
URL = "https://api.openai.com/v1/chat/completions"


def interaction(streamed: bool) -> Interaction:
    req = {"model": "gpt-4o-audio-preview", "modalities": ["text", "audio"],
           "audio": {"voice": "alloy", "format": "wav"}, "stream": streamed,
           "messages": [{"role": "user", "content": "Say hello"}]}
    if streamed:
        chunks = [{"object": "chat.completion.chunk", "model": "gpt-4o-audio-preview",
                   "choices": [{"index": 0, "delta": {"role": "assistant", "content": None,
                                                      "audio": {"id": "audio_1"}}}]}]
        for piece in ("Hello", " there,", " friend!"):
            chunks.append({"object": "chat.completion.chunk", "model": "gpt-4o-audio-preview",
                           "choices": [{"index": 0, "delta": {
                               "audio": {"transcript": piece, "data": "AAAA"}}}]})
        chunks.append({"object": "chat.completion.chunk", "model": "gpt-4o-audio-preview",
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        ctype = "text/event-stream"
    else:
        body = json.dumps({"object": "chat.completion", "model": "gpt-4o-audio-preview",
                           "choices": [{"index": 0, "finish_reason": "stop", "message": {
                               "role": "assistant", "content": None,
                               "audio": {"id": "audio_1", "data": "UklGRg==",
                                         "expires_at": 1, "transcript": "Hello there, friend!"}}}]})
        ctype = "application/json"
    return Interaction(0, Request(method="POST", url=URL, body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=body,
                                headers={"Content-Type": [ctype]}))


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "stream"])
def test_a_spoken_answer_shows_its_transcript(streamed, tmp_path):
    path = tmp_path / "audio.yaml"
    save_cassette(Cassette([interaction(streamed)]), str(path))
    for view in (["show"], ["show", "--plain"]):
        got = subprocess.run([VCRPROXY, *view, str(path)], capture_output=True, text=True,
                             timeout=60)
        assert got.returncode == 0, got.stderr
        assert "Hello there, friend!" in got.stdout, got.stdout
        assert "(no text)" not in got.stdout, got.stdout
