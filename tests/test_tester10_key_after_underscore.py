"""Tester10: key shapes are found only at a word boundary (`\\bsk-...`), and `_` is a word
character, so a key written right after an underscore is not found: a name and its key joined
by `_` (`OPENAI_API_KEY_sk-proj-...`, a file or cache name `openai_sk-...`, a log line
`token_ghp_...`), in the request and in the answer echoing it, is recorded as sent and `vcrproxy
check` says ok. The same key after `=`, a space or `-` is redacted. Real proxy, httpx, the fake
gateway's /echo (TLS)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import record_through
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.cli.main import main

CASES = {
    "openai": "OPENAI_API_KEY_" + SHAPE_EXAMPLES["openai"],
    "anthropic": "key_" + SHAPE_EXAMPLES["anthropic"],
    "github": "token_" + SHAPE_EXAMPLES["github"],
    "google": "cache_" + SHAPE_EXAMPLES["google"],
    "groq": "GROQ_" + SHAPE_EXAMPLES["groq"],
}


@pytest.mark.parametrize("shape", list(CASES))
def test_tester10_key_after_an_underscore_is_redacted(shape, run_proxy, gateway, ca_cert,
                                                      tmp_path):
    key = SHAPE_EXAMPLES[shape]
    cassette = tmp_path / "glued.yaml"
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo?plain=1",
        "content": json.dumps({"messages": [{"role": "user", "content":
                                             f"My log says: loaded {CASES[shape]} from disk"}]}),
        "headers": {"content-type": "application/json"}})
    text = cassette.read_text()
    assert "loaded" in text  # (recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert key not in text, (f"a {shape} key after `_` reached the cassette", out.output)
    assert CASES[shape].split(key)[0] + "<REDACTED>" in text  # (the name before it stays)
