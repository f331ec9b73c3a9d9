"""A response header value holding bytes that are not UTF-8 (RFC 9110 obs-text: a latin-1
filename in Content-Disposition from a legacy server) is recorded as U+FFFD and replayed so.

flows._header_map decodes each value with `decode("utf-8", "replace")`: the bytes are gone from
the cassette, and replay sends EF BF BD where the server sent E9, so `résumé.txt` comes back as
`r\ufffdsum\ufffd.txt` (a wrong file name for every client that saves it). go-vcr keeps such a
value (a Go string holds any bytes; yaml.v3 writes a non-UTF-8 string as !!binary), as our
bodies are kept. Real proxy, a raw HTTP/1.1 upstream, httpx.
"""

from __future__ import annotations

import httpx
from conftest import raw_answers

DISPOSITION = b'attachment; filename="r\xe9sum\xe9.txt"'  # latin-1 bytes, as sent


def test_an_obs_text_header_value_replays_byte_for_byte(run_proxy, tmp_path):
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Disposition: "
              + DISPOSITION + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    path = tmp_path / "c.yaml"
    with raw_answers([answer]) as base:
        recorder = run_proxy(path, "record")
        with httpx.Client(proxy=recorder.url, timeout=5) as client:
            live = client.get(base + "/v1/files/file-1/content")
        recorder.stop()
    assert dict(live.headers.raw)[b"Content-Disposition"] == DISPOSITION  # (holds: passthrough)

    replay = run_proxy(path, "replay")
    with httpx.Client(proxy=replay.url, timeout=5) as client:
        again = client.get(base + "/v1/files/file-1/content")
    got = dict(again.headers.raw)[b"Content-Disposition"]
    assert got == DISPOSITION, f"replayed {got!r}"
