"""Redaction of large bodies: seconds to redact one 50 MB interaction (what the proxy does in the
response hook before it writes a recording, blocking its event loop meanwhile).

Three bodies of `--mb` MB, each redacted `--runs` times (median), in this process:
- binary: the fake gateway's /big body (bytes 0..255 repeated), as a response body;
- sse: an OpenAI chat completion stream (chunk events of ordinary words), as a response body;
- json: a chat request carrying a base64 image (random bytes), as a request body.
The baseline is one `re` scan of the same body for a literal that is not there, so the ratio
says how many such passes redaction costs (it moves less with the machine's load than seconds).

    python tests/bench/bench_redaction.py [--runs 3] [--mb 50]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import sys
import time

import bench_util as bu

from vcrproxy.cassette import Interaction, Request, Response
from vcrproxy.redaction import RedactionConfig, redact_interaction

WORDS = (
    "the model answers questions about tokens keys secrets and passwords in plain prose while "
    "streaming one small delta per event to the client which prints it as soon as it arrives"
).split()


def bodies(mb: int) -> dict[str, tuple[str, bytes | str]]:
    """name -> (where, body) of about `mb` MB each."""
    size = mb * 1_000_000
    block = bytes(range(256)) * 256
    binary = (block * (size // len(block) + 1))[:size]
    rnd = random.Random(7)
    events, total, i = [], 0, 0
    while total < size:
        delta = " ".join(rnd.choice(WORDS) for _ in range(3))
        event = "data: " + json.dumps({
            "id": "chatcmpl-bench0001", "object": "chat.completion.chunk", "created": 1700000000,
            "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_0ba0d124f1",
            "choices": [{"index": 0, "delta": {"content": delta}, "logprobs": None,
                         "finish_reason": None}],
        }, separators=(",", ":")) + "\n\n"
        events.append(event)
        total += len(event)
        i += 1
    sse = "".join(events) + "data: [DONE]\n\n"
    image = base64.b64encode(rnd.randbytes(size * 3 // 4)).decode()
    request = json.dumps({
        "model": "gpt-4o", "max_tokens": 64,
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is in this image?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + image}},
        ]}],
    })
    return {"binary": ("response", binary), "sse": ("response", sse), "json": ("request", request)}


def interaction(where: str, body: bytes | str) -> Interaction:
    if where == "request":
        req = Request(method="POST", url="https://api.openai.com/v1/chat/completions", body=body,
                      headers={"Content-Type": ["application/json"],
                               "Authorization": ["Bearer not-a-real-key"]})
        return Interaction(id=0, request=req, response=Response(body="{}"))
    return Interaction(id=0, request=Request(url="https://api.openai.com/v1/x", method="POST"),
                       response=Response(body=body,
                                         headers={"Content-Type": ["text/event-stream"]}))


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(tmp: str = "", confdir: str = "", *, runs: int = 3, mb: int = 50) -> list[bu.Row]:
    config = RedactionConfig.default()
    absent = re.compile(rb"zq_absent_literal")
    rows = []
    for name, (where, body) in bodies(mb).items():
        i = interaction(where, body)
        data = body if isinstance(body, bytes) else body.encode()
        ours, base = [], []
        for _ in range(runs):  # alternate, so both see the same machine load
            ours.append(timed(lambda i=i: redact_interaction(i, config)))
            base.append(timed(lambda data=data: absent.search(data)))
        o, b = bu.median(ours), bu.median(base)
        rows.append(bu.Row("redaction", f"redact one {mb} MB {name} {where} body", f"{o:.2f} s",
                           f"one `re` pass for an absent literal {b * 1000:.0f} ms",
                           f"{o / b:.0f}x"))
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mb", type=int, default=50)
    args = ap.parse_args()
    print(bu.table(run(runs=args.runs, mb=args.mb)))
    sys.exit(0)
