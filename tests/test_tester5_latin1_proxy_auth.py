"""Tester5: a cassette named in the proxy URL with a character outside ASCII
(`http://donn%C3%A9es%2Fchat.yaml:record@127.0.0.1:PORT`, a pytest marker's
`cassette="données/chat.yaml"`) reaches the proxy as `Proxy-Authorization: Basic` of the
decoded name, and Python's `requests` and `aiohttp` encode those credentials in ISO-8859-1
(requests.auth._basic_auth_str: `username.encode("latin1")`; aiohttp.BasicAuth's default),
as RFC 7617 leaves the charset to the client. registry.proxy_credentials decodes UTF-8 only
and, failing, reads the request as naming no cassette: it goes to the session's default
cassette (in the pytest plugin: passed through to the real upstream, unrecorded, then a false
"bypassed the proxy" error). Here: a request sending exactly what requests sends, through a
recording proxy. Expected: the name is read (ISO-8859-1 when it is not UTF-8) and the exchange
recorded into données/chat.yaml, nothing into the default cassette."""

from __future__ import annotations

import base64
import ssl

import httpx

from vcrproxy import load_cassette


def test_a_latin1_encoded_cassette_name_is_read(tmp_path, run_proxy, gateway, ca_cert):
    default = tmp_path / "default.yaml"
    proxy = run_proxy(default, "record")
    creds = base64.b64encode("données/chat.yaml:record".encode("latin1")).decode("ascii")
    via = httpx.Proxy(f"http://{proxy.proxy.host}:{proxy.proxy.port}",
                      headers={"Proxy-Authorization": f"Basic {creds}"})
    with httpx.Client(proxy=via, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=20) as client:
        assert client.get(gateway.url + "/json?size=5").status_code == 200
    named = tmp_path / "données" / "chat.yaml"
    proxy.call(proxy.vcr.release, str(named))
    proxy.stop()
    assert not default.exists(), "recorded into the default cassette (name not read)"
    assert named.exists() and len(load_cassette(str(named)).interactions) == 1
