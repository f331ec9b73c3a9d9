"""Tester: recording writes what its own replay refuses. A real upstream answering a status
outside 100-599 (LinkedIn's well-known `999 Request denied`, which Go, httpx and curl accept)
is recorded with `code: 999`; replay then refuses the whole cassette at start ("999 is not an
HTTP status code (100-599); replay cannot use this cassette"), so the other, ordinary
interactions recorded in the same session cannot be replayed either. Real proxy, a real
loopback HTTP/1.1 server, httpx.
"""

from __future__ import annotations

import httpx
from conftest import raw_answers

ANSWERS = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    b"HTTP/1.1 999 Request denied\r\nContent-Length: 6\r\nConnection: close\r\n\r\ndenied",
]


def test_a_recorded_999_does_not_make_the_cassette_unreplayable(run_proxy, tmp_path):
    cassette = tmp_path / "c.yaml"
    with raw_answers(ANSWERS) as base:
        recorder = run_proxy(cassette, "record")
        with httpx.Client(proxy=recorder.url, timeout=5) as client:
            assert client.get(f"{base}/profile").status_code == 200
            assert client.get(f"{base}/scrape").status_code == 999
        recorder.stop()
    replay = run_proxy(cassette, "replay")  # today: ProxyError, the cassette is refused
    with httpx.Client(proxy=replay.url, timeout=5) as client:
        assert client.get(f"{base}/profile").status_code == 200
