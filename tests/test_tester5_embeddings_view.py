"""Tester5: an OpenAI embeddings exchange (`POST /v1/embeddings`, `{"model", "input"}`) is read
as an OpenAI Responses API call: aiformats guesses the API from the request's `input` and
`model` keys. `vcrproxy show` prints the embedded text as `user:` and then `assistant: (no
text)`, as if a chat model had answered nothing, and the LLM contentview of the replayed flow
(auto-selected in mitmweb) is headed `OpenAI Responses · JSON` and says `assistant: (no text)`.
Expected: an embeddings exchange is not presented as a Responses API answer (no
'assistant: (no text)', no 'OpenAI Responses' heading)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import proxied_client
from test_contentview import capture, rendered

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
URL = "https://api.openai.com/v1/embeddings"
REQUEST = {"model": "text-embedding-3-small", "input": "hello world"}
ANSWER = {"object": "list", "model": "text-embedding-3-small",
          "data": [{"object": "embedding", "index": 0, "embedding": [0.0123, -0.0456, 0.0789]}],
          "usage": {"prompt_tokens": 2, "total_tokens": 2}}


def cassette(path) -> str:
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url=URL, body=json.dumps(REQUEST),
                   headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body=json.dumps(ANSWER),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    return str(path)


def test_an_embeddings_exchange_is_not_shown_as_a_responses_answer(run_proxy, ca_cert,
                                                                     tmp_path):
    path = cassette(tmp_path / "embeddings.yaml")
    shown = subprocess.run([VCRPROXY, "show", path], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "(no text)" not in shown.stdout, shown.stdout

    proxy = run_proxy(path, "replay")
    cap = capture(proxy)
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(URL, json=REQUEST)
        assert r.status_code == 200 and r.json()["data"][0]["embedding"][0] == 0.0123
    view, out = rendered(cap.flows[0])
    assert "OpenAI Responses" not in out and "(no text)" not in out, (view, out)
