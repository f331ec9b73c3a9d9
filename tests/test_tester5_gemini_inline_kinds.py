"""Tester5: a Gemini request part `inlineData` is always shown as `[image]`
(aiformats._content_text: any block with "inlineData"), whatever its `mimeType` says: a WAV
recording and a PDF sent for summarising read `user: ... [image] [image]` in `vcrproxy show`
and `show --plain`, while OpenAI's `input_audio` is `[audio]` and Anthropic's `document`
`[file]`. Expected: an inline part is named by its MIME type (audio as `[audio]`, a PDF or
other document as `[file]`), never `[image]` for what is not an image."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
URL = ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
       ":generateContent")


def test_inline_audio_and_pdf_are_not_shown_as_images(tmp_path):
    req = {"contents": [{"role": "user", "parts": [
        {"text": "Summarise this recording and this PDF"},
        {"inlineData": {"mimeType": "audio/wav", "data": "UklGRiQAAABXQVZF"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0xLjQK"}}]}]}
    body = {"candidates": [{"content": {"role": "model", "parts": [{"text": "A short talk."}]},
                            "finishReason": "STOP"}]}
    path = tmp_path / "gemini.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url=URL, body=json.dumps(req),
                   headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body=json.dumps(body),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    for view in (["show"], ["show", "--plain"]):
        got = subprocess.run([VCRPROXY, *view, str(path)], capture_output=True, text=True,
                             timeout=60)
        assert got.returncode == 0, got.stderr
        assert "[image]" not in got.stdout, got.stdout
        assert "[audio]" in got.stdout and "[file]" in got.stdout, got.stdout
