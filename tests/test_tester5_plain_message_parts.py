"""Tester5: `show --plain` (the README's git textconv) prints a request's messages as their text
only (an image as `[image]`) and leaves `messages`/`system` out of its `params` line, so a
change inside a message that is not its text is invisible: the image a test sends
(`image_url.url` cat.png -> dog.png) or a prompt-cache mark (`cache_control` added to the
system block) gives the same plain text, so `git diff` shows nothing, while replay matches on
the whole body (the old cassette now misses) and `vcrproxy diff` reports
`$.messages[1].content[1].image_url.url differs`. Expected: the plain views differ whenever
the request bodies differ as replay compares them (9359914 did this for top-level fields)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def chat(image: str, cache: bool) -> Interaction:
    system = {"type": "text", "text": "Be brief."}
    if cache:
        system["cache_control"] = {"type": "ephemeral"}
    req = {"model": "gpt-4o", "messages": [
        {"role": "system", "content": [system]},
        {"role": "user", "content": [{"type": "text", "text": "What is in this image?"},
                                     {"type": "image_url", "image_url": {"url": image}}]}]}
    body = {"object": "chat.completion", "model": "gpt-4o", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "A cat."},
         "finish_reason": "stop"}]}
    return Interaction(0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                                  body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=json.dumps(body),
                                headers={"Content-Type": ["application/json"]}))


CAT = "https://example.com/cat.png"


@pytest.mark.parametrize("new", [chat("https://example.com/dog.png", False), chat(CAT, True)],
                         ids=["image-url", "cache-control"])
def test_plain_differs_when_a_message_part_changes(new, tmp_path):
    a, b = tmp_path / "old.yaml", tmp_path / "new.yaml"
    save_cassette(Cassette([chat(CAT, False)]), str(a))
    save_cassette(Cassette([new]), str(b))
    got = subprocess.run([VCRPROXY, "diff", str(a), str(b)], capture_output=True, text=True,
                         timeout=60)
    assert got.returncode == 1, got.stdout  # diff sees the request change
    plain = [subprocess.run([VCRPROXY, "show", "--plain", str(p)], capture_output=True,
                            text=True, timeout=60).stdout for p in (a, b)]
    assert plain[0] != plain[1], plain[0]
