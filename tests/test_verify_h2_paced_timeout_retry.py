"""Verify: the h2 neighbour of f635a53. Under `--pace recorded`, an HTTP/2 client (httpx
`http2=True`, which the proxy prefers) that gives up before the answer's headers (its read
timeout shorter than the recorded 1.46 s) should have its retry get the recording (an answer
never sent uses no interaction), as over HTTP/1.1.

httpcore sends no reset for a timed-out h2 stream and retries on a new connection, leaving the
old one open, so the proxy learns of the abandoned attempt only from the SDKs' attempt counter
(`x-stainless-retry-count`, sent as the openai and anthropic SDKs send it). A plain client that
sends no counter gives no sign: its concurrent identical request must still miss."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402

CASSETTE = Path(__file__).resolve().parent.parent / "cassettes" / "openai-responses-simple.yaml"


def test_a_timed_out_paced_h2_request_leaves_its_interaction_for_the_retry(run_proxy, ca_cert):
    recorded = load_cassette(str(CASSETTE)).interactions[0]
    assert recorded.response.duration_ns > 1_000_000_000  # (1.46 s to the headers)
    proxy = run_proxy(CASSETTE, "replay", pace="recorded")
    with proxied_client(proxy, ca_cert, http2=True) as client:
        post = {"url": recorded.request.url, "content": recorded.request.body}
        with pytest.raises(httpx.ReadTimeout):
            client.post(**post, headers=_attempt(0), timeout=httpx.Timeout(20, read=0.5))
        retry = client.post(**post, headers=_attempt(1), timeout=20)
    assert "x-vcrproxy-miss" not in retry.headers, retry.text[:300]
    assert retry.http_version == "HTTP/2"
    assert retry.status_code == 200
    assert json.loads(retry.content)["output"][0]["content"][0]["text"] == "Olá!"
    lines = proxy.call(proxy.vcr.summary_lines)
    assert "replayed 1," in lines[0] and "missed 0" in lines[0], lines


def _attempt(n: int) -> dict[str, str]:
    return {"content-type": "application/json", "x-stainless-retry-count": str(n)}


def test_without_the_attempt_counter_an_unanswered_request_keeps_its_interaction(
        run_proxy, ca_cert):
    recorded = load_cassette(str(CASSETTE)).interactions[0]
    proxy = run_proxy(CASSETTE, "replay", pace="recorded")
    with proxied_client(proxy, ca_cert, http2=True) as client:
        post = {"url": recorded.request.url, "content": recorded.request.body,
                "headers": {"content-type": "application/json"}}
        with pytest.raises(httpx.ReadTimeout):
            client.post(**post, timeout=httpx.Timeout(20, read=0.5))
        again = client.post(**post, timeout=20)
    assert again.status_code == 400 and "x-vcrproxy-miss" in again.headers, again.text[:300]
    assert "already used" in again.text
