"""`--fault cut:N` and `stall:MS` count nothing in an SSE body a cassette holds gzip-encoded.

go-vcr stores a response's compressed bytes (with Content-Encoding: gzip) when the client set
Accept-Encoding itself; check and redact decode such a body since f1d2f84, replay sends it as
stored. faults.split_events looks for SSE event ends in the compressed bytes, finds none, and
treats the body as one piece: `cut:2` delivers every event and then resets the stream, `stall`
sends them all at once. A retry test of "the stream broke after 2 chunks" passes or fails for
the wrong reason. Real proxy, httpx (which decodes gzip), a cassette recorded from the fake
gateway then stored encoded as go-vcr stores it.
"""

from __future__ import annotations

import gzip

import httpx
from conftest import proxied_client

from vcrproxy import load_cassette, save_cassette

BODY = {"model": "gpt-fake", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


def _events_before_the_cut(proxy, ca_cert, url) -> int:
    got = 0
    with proxied_client(proxy, ca_cert) as client:
        try:
            with client.stream("POST", url, json=BODY,
                               headers={"Accept-Encoding": "gzip"}) as r:
                for line in r.iter_lines():
                    got += line.startswith("data:")
        except httpx.HTTPError:
            pass
    return got


def test_cut_counts_the_events_of_a_gzip_stored_stream(run_proxy, gateway, ca_cert, tmp_path):
    path, url = tmp_path / "c.yaml", gateway.url + "/v1/chat/completions"
    recorder = run_proxy(path, "record")
    with proxied_client(recorder, ca_cert) as client:
        assert client.post(url, json=BODY).status_code == 200
    recorder.stop()

    cassette = load_cassette(str(path))  # now as go-vcr stores it for an Accept-Encoding client
    response = cassette.interactions[0].response
    plain = response.body_bytes
    assert plain.count(b"data:") > 3
    response.body = gzip.compress(plain)
    response.headers["Content-Encoding"] = ["gzip"]
    response.uncompressed = False
    response.extra.pop("vcrproxy_chunks", None)
    save_cassette(cassette, str(path))

    plain_path = tmp_path / "plain.yaml"
    response.body = plain
    del response.headers["Content-Encoding"]
    save_cassette(cassette, str(plain_path))
    control = _events_before_the_cut(run_proxy(plain_path, "replay", fault=["cut:2"]), ca_cert,
                                     url)
    assert control == 2  # (holds: the same stream stored decoded)

    got = _events_before_the_cut(run_proxy(path, "replay", fault=["cut:2"]), ca_cert, url)
    assert got == 2, f"cut:2 let {got} of {plain.count(b'data:')} events through"
