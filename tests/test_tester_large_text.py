"""Tester: large UTF-8 text bodies (past LARGE_BODY, so written as LiteralScalar's streamed
literal block, indented 16 KiB at a time) come back from the cassette, and from replay,
exactly as the client got them when recorded."""

from __future__ import annotations

import base64

import pytest
from conftest import proxied_client

from vcrproxy.store import load_cassette

MB = 8.6
TOTAL = int(MB * 1024 * 1024)
K16 = 16 << 10


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _at_16k(unit: bytes) -> bytes:
    """`unit` padded so breaks fall exactly on 16 KiB (and 1 MiB) boundaries."""
    return unit + b"q" * (K16 - len(unit) - 1) + b"\n"


UNITS = {
    "sse-empty-runs": b'data: {"id":"c1","delta":"hi"}\n\n\n\n\n',
    "tabs": b"\tleading tab\n\ta\tb\t\n\n",
    "one-char-lines": b"a\nb\n\nc\n",
    "u2028-and-utf8": "caf\u00e9 \u2603 \u2028 x\n\n".encode(),
    "crlf": b"data: x\r\n\r\n",
    "trailing-spaces": b"word  \n  \n",
    "leading-spaces": b"    four\n  two\n\n",
    "breaks-at-16k": _at_16k(b"\n\nstart"),
    "empty-line-at-16k": _at_16k(b"x") + b"\n",
    "yaml-looking": b"---\n- a: b\n# c\n... |\n>-\n'q'\n\"d\"\n",
    "starts-with-break": b"\nline\n",
    "nel": "a\u0085b\n".encode(),
    "nbsp": "a\u00a0\n\u00a0b\n".encode(),
}


USABLE = {"sse-empty-runs", "tabs", "leading-spaces", "breaks-at-16k", "empty-line-at-16k",
          "yaml-looking", "starts-with-break"}  # (nbsp: short lines outgrow the body)


@pytest.mark.parametrize("name", list(UNITS))
def test_large_text_body_comes_back_exact(name, run_proxy, gateway, ca_cert, tmp_path,
                                          monkeypatch):
    from vcrproxy import yamlv3

    unit = UNITS[name]
    finished: list[bool] = []  # LiteralScalar.finish: whether its text was usable
    real = yamlv3.LiteralScalar._finish
    monkeypatch.setattr(yamlv3.LiteralScalar, "_finish",
                        lambda self: (real(self), finished.append(self.usable)))
    url = f"{gateway.url}/big?mb={MB}&chunked=1&unit64={b64(unit)}"
    cassette = tmp_path / "text.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        sent = client.get(url).content
    assert len(sent) == TOTAL
    proxy.stop()
    try:
        (i,) = load_cassette(str(cassette)).interactions
        assert i.response.body_bytes == sent, name
        if name in USABLE:  # (the streamed literal block was what got written)
            assert finished == [True], finished
        replay = run_proxy(cassette, "replay")
        with proxied_client(replay, ca_cert) as client:
            again = client.get(url).content
        assert again == sent, name
    finally:
        cassette.unlink()
