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
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy.cli.main import main

ANSWER = "Hi\u009b2J there\u202egnp.exe\u2028next line\u2029\u0085end"


def test_verify14_show_json_escapes_what_a_terminal_obeys(run_proxy, gateway, ca_cert,
                                                          tmp_path):
    body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {
                           "role": "assistant", "content": ANSWER}}]}).encode()
    cassette = tmp_path / "c.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [body]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions", json={
                "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
        assert r.json()["choices"][0]["message"]["content"] == ANSWER
        proxy.stop()
    out = CliRunner().invoke(main, ["show", "--json", str(cassette)])
    assert out.exit_code == 0, out.output
    raw = [hex(ord(c)) for c in "\u009b\u202e\u2028\u2029\u0085" if c in out.output]
    assert not raw, f"show --json wrote {raw} raw"
    [summary] = json.loads(out.output)
    assert ANSWER in json.dumps(summary, ensure_ascii=False)  # (the same value for a script)
