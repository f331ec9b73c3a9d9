"""Verify14: a value named as a credential that is a reference or stand-in is kept (ee7540e),
and d03764a made `$NAME` a stand-in only when its name is words (digits only at a word's end),
since `$K9QW2ZP7` may be a password. The other reference and stand-in forms kept any name, so
a real password written in them was recorded in the clear: `${K9QW2ZP7xq}`, `%K9QW2ZP7xq%`,
`<Zq8hunter2Secret77xx>`, `{{Zq8hunter2Secret77xx}}`, and a real password cut short with an
ellipsis (`Zq8hunter2Secret...`: most of it). A docs stand-in (`<your-api-key>`, `sk-proj-...`,
`${DB_PASSWORD}`) stays. Real proxy, httpx, a loopback TLS upstream answering an OpenAI chat
completion."""

from __future__ import annotations

import json

import pytest
from tester10_upstream import record_chat_answer

from vcrproxy import load_cassette

REALS = {
    "braced": "${K9QW2ZP7" + "xq}",
    "percent": "%K9QW2ZP7" + "xq%",
    "angle": "<Zq8hunter2" + "Secret77xx>",
    "mustache": "{{Zq8hunter2" + "Secret77xx}}",
    "ellipsis": "Zq8hunter2" + "Secret...",
}
KEPT = "ADMIN_TOKEN=<your-api-key>\nOPENAI_API_KEY=sk-proj-...\nDB_USER_PASSWORD=${DB_PASSWORD}\n"


@pytest.mark.parametrize("case", list(REALS))
def test_verify14_random_name_in_a_reference_is_redacted(case, run_proxy, gateway, ca_cert,
                                                       tmp_path):
    real = REALS[case]
    answer = f"Your database:\nDB_PASSWORD={real}\n\nand the docs say:\n{KEPT}"
    cassette = tmp_path / "docs.yaml"
    record_chat_answer(run_proxy, gateway, ca_cert, cassette, answer)
    text = cassette.read_text()
    secret = real.strip("${}%<>.")
    assert secret not in text, f"the {case} password was recorded"
    got = json.loads(load_cassette(cassette).interactions[0].response.body_bytes)
    assert KEPT in got["choices"][0]["message"]["content"]  # (docs' stand-ins stay)
