"""Verify14: 3ecd0d5 keeps a key shape's stand-in (`...EXAMPLE...`, `ghp_xxxx...`) as it is,
by the text of the shape's match. A private key's match runs from a `-----BEGIN ... PRIVATE
KEY-----` to the first `-----END` after it: an answer that names the header in prose (no END
after it) before the real key matched from that first header to the real key's end, prose
included; "EXAMPLE" anywhere in the prose made the whole match a stand-in, and the real key
inside it was never looked at again (the scan skips needle hits inside a match), so it was
recorded in the clear; before 3ecd0d5 the whole match was redacted. Real proxy, httpx, a
loopback TLS upstream answering an OpenAI chat completion."""

from __future__ import annotations

import json

from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import record_chat_answer

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["private-key"] + "\n-----END " + "PRIVATE KEY-----"
ANSWER = ("Your key file must start with the line -----BEGIN PRIVATE KEY----- (see the EXAMPLE "
          f"in the docs). Here is the key you pasted, which looks right:\n\n{KEY}\n")


def test_verify14_real_key_after_a_header_named_in_prose_is_redacted(run_proxy, gateway,
                                                                      ca_cert, tmp_path):
    cassette = tmp_path / "key.yaml"
    record_chat_answer(run_proxy, gateway, ca_cert, cassette, ANSWER, question="check it")
    [i] = load_cassette(cassette).interactions
    got = json.loads(i.response.body_bytes)["choices"][0]["message"]["content"]
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEF" not in got, ("the private key was recorded",
                                                        out.output)
