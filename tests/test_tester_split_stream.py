"""Tester: a key a model streams back in pieces reaches the cassette (real mitmproxy, the fake
TLS gateway's streamed tool call, httpx); the fake key is built at runtime.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import record_through
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

# -- a key the model streams back in pieces --------------------------------------------------------


def _split_key_request(base: str, key: str) -> dict:
    """A streamed chat completion with a tool: the fake answers the user's text as the tool
    call's `arguments` (`{"text":"..."}`) in 3 SSE deltas. The text is padded so that the
    first cut falls 6 characters into the key, as a model's tokens would cut it."""
    def args_len(pad: int) -> int:
        return len(json.dumps({"text": "." * pad + key}, separators=(",", ":")))
    pad = next(p for p in range(0, 400)
               if -(-args_len(p) // 3) == len('{"text":"') + p + 6)
    return {"method": "POST", "url": f"{base}/v1/chat/completions", "json": {
        "model": "gpt-4o-mini", "stream": True,
        "messages": [{"role": "user", "content": "." * pad + key}],
        "tools": [{"type": "function", "function": {"name": "write_env", "parameters": {}}}],
    }}


def test_key_streamed_back_in_pieces_is_not_recorded(run_proxy, gateway, ca_cert, tmp_path):
    """A coding agent's model writes the user's key into a tool call (`write_env`), streamed as
    argument deltas of a few characters each. Each SSE event holds a piece too short for any
    shape (`sk-pro`, then the rest without its prefix), the request's copy is redacted, and the
    echo search only hunts values found by name: the cassette holds the whole key, which every
    client (and `vcrproxy show`) reassembles."""
    key = SHAPE_EXAMPLES["openai"]
    cassette = tmp_path / "split.yaml"
    (r,) = record_through(run_proxy, cassette, ca_cert, _split_key_request(gateway.url, key))
    assert "sk-pro" in r.text and key not in r.text  # really split on the wire
    (i,) = load_cassette(cassette).interactions
    assert key.encode() not in i.request.body_bytes  # (the request's copy is redacted)
    args = "".join(
        tc["function"].get("arguments", "")
        for line in i.response.body_bytes.decode().splitlines()
        if line.startswith("data: {")
        for choice in json.loads(line[6:])["choices"]
        for tc in choice["delta"].get("tool_calls") or []
    )
    assert key not in args, "the recorded stream reassembles to the key"
    shown = CliRunner().invoke(main, ["show", "--plain", str(cassette)], prog_name="vcrproxy")
    assert key not in shown.output
