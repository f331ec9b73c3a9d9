"""`--pace recorded`: a client that stops reading a stream early is counted as a failure.

Stopping a stream after the first chunks is ordinary SDK use (cancel a generation, a test that
checks the first token or the time to it; the openai SDK's `stream.close()`). Instant replay
counts such a request as replayed (`replayed 1, failed 0`). Paced replay, whose point is
timing tests like these, counts the same exchange as `replayed 0, failed 1` and reports an
error line for it: the summary says the cassette failed to replay an interaction the client
got as much of as it wanted, and the two paces disagree about one client's run. Expected: the
same counts as instant replay.
"""

from __future__ import annotations

import os
import ssl
import sys
import time

import openai
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_replay import oai, summary  # noqa: E402

PROMPT = [{"role": "user", "content": "one two three four five six seven eight nine ten"}]


@pytest.mark.parametrize("pace", ["instant", "recorded"])
def test_a_stream_closed_early_counts_as_replayed(run_proxy, gateway, ca_cert, tmp_path, pace):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with oai(proxy, ca_cert, gateway.url + "/v1", max_retries=0) as oc:
        stream = oc.chat.completions.create(model="m", stream=True, messages=PROMPT,
                                            extra_headers={"x-fake-gap-ms": "100"})
        assert len(list(stream)) > 5
    proxy.stop()

    proxy = run_proxy(cassette, "replay", pace=pace)
    http = openai.DefaultHttpxClient(proxy=proxy.url, timeout=20,
                                     verify=ssl.create_default_context(cafile=ca_cert))
    with openai.OpenAI(base_url=gateway.url + "/v1", api_key="sk-x", http_client=http,
                       max_retries=0) as oc:
        stream = oc.chat.completions.create(model="m", stream=True, messages=PROMPT)
        first = next(iter(stream))
        assert first.choices[0].delta.role == "assistant"
        stream.close()  # enough: the client stops here
    time.sleep(0.5)  # (the proxy sees the hang-up)
    line = summary(proxy)[0]
    assert "replayed 1," in line and "failed 0" in line, line
