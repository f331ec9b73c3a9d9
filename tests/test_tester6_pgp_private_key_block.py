"""Tester6: an OpenPGP private key (`-----BEGIN PGP PRIVATE KEY BLOCK-----` ...
`-----END PGP PRIVATE KEY BLOCK-----`, what `gpg --export-secret-keys --armor` prints) is
recorded as sent. The README redacts "private-key blocks" by shape anywhere, and PEM, OpenSSH
and legacy encrypted RSA blocks are; the shape wants `PRIVATE KEY-----` right after the
label, and OpenPGP's armor ends its header with `PRIVATE KEY BLOCK-----`. A user asking why
`gpg --import` fails, or a CI signing key attached to a chat, puts the whole secret key in the
cassette and `vcrproxy check` says ok. Real proxy, the openai SDK, the fake gateway.
"""

from __future__ import annotations

import ssl

import httpx
import openai
from click.testing import CliRunner

from vcrproxy.cli.main import main

BODY = ("lQOYBGXk3ZkBCADJx7ZkLmN8pQrS2tUvW4xYz7aB1cD3eF5gH7iJ9kL1mN3pQ5rS7tU9\n"
        "wX1yZ0aB2cD4eF6gH8iJ0kL2mN4pQ6rS8tU0wX2yZ4aB6cD8eF0gH2iJ4kL6mN8pQ0\n"
        "rS2tU4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2pQ4rS6tU8wX0yZ2aB4cD6eF8gH0iJ2kL4\n"
        "=q7Xz")
ARMORED = f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{BODY}\n-----END PGP PRIVATE KEY BLOCK-----\n"


def test_tester6_pgp_private_key_block_is_redacted(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "chat.yaml"
    proxy = run_proxy(cassette, "record")
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert)) as hc:
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="sk-test", http_client=hc,
                               max_retries=0)
        r = client.chat.completions.create(model="gpt-4o-mini", messages=[
            {"role": "user", "content": f"Why does gpg --import reject this?\n{ARMORED}"}])
        assert r.choices
    proxy.stop()
    text = cassette.read_text()
    assert "gpg --import" in text  # (the message was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert "lQOYBGXk3ZkBCADJx7Zk" not in text, ("the private key reached the cassette",
                                                  out.output)
