"""`--fault delay:MS@1` longer than the SDK's timeout: the SDK's retry gets a miss.

`delay:MS` is the tool for testing a client's timeout path: the first answer comes late, the
SDK times out, and retries (openai's `timeout=`, `max_retries=`), as it would against a slow
API whose retry is answered. But the delayed answer keeps its interaction although the client
hung up before anything was sent, so the retry is a miss ("all matching interactions were
already used"), the SDK raises a 400 BadRequestError, and the summary says "replayed 1" for an
answer nobody received. Expected: an answer the client never got uses no interaction (as
status/cut/reset faults do): the retry gets the recording (retries_taken == 1) and nothing
misses.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from test_faults import FOUNDING, GATEWAY, text_of  # noqa: E402
from test_replay import oai, summary  # noqa: E402

MESSAGES = [
    {"content": "You are a helpful assistant", "role": "system",
     "cache_control": {"type": "ephemeral"}},
    {"content": "Say hi in Portuguese", "role": "user", "cache_control": {"type": "ephemeral"}},
]


def test_the_retry_after_a_timed_out_delay_gets_the_recording(run_proxy, ca_cert):
    proxy = run_proxy(FOUNDING, "replay", fault=["delay:3000@1"])
    with oai(proxy, ca_cert, GATEWAY, max_retries=1, timeout=1.0) as oc:
        raw = oc.chat.completions.with_raw_response.create(
            model="anthropic/claude-sonnet-4", messages=MESSAGES, max_tokens=4000, stream=True,
            stream_options={"include_usage": True})
        assert raw.retries_taken == 1
        assert text_of(list(raw.parse())) == "Olá!"
    lines = summary(proxy)
    assert "missed 0" in lines[0], lines
