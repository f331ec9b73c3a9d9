"""Tester: with mitmproxy's `stream_large_bodies` option (`--set stream_large_bodies=1k`,
passed through as the README says any mitmproxy option is: users set it so big uploads and
downloads are not held in memory), a request whose body is over the threshold can be neither
recorded nor replayed: mitmproxy streams such a request body and opens the server connection
at its headers, before the `request` hook where vcrproxy decides, so the gate refuses it and
the client gets 502 "Connection killed: vcrproxy: no upstream connection in replay" in record
mode as in replay (where the session's stats count neither a replay nor a miss).

Expected: such a request is recorded (its body in the cassette) and replayed from it, over
HTTP/1.1 and h2, whatever stream_large_bodies says."""

from __future__ import annotations

import pytest
from conftest import proxied_client

from vcrproxy import load_cassette

BODY = {"model": "gpt-fake", "messages": [{"role": "user", "content": "long " * 1000}]}


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "h2"])
def test_a_streamed_request_body_is_recorded_and_replayed(run_proxy, gateway, ca_cert,
                                                          tmp_path, http2):
    cassette = tmp_path / "c.yaml"
    streaming = ("stream_large_bodies=1k",)
    url = gateway.url + "/v1/chat/completions"
    proxy = run_proxy(cassette, "record", sets=streaming)
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        recorded = client.post(url, json=BODY)
    proxy.stop()
    assert recorded.status_code == 200, recorded.text[:300]
    (i,) = load_cassette(str(cassette)).interactions
    assert "long long" in i.request.body

    before = len(gateway.requests)
    proxy = run_proxy(cassette, "replay", sets=streaming)
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        replayed = client.post(url, json=BODY)
    proxy.stop()
    assert (replayed.status_code, replayed.text) == (200, recorded.text), replayed.text[:300]
    assert len(gateway.requests) == before
