"""Cassette codec benchmark (a plain script, not a test): `python tests/bench/bench_cassette.py`.

Builds a 10,000-interaction cassette of about 50 MB (streamed SSE chat completions), then reports
the median of several runs of our load/dump against bare PyYAML with libyaml on the same data
(`yaml.load(text, CSafeLoader)` / `yaml.dump(data, Dumper=CSafeDumper)`), and the cost of one
durable append at the 100th and the 10,000th interaction (it must not grow with the file).
Takes about a minute and a half; on a slow or busy machine it makes fewer runs once `--budget`
seconds (default 100) are used, so it stays near two minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import yaml

from vcrproxy.cassette import CHUNKS_KEY, Cassette, Interaction, Request, Response
from vcrproxy.yamlio import CassetteWriter, dumps_cassette, loads_cassette, save_cassette

TARGET = 1.5  # acceptable ratio to bare PyYAML + libyaml


def sse_body(rng: random.Random, n_events: int) -> str:
    words = "the quick brown fox jumps over a lazy dog Olá! caf\u00e9 \"quoted\" it's".split()
    events = []
    for _ in range(n_events):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 6)))
        chunk = {
            "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1782321900,
            "model": "gpt-4o-2024-08-06", "choices": [
                {"index": 0, "delta": {"content": text}, "logprobs": None, "finish_reason": None}
            ],
        }
        events.append("data: " + json.dumps(chunk, ensure_ascii=False) + "\n\n")
    return "".join(events) + "data: [DONE]\n\n"


def make_interaction(rng: random.Random, i: int) -> Interaction:
    prompt = " ".join(rng.choice(["Say", "hi", "in", "Portuguese", "please", "now"]) for _ in
                      range(rng.randint(20, 60)))
    req_body = json.dumps({"model": "gpt-4o", "stream": True, "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": prompt}]})
    body = sse_body(rng, 17)
    if i % 97 == 0:
        body = body.replace("\n", "\r\n")  # some servers use CRLF: double-quoted
    sizes = [len(body) // 8] * 7 + [len(body) - 7 * (len(body) // 8)]
    resp = Response(
        proto="HTTP/2.0", proto_major=2, proto_minor=0, content_length=-1, body=body,
        headers={"Content-Type": ["text/event-stream; charset=utf-8"]},
        duration_ns=rng.randint(200_000_000, 3_000_000_000),
        extra={CHUNKS_KEY: [[round(k * 37.25 + rng.random(), 3), s] for k, s in enumerate(sizes)]},
    )
    if i % 113 == 0:
        resp.body = bytes(range(256)) * 4  # an AWS event-stream-like binary body
        resp.extra = {}
    req = Request(
        content_length=len(req_body), body=req_body,
        url="https://api.openai.com/v1/chat/completions", method="POST",
        headers={"Accept": ["application/json"], "Content-Type": ["application/json"],
                 "User-Agent": ["OpenAI/Python 1.40.0"]},
    )
    return Interaction(id=i, request=req, response=resp)


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """(median seconds, last result) of `runs` calls."""
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def compare(ours: Callable[[], object], base: Callable[[], object], runs: int, deadline: float):
    """Medians of interleaved runs (so a busy machine slows both alike), and the results.

    Stops early (after at least one pair) once `deadline` (perf_counter) is passed."""
    ours_times, base_times = [], []
    ours_result = base_result = None
    for n in range(runs):
        if n and time.perf_counter() > deadline:
            break
        t, ours_result = median_time(ours, 1)
        ours_times.append(t)
        t, base_result = median_time(base, 1)
        base_times.append(t)
    return statistics.median(ours_times), statistics.median(base_times), ours_result, base_result


def append_costs(directory: str, base: Cassette, sizes: tuple[int, ...], runs: int) -> list[float]:
    """Median seconds of one CassetteWriter.append (write + fsync) to files already holding
    `sizes` interactions; appends alternate between the files so disk noise hits all alike."""
    writers = []
    for n in sizes:
        path = os.path.join(directory, f"append-{n}.yaml")
        c = Cassette(interactions=list(base.interactions[:n]))
        save_cassette(c, path)
        writers.append(CassetteWriter(path, c))
    times: list[list[float]] = [[] for _ in sizes]
    for k in range(runs):
        for w, t in zip(writers, times, strict=True):
            extra = base.interactions[k % 50]
            item = Interaction(id=w.cassette.next_id(), request=extra.request,
                               response=extra.response)
            t0 = time.perf_counter()
            w.append(item)
            t.append(time.perf_counter() - t0)
    for w in writers:
        w.close()
    return [statistics.median(t) for t in times]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interactions", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--budget", type=float, default=100, help="seconds; fewer runs past it")
    args = ap.parse_args()
    if not getattr(yaml, "__with_libyaml__", False):
        print("PyYAML has no libyaml here: the baseline is the pure-Python one", file=sys.stderr)
    started = time.perf_counter()
    rng = random.Random(42)
    cassette = Cassette(interactions=[make_interaction(rng, i) for i in range(args.interactions)])
    text = dumps_cassette(cassette)

    load_deadline = started + args.budget * 0.6
    ours_load, base_load, loaded, data = compare(
        lambda: loads_cassette(text), lambda: yaml.load(text, Loader=yaml.CSafeLoader), args.runs,
        load_deadline,
    )
    assert isinstance(loaded, Cassette) and loaded.interactions == cassette.interactions
    ours_dump, base_dump, dumped, _ = compare(
        lambda: dumps_cassette(loaded), lambda: yaml.dump(data, Dumper=yaml.CSafeDumper), args.runs,
        started + args.budget * 0.85,
    )
    assert dumped == text
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.yaml")
        save, _ = median_time(lambda: save_cassette(loaded, path), args.runs)
        small, large = append_costs(tmp, cassette, (100, args.interactions), 30)

    mb = len(text.encode()) / 1e6
    print(f"cassette: {args.interactions} interactions, {mb:.1f} MB, Python "
          f"{sys.version.split()[0]}, PyYAML {yaml.__version__} (libyaml {yaml.__with_libyaml__})")
    print()
    print("| operation | vcrproxy | PyYAML + libyaml | ratio |")
    print("|---|---|---|---|")
    print(f"| load | {ours_load:.2f} s | {base_load:.2f} s | {ours_load / base_load:.2f}x |")
    print(f"| dump | {ours_dump:.2f} s | {base_dump:.2f} s | {ours_dump / base_dump:.2f}x |")
    print(f"| save (dump + atomic write + fsync) | {save:.2f} s | | |")
    print(f"| append at #100 | {small * 1e3:.2f} ms | | |")
    print(f"| append at #{args.interactions} | {large * 1e3:.2f} ms | | "
          f"{large / small:.2f}x of #100 |")
    print()
    print(f"total {time.perf_counter() - started:.0f} s; target: load and dump <= {TARGET}x, "
          "append flat")
    ok = ours_load / base_load <= TARGET and ours_dump / base_dump <= TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
