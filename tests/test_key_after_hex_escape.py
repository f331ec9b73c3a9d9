"""A key right after a `\\xNN` escape in text (a Python or C bytes literal a model or a log
quotes: `b'\\x00sk-proj-...'`) starts anew as after a JSON escape: the escape's hex digit is
not the key's word. Real proxy, httpx, a loopback TLS upstream answering a chat completion."""

from __future__ import annotations

import json

import pytest
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import record_chat_answer

from vcrproxy import load_cassette


@pytest.mark.parametrize("shape", ["openai", "anthropic", "github", "aws-access-key"])
def test_key_after_a_hex_escape_is_redacted(shape, run_proxy, gateway, ca_cert, tmp_path):
    key = SHAPE_EXAMPLES[shape]
    text = "The log held b'\\x00" + key + "' and more."
    cassette = tmp_path / "hex.yaml"
    record_chat_answer(run_proxy, gateway, ca_cert, cassette, text)
    [i] = load_cassette(cassette).interactions
    got = json.loads(i.response.body_bytes)["choices"][0]["message"]["content"]
    assert got == "The log held b'\\x00<REDACTED>' and more.", got
