"""A 304 (or 204) carrying a Content-Length (servers send the selected representation's length
on a 304, RFC 9110 8.6) has no body, and Go's transport sets its ContentLength to 0 whatever the
header says (net/http transfer.go fixLength), so go-vcr records `content_length: 0`; vcrproxy
recorded the header's number, a length for a body that is not there.

Real proxy recording; a real loopback server writing the answers byte for byte (conftest
raw_answers); a real httpx client.
"""

from __future__ import annotations

import httpx
from conftest import raw_answers

from vcrproxy import load_cassette


def test_bodiless_status_with_content_length_records_zero(run_proxy, tmp_path):
    answers = [
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\nETag: \"v1\"\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
    ]
    path = tmp_path / "c.yaml"
    with raw_answers(answers) as base:
        proxy = run_proxy(str(path), "record")
        for n in range(2):
            with httpx.Client(proxy=proxy.url, timeout=20) as client:
                r = client.get(f"{base}/r{n}", headers={"If-None-Match": '"v1"'})
                assert r.status_code in (304, 204)
        proxy.stop()
    got = [(i.response.code, i.response.content_length, i.response.header("Content-Length"))
           for i in load_cassette(str(path)).interactions]
    assert got == [(304, 0, "1234"), (204, 0, "0")]
