"""`--pace recorded`: a request the client gave up on before the answer's headers uses up its
interaction, so the retry is a miss.

Recorded pacing is how one tests a client's timeout against realistic latency: the reference
Responses cassette took 1.46 s to its headers; a client with a shorter timeout gives up, then
retries (the openai SDK does, `max_retries`), as it would against the real API. Nothing of the
answer was sent (the live line: `ttfb -  total -  0 B (Client disconnected.)`), yet the
interaction is spent: the retry is answered "all matching interactions were already used",
a 400 the openai SDK raises as BadRequestError (not the APITimeoutError the code under test
handles), and the run exits 3 for a miss. Expected: an answer never sent uses no interaction;
the retry gets the recording.
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


def test_a_timed_out_paced_request_leaves_its_interaction_for_the_retry(run_proxy, ca_cert):
    recorded = load_cassette(str(CASSETTE)).interactions[0]
    assert recorded.response.duration_ns > 1_000_000_000  # (1.46 s to the headers)
    proxy = run_proxy(CASSETTE, "replay", pace="recorded")
    with proxied_client(proxy, ca_cert) as client:
        post = {"url": recorded.request.url, "content": recorded.request.body,
                "headers": {"content-type": "application/json"}}
        with pytest.raises(httpx.ReadTimeout):
            client.post(**post, timeout=httpx.Timeout(20, read=0.5))
        retry = client.post(**post, timeout=20)
    assert "x-vcrproxy-miss" not in retry.headers, retry.text[:300]
    assert retry.status_code == 200
    assert json.loads(retry.content)["output"][0]["content"][0]["text"] == "Olá!"
