"""Verify: the h2 neighbour of 21dfaea (an answer the client never got uses no interaction).

`--fault delay:MS@1` longer than the SDK's timeout, with the openai SDK on an HTTP/2 httpx client
(`http2=True`, which the proxy prefers): the client resets its stream before any byte of the
answer, the SDK retries. The HTTP/1.1 case gives the interaction back (the retry replays);
expected the same over h2: the retry gets the recording and nothing misses."""

from __future__ import annotations

import os
import sys

import openai

sys.path.insert(0, os.path.dirname(__file__))
from test_faults import FOUNDING, GATEWAY, text_of  # noqa: E402
from test_replay import OPENAI_KEY, summary, tls  # noqa: E402

MESSAGES = [
    {"content": "You are a helpful assistant", "role": "system",
     "cache_control": {"type": "ephemeral"}},
    {"content": "Say hi in Portuguese", "role": "user", "cache_control": {"type": "ephemeral"}},
]


def test_the_h2_retry_after_a_timed_out_delay_gets_the_recording(run_proxy, ca_cert):
    proxy = run_proxy(FOUNDING, "replay", fault=["delay:3000@1"])
    http = openai.DefaultHttpxClient(proxy=proxy.url, verify=tls(ca_cert), timeout=20, http2=True)
    with openai.OpenAI(base_url=GATEWAY, api_key=OPENAI_KEY, http_client=http, max_retries=1,
                       timeout=1.0) as oc:
        try:
            raw = oc.chat.completions.with_raw_response.create(
                model="anthropic/claude-sonnet-4", messages=MESSAGES, max_tokens=4000,
                stream=True, stream_options={"include_usage": True})
            http_version = raw.http_response.http_version
            chunks = list(raw.parse())
        except openai.APIError as exc:
            raise AssertionError(f"the retry failed: {exc!r}; {summary(proxy)}") from None
    assert http_version == "HTTP/2", http_version
    assert raw.retries_taken == 1
    assert text_of(chunks) == "Olá!"
    lines = summary(proxy)
    assert "missed 0" in lines[0], lines
