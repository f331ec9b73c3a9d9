"""Tester3: a `.env` password written with a backslash escape inside double quotes is recorded
as it is. dotenv (python-dotenv, Node's dotenv) reads `\\"`, `\\\\` and `\\n` inside a double-quoted
value, so a password holding a quote is written `DB_PASSWORD="Tr0ub4dor\\"&3x"`, and a JSON
credential `GCP_CREDENTIALS="{\\"client_id\\":...}"`. The README redacts `.env` and shell
assignments in any body (an `.env` attached as text); `DB_PASSWORD="plain"` is redacted, but
any backslash in the quoted value leaves the whole value in the cassette, and check says ok.
Real proxy, the anthropic SDK, the fake gateway's Messages endpoint.
"""

from __future__ import annotations

import ssl

import anthropic
from click.testing import CliRunner

from vcrproxy.cli.main import main

PASSWORD = 'Tr0ub4dor\\"&3x-pr0d'  # as written in the file: the password is Tr0ub4dor"&3x-pr0d
ENV = f'# production\nDB_HOST=db.internal\nDB_PASSWORD="{PASSWORD}"\nDEBUG=0\n'


def test_escaped_quote_in_a_dotenv_value_is_redacted(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "env.yaml"
    proxy = run_proxy(cassette, "record")
    verify = ssl.create_default_context(cafile=ca_cert)
    with anthropic.DefaultHttpxClient(proxy=proxy.url, verify=verify, timeout=20) as hc:
        client = anthropic.Anthropic(base_url=gateway.url, api_key="sk-ant-test", http_client=hc,
                                     max_retries=0)
        msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=[
            {"role": "user", "content": f"Why can my app not connect?\n\n{ENV}"}])
        assert msg.content
    proxy.stop()
    text = cassette.read_text()
    assert "DB_HOST=db.internal" in text  # (the .env went through)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert "Tr0ub4dor" not in text, ("the .env password reached the cassette", out.output)


def test_a_run_of_backslashes_after_a_quote_does_not_stall_redaction():
    """The escaped-quote rule reads a quoted .env value without backtracking into it: an open
    quote followed by 200,000 backslashes and no closing quote is a plain value, found in one
    pass (with backtracking: quadratic, 6.5 s for 40,000)."""
    import threading

    from vcrproxy.redaction import redact_document

    done: list[str] = []
    for body in ('DB_PASSWORD="' + "\\" * 200_000 + "x", 'DB_PASSWORD=\\"' + "\\\\" * 100_000):
        worker = threading.Thread(target=lambda b=body: done.append(redact_document(b)),
                                  daemon=True)
        worker.start()
        worker.join(20)
        assert not worker.is_alive(), "redaction stalled on a run of backslashes"
    assert len(done) == 2
