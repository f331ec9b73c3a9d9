"""`host:` is recorded only when the request's Host overrides the URL's authority (Go's
Request.Host, empty for a client that does not set one). A Host that names the same authority
spelled otherwise, in another case (`LOCALHOST:8443`, host names are case-insensitive) or with
the scheme's default port (`api.example:443`, as gRPC clients send their :authority), is no
override, but was recorded as one: go-vcr's default matcher then compares it with a Go client's
empty Host and never matches, and every view shows an override that is not there.

Real proxy recording, the real TLS fake gateway and httpx (HTTP/1.1 and h2); the default port,
which a loopback test server cannot listen on, on real mitmproxy requests.
"""

from __future__ import annotations

import pytest
from conftest import proxied_client
from mitmproxy import http

from vcrproxy import load_cassette
from vcrproxy.flows import request_to_model


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2"])
def test_host_in_another_case_is_no_override(run_proxy, gateway, ca_cert, tmp_path, http2):
    path = tmp_path / "c.yaml"
    authority = gateway.url.split("://", 1)[1]
    proxy = run_proxy(str(path), "record")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        r = client.get(gateway.url + "/json?size=20", headers={"Host": authority.upper()})
        assert r.status_code == 200
    proxy.stop()
    (i,) = load_cassette(str(path)).interactions
    assert i.request.host == ""


@pytest.mark.parametrize("version", [b"HTTP/1.1", b"HTTP/2.0"])
def test_host_with_the_default_port_is_no_override(version):
    h2 = version == b"HTTP/2.0"
    req = http.Request("api.example", 443, b"GET", b"https", b"api.example:443" if h2 else b"",
                       b"/v1/models", version,
                       http.Headers() if h2 else http.Headers(host="api.example:443"),
                       b"", None, 0, 0)
    model = request_to_model(req)
    assert (model.url, model.host) == ("https://api.example/v1/models", "")
    req.host_header = "other.example:443"  # (a real override is still recorded)
    assert request_to_model(req).host == "other.example:443"
