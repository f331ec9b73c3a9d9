"""Tester: with mitmproxy's `stream_large_bodies` option (`--set stream_large_bodies=1k`, a
pass-through mitmproxy option), a response over that size but under vcrproxy's own LARGE_BODY
(8 MB) with a Content-Length and a non-stream type (a 5,000-byte JSON answer) is recorded with
an EMPTY body, silently: mitmproxy streams it (so keeps no body), but the recorder taps only
the responses it would stream itself (flows.streams), then builds the interaction from the
flow's (absent) content. `vcrproxy check` finds nothing wrong, and replay answers the request
with 0 bytes. (An SSE answer recorded through the same proxy is whole.)

Expected: the recorded body is the 5,000 bytes the client got, and replay sends them back."""

from __future__ import annotations

import pytest
from conftest import proxied_client

from vcrproxy import load_cassette


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "h2"])
def test_a_response_mitmproxy_streams_is_recorded_whole(run_proxy, gateway, ca_cert, tmp_path,
                                                        http2):
    cassette = tmp_path / "c.yaml"
    url = gateway.url + "/json?size=5000"
    proxy = run_proxy(cassette, "record", sets=("stream_large_bodies=1k",))
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        live = client.get(url)
    proxy.stop()
    assert live.status_code == 200 and len(live.content) == 5000
    (i,) = load_cassette(str(cassette)).interactions
    assert len(i.response.body_bytes) == 5000, f"recorded {len(i.response.body_bytes)} bytes"

    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        assert client.get(url).content == live.content
