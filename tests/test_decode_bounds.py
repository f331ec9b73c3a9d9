"""Live decompression bombs through the real proxy: the recorder never inflates a response
whole (decoders.MAX_DECODED, 256 MiB), and says what it kept.

A buffered body (under 8 MB as sent) that decodes to more is recorded as sent, with its
Content-Encoding, and a warning; a streamed chunk that does (zstd holds 512 MiB of zeros in
~16 KB) stops the stream's recording like a coding that breaks (its decodable start kept, here
none: it is the bomb). The client gets the bytes unchanged either way."""

from __future__ import annotations

import logging

import pytest
from conftest import proxied_client

from vcrproxy import decoders, load_cassette

# Each bomb costs seconds of inflating up to the bound (twice: recording, redaction), and CI
# machines are shared: the flow may take longer than proxied_client's 20 s.
SLOW = 120


def _fetch_raw(proxy, ca_cert, url: str, coding: str) -> bytes:
    with proxied_client(proxy, ca_cert) as client:
        client.timeout = SLOW
        with client.stream("GET", url, headers={"Accept-Encoding": coding}) as r:
            assert r.status_code == 200
            return b"".join(r.iter_raw())  # (not decoded here either)


def test_a_buffered_gzip_bomb_is_recorded_as_sent(run_proxy, gateway, ca_cert, tmp_path,
                                                  caplog):
    path = tmp_path / "c.yaml"
    url = gateway.url + "/gzip/big?mb=320&unit64=AA==&whole=length"
    proxy = run_proxy(path, "record")
    with caplog.at_level(logging.WARNING, logger="vcrproxy"):
        raw = _fetch_raw(proxy, ca_cert, url, "gzip")
        proxy.stop()
    assert len(raw) < 1 << 20  # (320 MiB of zeros, gzip'd)
    response = load_cassette(str(path)).interactions[0].response
    assert response.body_bytes == raw
    assert response.header_values("Content-Encoding") == ["gzip"]
    assert "gzip body decodes to more than 256 MiB: recorded as sent (encoded)" in caplog.text
    # check says so in its one line too (the body searched as stored).
    from vcrproxy.redaction import find_secrets

    assert find_secrets(load_cassette(str(path)).interactions[0]) == [
        "interaction 0: response body not searched decoded: gzip body decodes to more than "
        "256 MiB (its stored bytes were)"]


def test_a_streamed_zstd_bomb_chunk_stops_the_recording(run_proxy, gateway, ca_cert, tmp_path,
                                                        caplog):
    path = tmp_path / "c.yaml"
    url = gateway.url + "/zstd/big?mb=512&unit64=AA==&whole=1"
    proxy = run_proxy(path, "record")
    with caplog.at_level(logging.WARNING, logger="vcrproxy"):
        raw = _fetch_raw(proxy, ca_cert, url, "zstd")
        proxy.stop()
    assert len(raw) < 1 << 20
    with pytest.raises(decoders.TooLarge):  # (the bomb, as sent)
        decoders.decode(raw, "zstd", max_size=1 << 20)
    response = load_cassette(str(path)).interactions[0].response
    assert response.body_bytes == b""
    assert "zstd body decodes to more than 256 MiB" in caplog.text


def test_a_gzip_bomb_request_body_is_matched_as_sent(run_proxy, gateway, ca_cert, tmp_path,
                                                     caplog):
    # A client's gzip'd request body (telemetry exporters send them) that is a bomb: recorded
    # and matched as sent, never inflated (live, then from the cassette by the matcher).
    from test_tester_gzip_bomb import gzip_bomb

    path = tmp_path / "c.yaml"
    body = gzip_bomb(300)
    url = gateway.url + "/echo"
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/octet-stream"}
    proxy = run_proxy(path, "record")
    with caplog.at_level(logging.WARNING, logger="vcrproxy"):
        with proxied_client(proxy, ca_cert) as client:
            client.timeout = SLOW
            assert client.post(url, content=body, headers=headers).status_code == 200
        proxy.stop()
        request = load_cassette(str(path)).interactions[0].request
        assert request.body_bytes == body
        assert request.header_values("Content-Encoding") == ["gzip"]
        proxy = run_proxy(path, "replay")
        with proxied_client(proxy, ca_cert) as client:
            client.timeout = SLOW
            assert client.post(url, content=body, headers=headers).status_code == 200
        proxy.stop()
    said = [r.getMessage() for r in caplog.records if "request body kept as sent" in
            r.getMessage()]
    assert len(said) == 2 and "gzip body decodes to more than 256 MiB" in said[0], said
