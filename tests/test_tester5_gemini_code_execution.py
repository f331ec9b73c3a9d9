"""Tester5: Gemini's built-in code execution (`tools: [{"codeExecution": {}}]`) answers with
`executableCode` and `codeExecutionResult` parts between its text parts. The views drop both
(aiformats._gemini reads only `text` and `functionCall` parts): `vcrproxy show` prints
`assistant: I'll compute it.The sum is 5117.` (the text parts glued, the code and its output
gone), where the Responses API's `code_interpreter_call` is shown as a tool call; and a
re-recording in which only the code the model ran changed is 'no differences' in `diff` and
the same `show --plain` text. Expected: the code (and its result) appear, like a built-in tool
call, and a change in them is a difference."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
URL = ("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
       ":generateContent")


def answer(code: str) -> Interaction:
    req = {"contents": [{"role": "user", "parts": [{"text": "Sum of the first 50 primes?"}]}],
           "tools": [{"codeExecution": {}}]}
    body = {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "I'll compute it."},
        {"executableCode": {"language": "PYTHON", "code": code}},
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "5117\n"}},
        {"text": "The sum is 5117."}]}, "finishReason": "STOP"}]}
    return Interaction(0, Request(method="POST", url=URL, body=json.dumps(req),
                                  headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=json.dumps(body),
                                headers={"Content-Type": ["application/json"]}))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60)


def test_gemini_code_execution_is_shown_and_compared(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    save_cassette(Cassette([answer("print(sum(primes(50)))")]), str(old))
    save_cassette(Cassette([answer("print(sum(sieve(229)))")]), str(new))
    shown = run("show", str(old))
    assert "primes(50)" in shown.stdout, shown.stdout
    diff = run("diff", str(old), str(new))
    assert diff.returncode == 1, diff.stdout
    assert run("show", "--plain", str(old)).stdout != run("show", "--plain", str(new)).stdout
