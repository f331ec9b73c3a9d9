"""Verify: a neighbour of 1e6c408 (an encoded slash in a path segment stays one).

The matcher now splits the path at `%2F` and unquotes each piece, then joins them with `%2F`; so a
segment holding a literal `%2F` (written `%252F`: a resource named `a%2Fb`) becomes `a%2Fb` too
and equals the encoded slash of another resource (`a/b` as one segment): replay answers
/json/a%2Fb with the recording of /json/a%252Fb. Expected: a miss, as the two URLs name
different resources (go-vcr compares the URL as written)."""

from __future__ import annotations

import os
import sys

import httpx

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402


def test_a_literal_percent_2f_is_not_an_encoded_slash(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        client.get(httpx.URL(gateway.url + "/json/a%252Fb"))
    proxy.stop()
    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert) as client:
        got = client.get(httpx.URL(gateway.url + "/json/a%2Fb"))
    assert got.headers.get("x-vcrproxy-miss"), (
        f"/json/a%2Fb replayed the recording of /json/a%252Fb ({got.status_code})")
