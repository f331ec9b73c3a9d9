"""Neighbours of 3d45971 (credential-named `NAME=value` lines redacted in any body): the same
attached config files hold their secrets in other spellings, which stay in the cassette.

An .env's `DATABASE_URL=postgres://app:PASSWORD@db:5432/app` (the name says nothing, the password
is the URL's userinfo: the commonest secret in an .env), a YAML config (`password: ...`, a
docker-compose or app config attached as a text document), `.npmrc`'s
`//registry.npmjs.org/:_authToken=...` and `.netrc`'s `machine ... password ...`. With the fix,
the `DB_PASSWORD=` line of the same file is scrubbed; these are recorded as they are, and
`vcrproxy check` says ok. Real proxy, the fake gateway, httpx (an Anthropic text document).
"""

from __future__ import annotations

import pytest
from conftest import proxied_client

PASSWORD = "hunter2" + "Zq9" + "xWv"  # no key shape: only the file's syntax says secret

FILES = {
    "env-database-url": f"DB_HOST=db\nDB_PASSWORD={PASSWORD}0\n"
                        f"DATABASE_URL=postgres://app:{PASSWORD}@db:5432/app\n",
    "yaml-config": f"database:\n  host: db\n  password: {PASSWORD}\n",
    "npmrc": f"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={PASSWORD}\n",
    "netrc": f"machine api.example.com\n  login deploy\n  password {PASSWORD}\n",
}


@pytest.mark.parametrize("name", list(FILES))
def test_an_attached_config_keeps_no_secret(run_proxy, gateway, ca_cert, tmp_path, name):
    path = tmp_path / "c.yaml"
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{
        "role": "user",
        "content": [{"type": "document",
                     "source": {"type": "text", "media_type": "text/plain", "data": FILES[name]}},
                    {"type": "text", "text": "Why does this config fail to connect?"}],
    }]}
    proxy = run_proxy(path, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.post(gateway.url + "/v1/messages", json=body).status_code == 200
    proxy.stop()
    text = path.read_text()
    assert PASSWORD not in text, f"{name}: the password is in the cassette"
