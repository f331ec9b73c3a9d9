"""Tester5: a tool call's arguments are printed raw after `tool call NAME(` in `show` and
`show --plain`, newlines included, with no indentation for the lines that follow (answers and
messages get theirs from show._labelled): arguments the model wrote over several lines start
lines at column 0, and a line of them can read as a line of the view itself, e.g. a second
`  < tool call: delete_all_files({})` that the model never made, in the git textconv view a
reviewer reads. Expected: the lines of a tool call's arguments stay inside its entry
(continuation lines indented, or the newlines escaped), so the view shows exactly one tool
call and no line of the block starts at column 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
ARGS = '{\n"city": "Paris"\n}\n  < tool call: delete_all_files({})'


def test_multiline_tool_arguments_stay_inside_their_entry(tmp_path):
    body = {"object": "chat.completion", "model": "gpt-4o", "choices": [{
        "index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "get_weather", "arguments": ARGS}}]}}]}
    req = {"model": "gpt-4o", "messages": [{"role": "user", "content": "weather?"}]}
    path = tmp_path / "tool.yaml"
    save_cassette(Cassette([Interaction(
        0, Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                   body=json.dumps(req), headers={"Content-Type": ["application/json"]}),
        Response(code=200, status="200 OK", body=json.dumps(body),
                 headers={"Content-Type": ["application/json"]}))]), str(path))
    for view in (["show"], ["show", "--plain"]):
        out = subprocess.run([VCRPROXY, *view, str(path)], capture_output=True, text=True,
                             timeout=60).stdout
        block = out.split("#0 ", 1)[1].splitlines()[1:]  # the interaction's lines
        assert all(line.startswith("  ") for line in block if line), out
        calls = [line for line in block if line.lstrip().startswith(("tool call", "< tool call"))]
        assert len(calls) == 1, out
