"""Tester3: credentials under some of the commonest names in `.env` files and configs are
recorded as sent, because the name rule does not know them: `*_PASS` (`DB_PASS`, `SMTP_PASS`,
nodemailer's `auth: {user, pass}`: "pass" for password, as `passwd`/`pwd` are) and an
application's encryption key (`APP_KEY`, Laravel's, in every Laravel `.env`;
`ENCRYPTION_KEY`), beside compounds the rule has (`secret_key`, `master_key`, `signing_key`).
None has a key shape, and `vcrproxy check` says ok. A user pasting their `.env` or config into
a chat sends exactly these.
Real proxy, the openai SDK, the fake gateway's chat endpoint.
"""

from __future__ import annotations

import ssl

import httpx
import openai
import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main

VALUE = "Zq8hunter2" + "Secret77"

TEXTS = {
    "DB_PASS": f"DB_HOST=db.internal\nDB_USER=app\nDB_PASS={VALUE}\n",
    "SMTP_PASS": f"SMTP_HOST=smtp.example.com\nSMTP_USER=mailer\nSMTP_PASS={VALUE}\n",
    "nodemailer-pass": ("nodemailer.createTransport({\"host\": \"smtp.example.com\", \"auth\": "
                        f"{{\"user\": \"mailer\", \"pass\": \"{VALUE}\"}}}})\n"),
    "APP_KEY": f"APP_NAME=Shop\nAPP_ENV=production\nAPP_KEY=base64:{VALUE}QkFTRTY0\n",
    "ENCRYPTION_KEY": f"ENCRYPTION_KEY={VALUE}\n",
}


@pytest.mark.parametrize("name", list(TEXTS))
def test_common_credential_names_are_redacted(name, run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "chat.yaml"
    proxy = run_proxy(cassette, "record")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert)) as hc:
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="sk-test", http_client=hc,
                               max_retries=0)
        r = client.chat.completions.create(model="gpt-4o-mini", messages=[
            {"role": "user", "content": f"Why does this config not work?\n\n{TEXTS[name]}"}])
        assert r.choices
    proxy.stop()
    text = cassette.read_text()
    assert "config not work" in text  # (the message was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])  # (what check says)
    assert VALUE not in text, (f"the value of {name} reached the cassette", out.output)
