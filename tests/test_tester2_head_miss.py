"""A miss answer to a HEAD request carries a body.

README: replay frames each response as RFC 9110/9112 say, HEAD answers carrying no body; a
request with no match gets HTTP 400 with a JSON error. For a HEAD request that 400 is sent
with its JSON body after the headers: over HTTP/1.1 the client (which reads no body after a
HEAD) takes those bytes as the next response's status line, so the next request on the
connection fails ("illegal status line: {"error": ..."); over HTTP/2 the client rejects the
stream (DATA after a HEAD answer: h2's InvalidBodyLengthError). Expected: the 400 with its
headers (X-Vcrproxy-Miss) and no body, the connection usable for the next request.
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "h2"])
def test_a_head_miss_has_no_body_and_keeps_the_connection(run_proxy, gateway, ca_cert,
                                                          tmp_path, http2):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        assert client.get(gateway.url + "/json").status_code == 200
    proxy.stop()

    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        missed = client.head(gateway.url + "/not-recorded")
        assert missed.status_code == 400
        assert missed.headers.get("x-vcrproxy-miss")
        replayed = client.get(gateway.url + "/json")  # same connection
        assert replayed.status_code == 200
        assert replayed.json()["name"] == "fakegateway"
