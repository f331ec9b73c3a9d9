"""Cassette scale: a 10,000-interaction cassette (~50 MB of streamed chat completions, built by
bench_cassette.make_interaction).

- load and save vs bare PyYAML + libyaml on the same file (CSafeLoader / CSafeDumper + fsync);
- the cost of one durable append at the 10,000th interaction vs the 100th, both through
  CassetteWriter.append and through CassetteSession.record (what the proxy calls per recorded
  exchange: redaction, id, append, matcher index); the two sizes alternate call by call;
- time to start replaying: process start to the first replayed response, `vcrproxy replay` of
  the cassette vs `mitmdump --server-replay` of the same exchanges as a flows file (both forward
  proxies, an httpx client asking for the last interaction).

    python tests/bench/bench_scale.py [--interactions 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import time
from collections.abc import Callable

import bench_util as bu
import httpx
import yaml
from bench_cassette import make_interaction

from vcrproxy import session as session_mod
from vcrproxy.cassette import Cassette, Interaction
from vcrproxy.matching import MatchConfig
from vcrproxy.redaction import RedactionConfig
from vcrproxy.session import CassetteSession
from vcrproxy.yamlio import CassetteWriter, load_cassette, save_cassette

CODEC_TARGET = 1.5  # load / save within 1.5x of bare libyaml (as bench_cassette.py)
FLAT_TARGET = 1.25  # append at #10,000 within 1.25x of append at #100
START_TARGET = 1.0  # replay answers its first request no later than mitmdump (issue 18)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def libyaml_save(data: object, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        yaml.dump(data, f, Dumper=yaml.CSafeDumper, allow_unicode=True)
        f.flush()
        os.fsync(f.fileno())


def libyaml_load(path: str) -> object:
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=yaml.CSafeLoader)


def codec_rows(cassette: Cassette, tmp: str, runs: int) -> list[bu.Row]:
    path = os.path.join(tmp, "scale.yaml")
    save_cassette(cassette, path)
    mb = os.path.getsize(path) / 1e6
    ours, base = [], []
    data = None
    for k in range(runs):
        pair = [(lambda: load_cassette(path), ours), (lambda: libyaml_load(path), base)]
        for fn, out in pair if k % 2 == 0 else pair[::-1]:
            out.append(timed(fn))
    data = libyaml_load(path)
    loaded = load_cassette(path)
    assert loaded.interactions == cassette.interactions
    ours_s, base_s = [], []
    for k in range(runs):
        pair = [(lambda: save_cassette(loaded, path + ".ours"), ours_s),
                (lambda: libyaml_save(data, path + ".libyaml"), base_s)]
        for fn, out in pair if k % 2 == 0 else pair[::-1]:
            out.append(timed(fn))
    n = len(cassette.interactions)
    rows = []
    for what, o, b in (("load", ours, base), ("save (+ fsync)", ours_s, base_s)):
        o, b = bu.median(o), bu.median(b)
        rows.append(bu.Row(
            "cassette scale", f"{what}, {n:,} interactions ({mb:.0f} MB)", f"{o:.2f} s",
            f"PyYAML + libyaml {b:.2f} s", f"{o / b:.2f}x", f"<= {CODEC_TARGET}x",
            o / b <= CODEC_TARGET,
        ))
    return rows


def _fresh(cassette: Cassette, k: int) -> Interaction:
    """A new exchange to append (a copy of one of the first 50 interactions)."""
    src = cassette.interactions[k % 50]
    return Interaction(id=-1, request=src.request, response=src.response)


def append_rows(cassette: Cassette, tmp: str, calls: int = 40) -> list[bu.Row]:
    small, large = 100, len(cassette.interactions)
    rows = []
    # CassetteWriter.append: the durable O(interaction) file append.
    writers, times = {}, {small: [], large: []}
    for n in (small, large):
        path = os.path.join(tmp, f"writer-{n}.yaml")
        c = Cassette(interactions=list(cassette.interactions[:n]))
        save_cassette(c, path)
        writers[n] = (CassetteWriter(path, c), c)
    try:
        for k in range(calls):
            for n in (small, large) if k % 2 == 0 else (large, small):
                w, c = writers[n]
                item = _fresh(cassette, k)
                item.id = len(c.interactions)
                times[n].append(timed(lambda w=w, item=item: w.append(item)))
    finally:
        for w, _ in writers.values():
            w.close()
    rows.append(_flat_row("CassetteWriter.append", times, small, large))
    # CassetteSession.record: what the proxy does per recorded exchange.
    sessions, times = {}, {small: [], large: []}
    for n in (small, large):
        path = os.path.join(tmp, f"session-{n}.yaml")
        c = Cassette(interactions=list(cassette.interactions[:n]))
        save_cassette(c, path)
        # The same session a proxy opens on that file in new-episodes mode; only the (already
        # measured, slow) parse is skipped by handing it the model we just saved.
        real = session_mod.load_cassette_notes
        session_mod.load_cassette_notes = lambda p, c=c: (c, [])
        try:
            sessions[n] = CassetteSession(path, "new-episodes", MatchConfig(),
                                          RedactionConfig.default())
        finally:
            session_mod.load_cassette_notes = real
    try:
        for k in range(calls):
            for n in (small, large) if k % 2 == 0 else (large, small):
                sess = sessions[n]
                item = _fresh(cassette, k)
                times[n].append(timed(lambda s=sess, item=item: s.record(item)))
    finally:
        for sess in sessions.values():
            sess.close()
    rows.append(_flat_row("CassetteSession.record", times, small, large))
    return rows


def _flat_row(what: str, times: dict[int, list[float]], small: int, large: int) -> bu.Row:
    s, big = bu.median(times[small]) * 1e3, bu.median(times[large]) * 1e3
    return bu.Row(
        "cassette scale", f"{what} (+ fsync) at #{large:,}", f"{big:.2f} ms",
        f"same at #{small:,}: {s:.2f} ms", f"{big / s:.2f}x", f"<= {FLAT_TARGET}x (flat)",
        big / s <= FLAT_TARGET,
    )


def first_replay(args: list[str], port: int, ca: str, item: Interaction, log: str) -> float:
    """Seconds from starting the proxy process to the end of its first replayed response."""
    t0 = time.perf_counter()
    proc = bu.Proc(args, log=log)
    try:
        bu.wait_port(port, proc.popen, timeout=120)
        req = item.request
        with httpx.Client(proxy=f"http://127.0.0.1:{port}", verify=ca, timeout=60) as c:
            r = c.request(req.method, req.url, content=req.body_bytes,
                          headers={k: v[0] for k, v in req.headers.items()})
            body = r.read()
        elapsed = time.perf_counter() - t0
        if r.status_code != item.response.code or body != item.response.body_bytes:
            raise RuntimeError(f"{args[0]}: not the recorded answer: {r.status_code} "
                               f"{body[:200]!r}")
        return elapsed
    finally:
        proc.stop()


def startup_rows(cassette: Cassette, tmp: str, confdir: str, runs: int) -> list[bu.Row]:
    from bench_replay import write_flows

    path = os.path.join(tmp, "startup.yaml")
    flows = os.path.join(tmp, "startup.flows")
    save_cassette(cassette, path)
    write_flows(cassette, flows)
    ca = os.path.join(confdir, "mitmproxy-ca-cert.pem")
    last = cassette.interactions[-1]
    lazy = ["--set", "connection_strategy=lazy", "--set", "upstream_cert=false"]
    ours, base = [], []
    for k in range(runs):
        pair = [
            (lambda p: bu.vcrproxy_cmd(path, "replay", p, confdir, *lazy), ours, "vcrproxy"),
            (lambda p: bu.mitmdump_cmd(p, confdir, *lazy, "--server-replay", flows,
                                       "--set", "server_replay_extra=kill"), base, "mitmdump"),
        ]
        for make, out, name in pair if k % 2 == 0 else pair[::-1]:
            port = bu.free_port()
            out.append(first_replay(make(port), port, ca, last,
                                    os.path.join(tmp, f"startup-{name}-{k}.log")))
    o, b = bu.median(ours), bu.median(base)
    n = len(cassette.interactions)
    return [bu.Row(
        "cassette scale", f"replay start to first response, {n:,} interactions",
        f"{o:.2f} s", f"mitmdump --server-replay {b:.2f} s", f"{o / b:.2f}x",
        f"<= {START_TARGET:g}x", o / b <= START_TARGET,
    )]


def build(n: int) -> Cassette:
    rng = random.Random(42)
    return Cassette(interactions=[make_interaction(rng, i) for i in range(n)])


def run(tmp: str, confdir: str, *, interactions: int = 10_000, runs: int = 3) -> list[bu.Row]:
    cassette = build(interactions)
    rows = codec_rows(cassette, tmp, runs)
    rows += append_rows(cassette, tmp)
    rows += startup_rows(cassette, tmp, confdir, runs)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interactions", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    return bu.script_main(
        lambda tmp, confdir: run(tmp, confdir, interactions=args.interactions, runs=args.runs)
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
