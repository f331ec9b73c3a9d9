"""Tester8: an answer's generated image is invisible to `vcrproxy diff` and to `show --plain`
(the git textconv view) when the answer also has text. Gemini's image models answer
`parts: [{"text": ...}, {"inlineData": {"mimeType": "image/png", "data": ...}}]`; the OpenAI
Responses API's `image_generation` tool answers an `image_generation_call` item whose `result`
is the image. Re-recorded with another image and the same caption, `diff` prints `no
differences` and exits 0, and the two `--plain` views are identical (so `git diff` shows
nothing), though the answer changed. (With no text the body is shown and compared, so the
change does show; the request side already digests non-text parts.) Expected: diff exits 1
and the plain views differ, for both APIs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash-image:generateContent"
RESPONSES = "https://api.openai.com/v1/responses"


def gemini(image: str) -> tuple[str, dict, dict]:
    return GEMINI, {"contents": [{"role": "user", "parts": [{"text": "Draw a cat"}]}]}, {
        "candidates": [{"content": {"role": "model", "parts": [
            {"text": "Here is your cat."},
            {"inlineData": {"mimeType": "image/png", "data": image}}]},
            "finishReason": "STOP"}], "modelVersion": "gemini-2.5-flash-image"}


def responses(image: str) -> tuple[str, dict, dict]:
    return RESPONSES, {"model": "gpt-4.1", "input": "Draw a cat",
                       "tools": [{"type": "image_generation"}]}, {
        "object": "response", "status": "completed", "model": "gpt-4.1", "output": [
            {"type": "image_generation_call", "id": "ig_1", "status": "completed",
             "result": image},
            {"type": "message", "role": "assistant",
             "content": [{"type": "output_text", "text": "Here is your cat."}]}]}


def write(path, url: str, req: dict, resp: dict) -> str:
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url=url, body=json.dumps(req),
                   headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body=json.dumps(resp),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    return str(path)


@pytest.mark.parametrize("api", [gemini, responses], ids=["gemini", "responses"])
def test_tester8_changed_answer_image_is_a_difference(tmp_path, api):
    old = write(tmp_path / "old.yaml", *api("iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"))
    new = write(tmp_path / "new.yaml", *api("R0lGODlhAQABAIAAAAAAAP///yH5BAEA"))
    got = subprocess.run([VCRPROXY, "diff", "--ignore-latency", old, new],
                         capture_output=True, text=True, timeout=60)
    assert got.returncode == 1, got.stdout + got.stderr
    plain = [subprocess.run([VCRPROXY, "show", "--plain", p], capture_output=True, text=True,
                            timeout=60).stdout for p in (old, new)]
    assert plain[0] != plain[1], plain[0]
