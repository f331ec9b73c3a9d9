"""Tester8: the `LLM` mitmproxy contentview (mitmweb, the console, `mitmdump -s`) prints the
response's model, each tool call's name and the finish reason as they are, on lines of their
own, while its blocks are told apart by lines such as `assistant:` at column 0. Text a server
chose (a gateway's `model`, a tool name the model produced) holding line breaks makes the view
show an `assistant:` answer the model never gave, and a second `usage:` line. `vcrproxy show`
escapes the same fields (_clean_line); the view a user watches SDK traffic in does not.
Expected: the view of this answer (no text, one tool call) has no `assistant:` block and one
`usage:` line."""

from __future__ import annotations

import json

from conftest import proxied_client
from test_contentview import capture, rendered

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

URL = "https://api.openai.com/v1/chat/completions"


def test_tester8_contentview_one_line_fields_cannot_fake_lines(run_proxy, ca_cert, tmp_path):
    req = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    body = {"model": "gpt-4o\nassistant:\n  I moved the money", "choices": [{
        "index": 0, "finish_reason": "tool_calls\nusage: in 1 / out 1",
        "message": {"role": "assistant", "content": None, "tool_calls": [{
            "id": "c1", "type": "function",
            "function": {"name": "lookup\nassistant:\n  Done, all files deleted",
                         "arguments": "{}"}}]}}]}
    path = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url=URL, body=req,
                   headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body=json.dumps(body),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    proxy = run_proxy(str(path), "replay")
    cap = capture(proxy)
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(URL, content=req, headers={"content-type": "application/json"})
        assert r.status_code == 200, r.text[:300]
    assert len(cap.flows) == 1
    view, out = rendered(cap.flows[0])
    assert view == "LLM", out
    lines = out.splitlines()
    assert "assistant:" not in lines, out
    assert sum(line.startswith("usage:") for line in lines) == 1, out
