"""Replay throughput: vcrproxy replay vs `mitmdump --server-replay` on the same exchanges.

Both proxies run as processes from this venv, in reverse mode in front of an upstream that does
not exist (`reverse:https://api.example.invalid`, connection_strategy=lazy, upstream_cert=false),
so every answer comes from the recording. The load generator is h2load (nghttp2-client, C,
one thread): it drives both proxies identically over keep-alive TLS connections, HTTP/1.1
(`--h1`) or h2 (ALPN), one request in flight per connection, and needs a small fraction of a core
at these rates, so the proxies are what is measured. Each (case, proxy) pair runs alternately,
several times; figures are medians of requests/s over a timed window after a warm-up, and the
ratio is the median of the per-pair ratios (the two runs of a pair are back to back), with their
range.

Exchanges: one non-streamed OpenAI chat completion (a small JSON body) and one streamed
(SSE, ~20 events), recorded from tests/fakegateway.py through vcrproxy itself in reverse mode.
mitmdump replays a flows file written with mitmproxy.io.FlowWriter from the same cassette, with
the very response head vcrproxy sends; both reuse one recording for every request
(`--allow-repeats` / `server_replay_reuse`).

    python tests/bench/bench_replay.py [--runs 3] [--seconds 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import time

import bench_util as bu
import httpx

from vcrproxy.cassette import Cassette
from vcrproxy.flows import is_stream, replay_headers
from vcrproxy.yamlio import load_cassette, save_cassette

TARGET = 2.0  # vcrproxy requests/s >= 2x mitmdump's server replay (issue 18)
PATH = "/v1/chat/completions"


@dataclasses.dataclass
class Fixtures:
    cassette: str  # vcrproxy cassette, URLs on UPSTREAM
    flows: str  # the same exchanges as a mitmproxy flows file
    bodies: dict[str, str]  # case ("JSON", "SSE") -> request body file
    confdir: str


def chat_body(stream: bool) -> dict:
    return {
        "model": "gpt-4o-mini",
        "stream": stream,
        "messages": [
            {"role": "system", "content": "You are a terse assistant."},
            {"role": "user", "content": "Say hello in Portuguese, then count to ten in words."},
        ],
    }


def record(cassette: str, confdir: str, requests: list[dict], *, gateway=None) -> None:
    """Record `requests` (JSON bodies for POST /v1/chat/completions) through vcrproxy in reverse
    mode in front of a fake gateway, then move the URLs onto UPSTREAM."""
    from fakegateway import FakeGateway

    from vcrproxy.proxy import BackgroundProxy, ProxySettings

    own = gateway is None
    gw = gateway or FakeGateway(gap_ms=0).start()
    try:
        settings = ProxySettings(
            cassette=cassette, mode="record", confdir=confdir,
            sets=[f"ssl_verify_upstream_trusted_ca={gw.ca_path}", f"mode=reverse:{gw.url}"],
        )
        with BackgroundProxy(settings) as proxy, httpx.Client(verify=False, timeout=30) as c:
            base = proxy.url.replace("http://", "https://")
            for body in requests:
                r = c.post(base + PATH, json=body, headers={"X-Fake-Gap-Ms": "0"})
                r.raise_for_status()
    finally:
        if own:
            gw.stop()
    recorded = load_cassette(cassette)
    for i in recorded.interactions:
        url = i.request.url
        i.request.url = bu.UPSTREAM + url[url.index("/", len("https://")):]
    save_cassette(recorded, cassette)


def write_flows(cassette: Cassette, path: str) -> None:
    """The cassette's exchanges as mitmproxy flows, each response exactly as vcrproxy replays it
    to an HTTP/1.1 client (mitmproxy drops Transfer-Encoding itself for h2 clients)."""
    from mitmproxy import http, io
    from mitmproxy.test import tflow

    with open(path, "wb") as f:
        writer = io.FlowWriter(f)
        for item in cassette.interactions:
            rq, rs = item.request, item.response
            headers = [(k.encode(), v.encode()) for k, vs in rq.headers.items() for v in vs]
            req = http.Request.make(rq.method, rq.url, rq.body_bytes, headers)
            body = rs.body_bytes
            now = time.time()
            resp = http.Response(
                b"HTTP/1.1", rs.code, rs.status.partition(" ")[2].encode(),
                replay_headers(rs, len(body), h2=False, stream=is_stream(rs)), b"", None, now, now,
            )
            resp.raw_content = body
            flow = http.HTTPFlow(tflow.tclient_conn(), tflow.tserver_conn())
            flow.request, flow.response = req, resp
            writer.add(flow)


def build(tmp: str, confdir: str) -> Fixtures:
    cassette = os.path.join(tmp, "replay.yaml")
    bodies = {"JSON": chat_body(False), "SSE": chat_body(True)}
    record(cassette, confdir, list(bodies.values()))
    loaded = load_cassette(cassette)
    assert len(loaded.interactions) == 2, loaded.interactions
    flows = os.path.join(tmp, "replay.flows")
    write_flows(loaded, flows)
    files = {}
    for case, item in zip(bodies, loaded.interactions, strict=True):
        files[case] = os.path.join(tmp, f"body-{case}.json")
        with open(files[case], "wb") as f:
            f.write(item.request.body_bytes)  # byte for byte what was recorded
    return Fixtures(cassette, flows, files, confdir)


REVERSE = ["--set", f"mode=reverse:{bu.UPSTREAM}", "--set", "connection_strategy=lazy",
           "--set", "upstream_cert=false"]


def start_vcrproxy(fx: Fixtures, tmp: str, port: int | None = None) -> tuple[bu.Proc, int]:
    port = port or bu.free_port()
    args = bu.vcrproxy_cmd(fx.cassette, "replay", port, fx.confdir, "--allow-repeats", *REVERSE)
    return bu.Proc(args, log=os.path.join(tmp, f"vcrproxy-{port}.log")), port


def start_mitmdump(fx: Fixtures, tmp: str, port: int | None = None) -> tuple[bu.Proc, int]:
    port = port or bu.free_port()
    args = bu.mitmdump_cmd(
        port, fx.confdir, *REVERSE, "--server-replay", fx.flows,
        "--set", "server_replay_reuse=true", "--set", "server_replay_extra=kill",
    )
    return bu.Proc(args, log=os.path.join(tmp, f"mitmdump-{port}.log")), port


def h2load(port: int, body: str, *, h2: bool, clients: int, seconds: float = 0,
           warmup: float = 0, requests: int = 0) -> float:
    """Requests/s over `seconds` after `warmup` (or for a fixed count); fails on any error."""
    if shutil.which("h2load") is None:
        raise SystemExit("bench: h2load not found: apt-get install nghttp2-client")
    args = ["h2load", "-c", str(clients), "-m", "1", "-t", "1", "-d", body,
            "-H", "content-type: application/json"]
    if not h2:
        args.append("--h1")
    if requests:
        args += ["-n", str(requests)]
        limit = 120.0
    else:
        args += ["-D", f"{int(seconds * 1000)}ms", f"--warm-up-time={int(warmup * 1000)}ms"]
        limit = seconds + warmup + 30
    args.append(f"https://127.0.0.1:{port}{PATH}")
    done_run = subprocess.run(args, capture_output=True, text=True, timeout=limit)
    out = done_run.stdout + done_run.stderr
    m = re.search(r"finished in [\d.]+\w*, ([\d.]+) req/s", out)
    counts = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, "
                       r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    codes = re.search(r"status codes: (\d+) 2xx", out)
    proto = re.search(r"Application protocol: (\S+)", out)
    if not (m and counts and codes and proto):
        raise RuntimeError(f"h2load output not understood:\n{out}")
    done, ok, failed = int(counts.group(2)), int(counts.group(3)), int(counts.group(4))
    if failed or int(counts.group(5)) or int(counts.group(6)) or ok == 0:
        raise RuntimeError(f"h2load saw failures:\n{out}")
    # A timed run may stop with a stream in flight: its status is counted, its success not.
    if int(codes.group(1)) < done - clients:
        raise RuntimeError(f"non-2xx answers (replay misses?):\n{out}")
    if proto.group(1) != ("h2" if h2 else "http/1.1"):
        raise RuntimeError(f"negotiated {proto.group(1)}:\n{out}")
    return float(m.group(1))


CASES = [(case, h2, clients) for case in ("JSON", "SSE") for h2 in (False, True)
         for clients in (8, 32)]


def rss_mb(pid: int) -> float:
    """Median of three VmRSS samples, in MB."""
    samples = []
    for _ in range(3):
        samples.append(bu.status_kb(pid, "VmRSS") / 1024)
        time.sleep(0.05)
    return bu.median(samples)


def run(tmp: str, confdir: str, *, runs: int = 3, seconds: float = 2.0, replays: int = 10_000,
        fx: Fixtures | None = None) -> list[bu.Row]:
    """Memory rows (idle, after `replays` replays), then throughput rows (unless runs == 0)."""
    fx = fx or build(tmp, confdir)
    vcr, vport = start_vcrproxy(fx, tmp)
    mitm, mport = start_mitmdump(fx, tmp)
    rows = []
    with bu.running(vcr, mitm):
        bu.wait_port(vport, vcr.popen)
        bu.wait_port(mport, mitm.popen)
        time.sleep(0.5)
        idle = {vcr.pid: rss_mb(vcr.pid), mitm.pid: rss_mb(mitm.pid)}
        # `replays` replays spread over every case: also the warm-up of the throughput runs.
        # The CPU time each proxy spends per replay (counted runs; insensitive to other load on
        # the machine, unlike requests/s) is shown beside the throughput figures.
        per_case = replays // len(CASES)
        cpu: dict[tuple, dict[int, float]] = {}
        for case, h2, clients in CASES:
            cpu[case, h2, clients] = {}
            for port, pid in ((vport, vcr.pid), (mport, mitm.pid)):
                before = bu.cpu_seconds(pid)
                h2load(port, fx.bodies[case], h2=h2, clients=clients, requests=per_case)
                cpu[case, h2, clients][pid] = (bu.cpu_seconds(pid) - before) / per_case * 1e3
        after = {vcr.pid: rss_mb(vcr.pid), mitm.pid: rss_mb(mitm.pid)}
        rows.append(bu.Row(
            "memory", "RSS idle (replay, 2-interaction cassette)", f"{idle[vcr.pid]:.1f} MB",
            f"mitmdump --server-replay {idle[mitm.pid]:.1f} MB",
            f"{idle[vcr.pid] / idle[mitm.pid]:.2f}x",
        ))
        grew = {pid: after[pid] - idle[pid] for pid in after}
        rows.append(bu.Row(
            "memory", f"RSS after {per_case * len(CASES):,} replays",
            f"{after[vcr.pid]:.1f} MB ({grew[vcr.pid]:+.1f})",
            f"mitmdump --server-replay {after[mitm.pid]:.1f} MB ({grew[mitm.pid]:+.1f})",
            f"{after[vcr.pid] / after[mitm.pid]:.2f}x",
        ))
        for case, h2, clients in CASES if runs else ():
            ours, base = [], []
            for k in range(runs):  # alternate which one goes first
                order = [(vport, ours), (mport, base)]
                for port, out in order if k % 2 == 0 else order[::-1]:
                    out.append(h2load(port, fx.bodies[case], h2=h2, clients=clients,
                                      seconds=seconds, warmup=0.3))
            o, b = bu.median(ours), bu.median(base)
            ratio, spread = bu.paired(ours, base)
            rows.append(bu.Row(
                "replay throughput",
                f"{case}, {'h2' if h2 else 'HTTP/1.1'}, {clients} clients",
                f"{o:,.0f} req/s ({cpu[case, h2, clients][vcr.pid]:.2f} ms CPU/req)",
                f"mitmdump --server-replay {b:,.0f} req/s "
                f"({cpu[case, h2, clients][mitm.pid]:.2f} ms CPU/req)",
                # three decimals where two would round a miss up to the target
                (f"{ratio:.3f}x" if ratio < TARGET <= round(ratio, 2) else f"{ratio:.2f}x")
                + f" ({spread})",
                f">= {TARGET}x", ratio >= TARGET,
            ))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()
    return bu.script_main(
        lambda tmp, confdir: run(tmp, confdir, runs=args.runs, seconds=args.seconds)
    )


if __name__ == "__main__":
    sys.exit(main())
