"""Tester: recording a large response with a Content-Length (not chunked) to an HTTP/1.1
client, the client has the whole body before its interaction is in the cassette: loading the
file right after the client's request returns finds no interaction (no file yet), and a
`kill -9` of the proxy at that moment loses it (checked by hand with `vcrproxy record
--background`: /big?mb=9..20 without chunked=1 over HTTP/1.1 -> no file; the same body
chunked, or over h2, or under 8 MB -> kept).

README (Cassettes): "The client gets a response's end once its interaction is in the file
(every process reads it there; killing the proxy keeps it)". The existing test
(test_record.test_flow_ends_once_written_and_the_fsync_follows) covers chunked bodies only:
a chunked body's end (its last chunk) or an h2 END_STREAM can be held back until the write,
but with a Content-Length the client needs nothing more once the last byte arrives.

Expected: the interaction is in the file when the client has the response, as for chunked."""

from __future__ import annotations

from conftest import proxied_client

from vcrproxy import load_cassette
from vcrproxy.cassette import CassetteError


def test_a_content_length_body_over_8_mb_is_in_the_file_when_the_client_has_it(
        run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.get(gateway.url + "/big?mb=9")  # Content-Length, 64 KiB writes
        try:
            found = len(load_cassette(str(cassette)).interactions)
        except (CassetteError, OSError) as e:
            found = f"nothing ({type(e).__name__}: {e})"
    assert r.status_code == 200
    assert len(r.content) == 9 << 20
    assert found == 1, f"when the client had the whole body the cassette held {found}"
    # (The client gets the body chunked, to hold its end; the recording keeps the server's
    # framing, as go-vcr records it.)
    (recorded,) = load_cassette(str(cassette)).interactions
    assert recorded.response.content_length == 9 << 20
    assert recorded.response.transfer_encoding is None
    assert recorded.response.headers.get("Content-Length") == [str(9 << 20)]
