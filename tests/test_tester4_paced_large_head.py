"""Tester: `--pace recorded` answers 502 "server closed connection" to an HTTP/1.1 request
whose headers total over 64 KiB (a large cookie or forwarded-auth header), though instant replay
of the same cassette answers it 200: the paced answer is fetched from vcrproxy's loopback chunk
server with the client's request headers, and that server reads the head with asyncio's
default 64 KiB StreamReader limit (pacing.ChunkServer._serve: `reader.readuntil`), so it drops
the connection. The session counts the exchange as nothing at all (replayed 0, missed 0,
failed 0): the run's summary says nothing went wrong.

Expected: the paced answer is the recording (200, the recorded body), as instant replay's is."""

from __future__ import annotations

from conftest import proxied_client, record_through


def test_paced_replay_of_a_request_with_a_large_head(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    url = gateway.url + "/json?size=30"
    (recorded,) = record_through(run_proxy, cassette, ca_cert, {"method": "GET", "url": url})
    big = {"X-Forwarded-Auth": "b" * 70_000}

    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert) as client:
        instant = client.get(url, headers=big)
    proxy.stop()
    assert (instant.status_code, instant.text) == (200, recorded.text)

    proxy = run_proxy(cassette, "replay", pace="recorded")
    with proxied_client(proxy, ca_cert) as client:
        paced = client.get(url, headers=big)
    proxy.stop()
    assert (paced.status_code, paced.text) == (200, recorded.text), paced.text[:300]
