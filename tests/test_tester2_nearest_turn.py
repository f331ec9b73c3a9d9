"""A miss in a multi-turn conversation is explained against the wrong recording.

README (Matching): a request with no match gets a 400 saying "the nearest recorded interaction
and what differs, e.g. `body: $.messages[0].content differs: recorded "hello" vs live
"goodbye"`". The nearest is chosen by the number of differing *parts* (method, url, body...),
ties going to cassette order: in a tool-calling loop every turn differs from every recording in
the body alone, so the first turn is always "nearest". Replaying the reference multi-tool
cassette with only the second turn's tool result changed ("6" -> "7") names interaction 0,
already used, and says `$.messages has 2 items recorded vs 5 live`, where interaction 1 differs
by that one value. Expected: interaction 1 named, with `$.messages[4].content` differing.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402

from vcrproxy import load_cassette  # noqa: E402

CASSETTE = Path(__file__).resolve().parent.parent / "cassettes" / \
    "openai-chat-multi-tool-streaming.yaml"
URL = "https://api.openai.com/v1/chat/completions"


def test_a_changed_tool_result_is_explained_against_its_own_turn(run_proxy, ca_cert):
    first, second = (i.request for i in load_cassette(str(CASSETTE)).interactions)
    turn2 = json.loads(second.body)
    assert turn2["messages"][4] == {"content": "6", "role": "tool",
                                    "tool_call_id": "call_fBSgA47J5VeONggizTIvl7AH"}
    turn2["messages"][4]["content"] = "7"

    proxy = run_proxy(CASSETTE, "replay")
    headers = {"content-type": "application/json"}
    with proxied_client(proxy, ca_cert) as client:
        assert client.post(URL, content=first.body, headers=headers).status_code == 200
        missed = client.post(URL, json=turn2)
    assert missed.status_code == 400 and missed.headers.get("x-vcrproxy-miss")
    message = missed.json()["error"]["message"]
    assert "nearest is interaction 1" in message, message
    assert "$.messages[4].content" in message, message
