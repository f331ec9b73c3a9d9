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


# -- the rest of the kind: each coding, stall, the bytes the client gets ------------------------


def _store_encoded(path, coding: str) -> bytes:
    """Re-store the recorded stream of `path` in `coding`; returns its plain body."""
    from fakegateway import _Encoder

    cassette = load_cassette(str(path))
    response = cassette.interactions[0].response
    plain = response.body_bytes
    response.body = _Encoder(coding).whole(plain)
    response.headers["Content-Encoding"] = [coding]
    response.uncompressed = False
    response.extra.pop("vcrproxy_chunks", None)
    save_cassette(cassette, str(path))
    return plain


def test_cut_and_stall_of_each_stored_coding_send_that_coding(run_proxy, gateway, ca_cert,
                                                              tmp_path):
    from vcrproxy import decoders

    url = gateway.url + "/v1/chat/completions"
    recorded = tmp_path / "rec.yaml"
    recorder = run_proxy(recorded, "record")
    with proxied_client(recorder, ca_cert) as client:
        assert client.post(url, json=BODY).status_code == 200
    recorder.stop()
    for coding in ("br", "zstd", "deflate"):
        path = tmp_path / f"{coding}.yaml"
        path.write_bytes(recorded.read_bytes())
        plain = _store_encoded(path, coding)
        events = plain.count(b"data:")
        # cut: exactly N events, each decodable on arrival (decoded here: httpx reads zstd
        # only with `zstandard`, which mitmproxy 12 does not bring).
        proxy = run_proxy(path, "replay", fault=["cut:3"])
        got = []
        with proxied_client(proxy, ca_cert) as client:
            try:
                with client.stream("POST", url, json=BODY,
                                   headers={"Accept-Encoding": coding}) as r:
                    assert r.headers["content-encoding"] == coding
                    got.extend(r.iter_raw())
            except httpx.HTTPError:
                pass
        proxy.stop()
        assert decoders.decode_prefix(b"".join(got), coding).count(b"data:") == 3, coding
        # stall: the whole stream, still in the stored coding (raw bytes: the client asked for
        # it; httpx is told not to decode), and it decodes to the recorded body.
        proxy = run_proxy(path, "replay", fault=["stall:1"])
        with proxied_client(proxy, ca_cert) as client:
            with client.stream("POST", url, json=BODY,
                               headers={"Accept-Encoding": coding}) as r:
                assert r.headers["content-encoding"] == coding
                raw = b"".join(r.iter_raw())
        proxy.stop()
        assert decoders.decode(raw, coding) == plain, coding
        assert plain.count(b"data:") == events
