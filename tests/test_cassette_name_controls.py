"""A cassette name a client gives in its proxy URL with a control character, a line break or a
bidi override is refused: as a file name it would reach every view's lines (check, show,
diff) and a terminal. Real proxy, httpx, the fake gateway."""

from __future__ import annotations

import os
import ssl

import httpx
import pytest

from vcrproxy.childenv import cassette_name_parts, proxy_url


@pytest.mark.parametrize("name", ["evil\nfake.yaml", "esc\x1b]0;t\x07.yaml", "bidi\u202etxt.yaml",
                                  "c1\x9b2J.yaml"])
def test_a_cassette_name_with_control_characters_is_refused(name, run_proxy, gateway, ca_cert,
                                                             tmp_path):
    with pytest.raises(ValueError, match="printable"):
        cassette_name_parts(name)
    root = tmp_path / "cassettes"
    root.mkdir()
    proxy = run_proxy(str(root / "default.yaml"), "record", cassette_dir=str(root))
    url = proxy_url("127.0.0.1", proxy.proxy.port, name)
    with httpx.Client(proxy=url, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=20) as client:
        r = client.get(f"{gateway.url}/json")
    proxy.stop()
    assert r.status_code >= 400
    names = [f for _, _, files in os.walk(root) for f in files]
    assert not [n for n in names if n != "default.yaml"], names


@pytest.mark.parametrize("escaped", ["a%ff.yaml", "a%fe.yaml", "a%c3.yaml"])
def test_a_cassette_name_whose_escapes_are_no_utf8_is_refused(escaped, run_proxy, gateway,
                                                              ca_cert, tmp_path):
    """`%ff` and `%fe` both decoded to U+FFFD: two names, one file (`a\ufffd.yaml`)."""
    root = tmp_path / "cassettes"
    root.mkdir()
    proxy = run_proxy(str(root / "default.yaml"), "record", cassette_dir=str(root))
    # (the client decodes the URL's user part once, the proxy once more: `%25ff` -> `%ff`)
    url = f"http://{escaped.replace('%', '%25')}@127.0.0.1:{proxy.proxy.port}"
    with httpx.Client(proxy=url, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=20) as client:
        r = client.get(f"{gateway.url}/json")
    proxy.stop()
    assert r.status_code >= 400
    names = [f for _, _, files in os.walk(root) for f in files]
    assert not [n for n in names if n != "default.yaml"], names
