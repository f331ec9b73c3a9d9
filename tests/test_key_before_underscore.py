"""A fixed-length key glued to a name after it by `_` (`AKIA..._backup`, `fc-..._old`, as
env files and notes write `KEY_backup`) is still a key: its end is the end of its characters,
which `\\b` took `_` to continue. (A key after `_` is test_tester10_key_after_underscore.)
Real proxy, httpx, a loopback TLS upstream answering a chat completion."""

from __future__ import annotations

import json

import pytest
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import record_chat_answer

from vcrproxy import load_cassette


@pytest.mark.parametrize("shape", ["aws-access-key", "firecrawl", "aws-sigv4"])
def test_a_fixed_length_key_before_an_underscore_is_redacted(shape, run_proxy, gateway, ca_cert,
                                                            tmp_path):
    key = SHAPE_EXAMPLES[shape]
    text = f"old one: {key}_backup (rotate it)"
    cassette = tmp_path / "glued.yaml"
    record_chat_answer(run_proxy, gateway, ca_cert, cassette, text)
    [i] = load_cassette(cassette).interactions
    got = json.loads(i.response.body_bytes)["choices"][0]["message"]["content"]
    secret = key.partition("=")[2] or key  # (SigV4: the signature is the secret, not its name)
    assert secret not in got and got.endswith("_backup (rotate it)"), got
