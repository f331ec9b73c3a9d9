"""Verify15: code assigning a reference with a default beside it (`OPENAI_API_KEY =
os.getenv("OPENAI_API_KEY", "<key>")`, `... or "<key>"`, `process.env.X || "<key>"`), the case
the README says is no stand-in since the default may be real, was recorded with the default: the
assignment's unquoted value stopped at the first quote, so `os.getenv(` alone became
`<REDACTED>` and the default after it was kept; the reference alone
(`os.getenv("OPENAI_API_KEY")`), a stand-in the README says stays, lost `os.getenv(`. Real proxy,
httpx posting a chat request that quotes the code to a loopback TLS upstream."""

from __future__ import annotations

import json

import pytest
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

SECRET = "Zq8hunter2" + "Secret77xx"
LINES = {
    "getenv-default": f'OPENAI_API_KEY = os.getenv("OPENAI_API_KEY", "{SECRET}")',
    "or-default": f'api_key = os.environ.get("OPENAI_API_KEY") or "{SECRET}"',
    "js-default": f'API_KEY=process.env.OPENAI_API_KEY || "{SECRET}"',
}
REFERENCE = 'OPENAI_API_KEY = os.getenv("OPENAI_API_KEY")'


def _record(run_proxy, gateway, ca_cert, tmp_path, line):
    cassette = tmp_path / "code.yaml"
    content = f"Why does this fail?\n\n{line}\nclient = OpenAI()\n"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.post(f"{upstream}/v1/chat/completions", json={
                "model": "gpt-4o", "messages": [{"role": "user", "content": content}]})
            assert r.status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    return json.loads(i.request.body_bytes)["messages"][0]["content"]


@pytest.mark.parametrize("case", list(LINES))
def test_verify15_default_beside_reference_is_redacted(case, run_proxy, gateway, ca_cert,
                                                       tmp_path):
    content = _record(run_proxy, gateway, ca_cert, tmp_path, LINES[case])
    assert SECRET not in content, content
    assert content.endswith("\nclient = OpenAI()\n"), content


def test_verify15_reference_alone_is_kept(run_proxy, gateway, ca_cert, tmp_path):
    content = _record(run_proxy, gateway, ca_cert, tmp_path, REFERENCE)
    assert REFERENCE in content, content
