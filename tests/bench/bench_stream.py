"""Recording overhead on streams: SSE time to first event and inter-event gaps.

The fake gateway (tests/fakegateway.py, its own process) streams an OpenAI chat completion with
events GAP_MS apart. An httpx client (this process) reads it directly, through plain `mitmdump`
(no addon; forward proxy; `stream_large_bodies=1`, else it buffers whole responses) and through
`vcrproxy record` (forward proxy), each a process of its own, over warm keep-alive connections
(one unmeasured stream first), HTTP/1.1 and h2. Streams alternate between the three paths. Per
path: the median time from sending the request to the first complete event, the median gap
between events, and the time from the last event to the end of the stream (vcrproxy writes the
interaction before mitmproxy ends the response).

    python tests/bench/bench_stream.py [--streams 15]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import bench_util as bu
import httpx

GAP_MS = 10
TTFE_TARGET_MS = 1.0  # at most this much more time to first event than plain mitmproxy
GAP_TARGET_MS = 1.0  # inter-event gaps unchanged within this
PATH = "/v1/chat/completions"
BODY = {
    "model": "gpt-4o-mini",
    "stream": True,
    "messages": [{"role": "user", "content": "one two three four five six seven eight nine ten "
                  "eleven twelve thirteen fourteen fifteen sixteen"}],
}


def start_gateway(tmp: str) -> tuple[bu.Proc, str, str]:
    """The fake gateway as a process: (proc, url, ca_path)."""
    proc = bu.Proc([sys.executable, os.path.join(bu.TESTS, "fakegateway.py"),
                    "--gap-ms", str(GAP_MS)], log=os.path.join(tmp, "gateway.log"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = proc.output()
        values = dict(line.split("=", 1) for line in out.splitlines(keepends=True)
                      if "=" in line and line.endswith("\n"))
        if "url" in values and "ca_path" in values:
            return proc, values["url"].strip(), values["ca_path"].strip()
        if proc.popen.poll() is not None:
            raise RuntimeError("fake gateway exited:\n" + out)
        time.sleep(0.02)
    proc.stop()
    raise RuntimeError("fake gateway did not start")


def one_stream(client: httpx.Client, url: str) -> tuple[float, list[float], float]:
    """(time to first event, gaps between events, last event to end of stream), in ms."""
    arrivals: list[float] = []
    buf = b""
    t0 = time.perf_counter()
    with client.stream("POST", url, json=BODY) as r:
        r.raise_for_status()
        for chunk in r.iter_raw():
            now = time.perf_counter()
            buf += chunk
            while len(arrivals) < buf.count(b"\n\n"):
                arrivals.append(now)
    end = time.perf_counter()
    if len(arrivals) < 5 or not buf.endswith(b"data: [DONE]\n\n"):
        raise RuntimeError(f"unexpected stream: {buf[-200:]!r}")
    gaps = [(b - a) * 1000 for a, b in zip(arrivals, arrivals[1:], strict=False)]
    return (arrivals[0] - t0) * 1000, gaps, (end - arrivals[-1]) * 1000


def run(tmp: str, confdir: str, *, streams: int = 15) -> list[bu.Row]:
    gw, gw_url, gw_ca = start_gateway(tmp)
    ca = os.path.join(confdir, "mitmproxy-ca-cert.pem")
    upstream_ca = ["--set", f"ssl_verify_upstream_trusted_ca={gw_ca}"]
    mport, vport = bu.free_port(), bu.free_port()
    # Plain mitmdump buffers whole responses; stream_large_bodies=1 makes it stream (from the
    # first chunk on), as anyone proxying SSE through it would set.
    mitm = bu.Proc(bu.mitmdump_cmd(mport, confdir, *upstream_ca, "--set", "stream_large_bodies=1"),
                   log=os.path.join(tmp, "stream-mitmdump.log"))
    vcr = bu.Proc(bu.vcrproxy_cmd(os.path.join(tmp, "stream.yaml"), "record", vport, confdir,
                                  *upstream_ca), log=os.path.join(tmp, "stream-vcrproxy.log"))
    rows: list[bu.Row] = []
    with bu.running(vcr, mitm, gw):
        bu.wait_port(mport, mitm.popen)
        bu.wait_port(vport, vcr.popen)
        for h2 in (False, True):
            clients = {
                "direct": httpx.Client(verify=gw_ca, http2=h2, timeout=30),
                "mitmdump": httpx.Client(proxy=f"http://127.0.0.1:{mport}", verify=ca,
                                         http2=h2, timeout=30),
                "vcrproxy": httpx.Client(proxy=f"http://127.0.0.1:{vport}", verify=ca,
                                         http2=h2, timeout=30),
            }
            ttfe: dict[str, list[float]] = {k: [] for k in clients}
            gaps: dict[str, list[float]] = {k: [] for k in clients}
            tail: dict[str, list[float]] = {k: [] for k in clients}
            try:
                for client in clients.values():  # connect, TLS, upstream: not measured
                    one_stream(client, gw_url + PATH)
                names = list(clients)
                for k in range(streams):
                    for name in names[k % 3:] + names[: k % 3]:
                        a, g, t = one_stream(clients[name], gw_url + PATH)
                        ttfe[name].append(a)
                        gaps[name].extend(g)
                        tail[name].append(t)
            finally:
                for client in clients.values():
                    client.close()
            med = {name: (bu.median(ttfe[name]), bu.median(gaps[name]), bu.median(tail[name]))
                   for name in clients}
            proto = "h2" if h2 else "HTTP/1.1"
            (vt, vg, vtail), (mt, mg, mtail), (dt, dg, dtail) = (
                med["vcrproxy"], med["mitmdump"], med["direct"])
            rows.append(bu.Row(
                "SSE recording", f"time to first event, {proto}", f"{vt:.2f} ms",
                f"plain mitmdump {mt:.2f} ms (direct {dt:.2f} ms)",
                f"{vt - mt:+.2f} ms ({vt / mt:.2f}x)", f"<= +{TTFE_TARGET_MS:g} ms",
                vt - mt <= TTFE_TARGET_MS,
            ))
            rows.append(bu.Row(
                "SSE recording", f"median gap between events ({GAP_MS} ms sent), {proto}",
                f"{vg:.2f} ms", f"plain mitmdump {mg:.2f} ms (direct {dg:.2f} ms)",
                f"{vg - mg:+.2f} ms ({vg / mg:.2f}x)", f"within {GAP_TARGET_MS:g} ms",
                abs(vg - mg) <= GAP_TARGET_MS,
            ))
            rows.append(bu.Row(
                "SSE recording", f"last event to end of stream, {proto}", f"{vtail:.2f} ms",
                f"plain mitmdump {mtail:.2f} ms (direct {dtail:.2f} ms)",
                f"{vtail - mtail:+.2f} ms ({vtail / mtail:.2f}x)",
            ))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--streams", type=int, default=15)
    args = ap.parse_args()
    return bu.script_main(lambda tmp, confdir: run(tmp, confdir, streams=args.streams))


if __name__ == "__main__":
    sys.exit(main())
