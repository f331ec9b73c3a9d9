"""A recorded 204 or 304 response has `content_length: 0`, as go-vcr records it: Go's transport
sets `Response.ContentLength` to 0 for a status that has no body (net/http transfer.go
fixLength: 1xx, 204, 304; its HTTP/2 transport likewise leaves 0 when the HEADERS frame ends
the stream). vcrproxy wrote -1 ("unknown"), so a re-recording by go-vcr of the same exchange
differs from ours, and a Go client replaying ours sees an unknown length where it never is.

Real proxy recording, the real TLS fake gateway, a real httpx client over HTTP/1.1 and h2.
"""

from __future__ import annotations

import pytest
from conftest import proxied_client

from vcrproxy import load_cassette


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_bodiless_status_records_content_length_zero(run_proxy, ca_cert, gateway, tmp_path,
                                                     http2):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(str(cassette), "record")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        assert client.get(gateway.url + "/status/204").status_code == 204
        assert client.get(gateway.url + "/status/304").status_code == 304
        assert client.get(gateway.url + "/json?size=20").status_code == 200
    proxy.stop()
    got = [(i.response.code, i.response.content_length)
           for i in load_cassette(str(cassette)).interactions]
    assert got == [(204, 0), (304, 0), (200, 20)]
