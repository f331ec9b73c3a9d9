"""Verify14: c0798b2 escapes U+2028/U+2029 "in every view", as the C1 controls (U+009B is CSI,
which xterm and VTE obey in UTF-8) and the bidi overrides already were. `vcrproxy show --json`
(for scripts, but as often printed to a terminal) wrote them raw: a recorded answer holding
U+009B then `2J` cleared the terminal of whoever looked at the cassette, U+202E reversed the
text shown. JSON has escapes for any character (`\\u009b`): the same value for a script, nothing
for a terminal to obey. Real CLI (click's runner), a cassette recorded through the real proxy
from a loopback TLS upstream answering an OpenAI chat completion."""

from __future__ import annotations

import json

from click.testing import CliRunner
from tester10_upstream import record_chat_answer

from vcrproxy.cli.main import main

ANSWER = "Hi\u009b2J there\u202egnp.exe\u2028next line\u2029\u0085end"


def test_verify14_show_json_escapes_what_a_terminal_obeys(run_proxy, gateway, ca_cert,
                                                          tmp_path):
    cassette = tmp_path / "c.yaml"
    record_chat_answer(run_proxy, gateway, ca_cert, cassette, ANSWER)
    out = CliRunner().invoke(main, ["show", "--json", str(cassette)])
    assert out.exit_code == 0, out.output
    raw = [hex(ord(c)) for c in "\u009b\u202e\u2028\u2029\u0085" if c in out.output]
    assert not raw, f"show --json wrote {raw} raw"
    [summary] = json.loads(out.output)
    assert ANSWER in json.dumps(summary, ensure_ascii=False)  # (the same value for a script)
