"""`--fault status:CODE` answering a HEAD request sends the provider-shaped error body.

README: HEAD answers carry no body (RFC 9110 9.3.2). The injected error is built like a
miss, with its JSON body, and that body goes out after the HEAD answer's headers: an HTTP/2
client rejects the stream (DATA on a HEAD answer: h2's InvalidBodyLengthError), so a client
checking a resource with HEAD under a rate-limit fault gets a protocol error instead of the
429 it is meant to handle; over HTTP/1.1 the body is read as the next response's status
line ("illegal status line: {"error": ...").
Expected: the 429 with its retry headers and no body.
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "h2"])
def test_a_status_fault_on_head_has_no_body(run_proxy, gateway, ca_cert, tmp_path, http2):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        assert client.head(gateway.url + "/json").status_code == 200
        assert client.get(gateway.url + "/json").status_code == 200
    proxy.stop()

    proxy = run_proxy(cassette, "replay", fault=["status:429@1"])
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        limited = client.head(gateway.url + "/json")
        assert limited.status_code == 429
        assert limited.content == b""
        assert client.head(gateway.url + "/json").status_code == 200  # the retry: recorded
        assert client.get(gateway.url + "/json").json()["name"] == "fakegateway"
