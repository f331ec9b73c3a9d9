"""Verify15: blank lines before an NDJSON stream's first object are skipped since 679cce1, but
each still counts as one of the _HEAD_EVENTS (8) lines looked at to tell the API: a stream
that sends more blank lines than that first (keep-alives while a model loads, a line a second)
was taken for no delta stream, and a key split over its lines was recorded. Real proxy, httpx
streaming, a loopback TLS upstream writing one line per chunk (tester10's check)."""

from __future__ import annotations

from test_tester10_ndjson_split_key import _check


def test_verify15_ndjson_stream_after_many_keepalive_lines(run_proxy, gateway, ca_cert,
                                                           tmp_path):
    _check("ollama-chat", [b"\n"] * 10, run_proxy, gateway, ca_cert, tmp_path)
