"""Verify: the h2 neighbour of f635a53. Under `--pace recorded`, an HTTP/2 client (httpx
`http2=True`, which the proxy prefers) that gives up before the answer's headers (its read
timeout shorter than the recorded 1.46 s) resets its stream; the retry on the same connection
should get the recording (an answer never sent uses no interaction), as over HTTP/1.1.
"""

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
        post = {"url": recorded.request.url, "content": recorded.request.body,
                "headers": {"content-type": "application/json"}}
        with pytest.raises(httpx.ReadTimeout):
            client.post(**post, timeout=httpx.Timeout(20, read=0.5))
        retry = client.post(**post, timeout=20)
    assert "x-vcrproxy-miss" not in retry.headers, retry.text[:300]
    assert retry.http_version == "HTTP/2"
    assert retry.status_code == 200
    assert json.loads(retry.content)["output"][0]["content"][0]["text"] == "Olá!"
