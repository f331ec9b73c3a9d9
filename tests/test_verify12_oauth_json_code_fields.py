"""Verify12: round 12 redacts the `code` of an OAuth token request sent as JSON (01de7c0): once a
body holds `"grant_type": "authorization_code"` anywhere, *every* `"code"` field of the body
loses its value, and each such value is then masked wherever it occurs (the echo search). An
agent's conversation with a token-exchange tool call (Anthropic tool_use `input` is an object)
and a code-execution tool call (`{"code": "print(...)"}`) records the program as `<REDACTED>`,
and the model's answer quoting it is masked too, so replay answers `<REDACTED>` where the
model wrote the program. Only the token request's own `code` is a credential. Real proxy,
httpx, the fake gateway's /echo.
"""

from __future__ import annotations

import json

import yaml
from conftest import record_through

PROGRAM = "print(sum(range(10)))"
AUTH_CODE = "SplxlOBeZQQYbYS6WxSbIA"


def test_verify12_only_the_token_requests_code_is_redacted(run_proxy, gateway, ca_cert,
                                                          tmp_path):
    cassette = tmp_path / "agent.yaml"
    body = {"model": "claude-sonnet-4", "max_tokens": 100, "messages": [
        {"role": "user", "content": "Exchange the code, then sum 0..9."},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "t1", "name": "http_post", "input": {
                "url": "https://auth.example.com/oauth/token",
                "json": {"grant_type": "authorization_code", "code": AUTH_CODE,
                         "redirect_uri": "https://app.example.com/cb"}}},
            {"type": "tool_use", "id": "t2", "name": "run_python", "input": {"code": PROGRAM}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "ok"},
            {"type": "tool_result", "tool_use_id": "t2", "content": "45"}]}]}
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo", "content": json.dumps(body).encode(),
        "headers": {"content-type": "application/json"}})
    [i] = yaml.safe_load(cassette.read_text())["interactions"]
    assert AUTH_CODE not in i["request"]["body"]  # (the token request's code: redacted)
    assert PROGRAM in i["request"]["body"], ("the run_python tool's code was redacted",
                                             i["request"]["body"])
    assert PROGRAM in i["response"]["body"], "the program is masked in the recorded answer"
