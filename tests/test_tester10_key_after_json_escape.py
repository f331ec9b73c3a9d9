"""Tester10: key shapes must start after a non-word character (`\\bsk-...`), but in a JSON
string the character before a key at a line's start is the `n` of its `\\n` escape (`\\t`,
`\\r` alike; `\\u00e9` ends in a hex digit): a model's answer "Here is the key:\\nsk-proj-..."
or a user message pasting a key on its own line keeps the key in the cassette, raw, in both
bodies, and `vcrproxy check` says ok. The same key after a space is redacted. Real proxy,
httpx, a loopback TLS upstream answering an OpenAI chat completion."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import record_chat_answer

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

SHAPES = ["openai", "anthropic", "google", "github", "aws-access-key", "jwt", "google-refresh"]
BEFORE = {"newline": "Here it is:\n", "tab": "key\t", "crlf": "key:\r\n",
          "accented": "cl\u00e9 "[:-1]}


@pytest.mark.parametrize("before", list(BEFORE))
@pytest.mark.parametrize("shape", SHAPES)
def test_tester10_key_after_a_json_escape_is_redacted(shape, before, run_proxy, gateway, ca_cert,
                                                      tmp_path):
    key = SHAPE_EXAMPLES[shape]
    text = BEFORE[before] + key + "\nKeep it safe."
    cassette = tmp_path / "escaped.yaml"
    record_chat_answer(run_proxy, gateway, ca_cert, cassette, text, question=text)
    [i] = load_cassette(cassette).interactions
    got = json.loads(i.response.body_bytes)["choices"][0]["message"]["content"]
    asked = json.loads(i.request.body_bytes)["messages"][0]["content"]
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert key not in got, (f"a {shape} key after {before} reached the answer", out.output)
    assert key not in asked, (f"a {shape} key after {before} reached the question", out.output)
    assert got == BEFORE[before] + "<REDACTED>\nKeep it safe.", got
