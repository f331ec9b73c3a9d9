"""Memory: proxy RSS idle, after 10,000 replays, and while recording a 50 MB stream.

Idle and after-replays RSS come from bench_replay (vcrproxy replay vs mitmdump --server-replay,
fresh processes, 10,000 replays over h2load before the throughput runs). Recording: the fake
gateway (own process) sends /big?mb=50&chunked=1 (64 KiB writes, no Content-Length); an httpx
client downloads it through a fresh `vcrproxy record` and through a fresh `mitmdump -w FILE`
(mitmproxy's own recording of the same exchange, which holds the body in memory too), and plain
streaming mitmdump as a reference; the figure is the proxy's peak RSS (VmHWM), and the time from
the request to the end of the body as the client sees it. Its ratio is the median of the
ratios of runs made back to back (vcrproxy's and streaming mitmdump's), with their range.

    python tests/bench/bench_memory.py [--runs 3] [--mb 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import bench_util as bu
import httpx
from bench_stream import start_gateway


def download(port: int, ca: str, url: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = 0
    with httpx.Client(proxy=f"http://127.0.0.1:{port}", verify=ca, timeout=120) as c, \
            c.stream("GET", url) as r:
        r.raise_for_status()
        for chunk in r.iter_raw():
            n += len(chunk)
    return n, time.perf_counter() - t0


# An SSE stream of chat chunks (UTF-8 text, yaml.v3's literal block), for the text row.
SSE_UNIT = b'data: {"id":"c1","choices":[{"delta":{"content":"some words here"}}]}\n\n'


def text_rows(tmp: str, confdir: str, *, runs: int = 3, mb: int = 50) -> list[bu.Row]:
    """Recording a 50 MB SSE text stream, and 50 MB of random bytes (compressed audio, images:
    short key-shape needles occur by chance), each against streaming mitmdump, alternating."""
    from base64 import urlsafe_b64encode

    rows = []
    for what, query in (("SSE text", f"&unit64={urlsafe_b64encode(SSE_UNIT).decode()}"),
                        ("random binary", "&random=7")):
        med, took = _recordings(tmp, confdir, runs, mb, query, with_w=False)
        vt, st = med["vcrproxy"][2], med["streaming mitmdump"][2]
        ratio, spread = bu.paired(took["vcrproxy"], took["streaming mitmdump"])
        rows.append(bu.Row("stream recording", f"{mb} MB {what} stream, request to end of body",
                           f"{vt:.2f} s", f"streaming mitmdump {st:.2f} s",
                           f"{ratio:.2f}x ({spread})", "<= 1.5x", ratio <= 1.5))
    return rows



def recording_rows(tmp: str, confdir: str, *, runs: int = 3, mb: int = 50) -> list[bu.Row]:
    med, took = _recordings(tmp, confdir, runs, mb, "", with_w=True)
    (vp, vi, vt), (mp, mi, mt), (sp, _, st) = (
        med["vcrproxy"], med["mitmdump -w"], med["streaming mitmdump"])
    ratio, spread = bu.paired(took["vcrproxy"], took["streaming mitmdump"])
    return [
        bu.Row(
            "memory", f"peak RSS recording a {mb} MB stream", f"{vp:.0f} MB (idle {vi:.0f})",
            f"mitmdump -w {mp:.0f} MB (idle {mi:.0f}); streaming mitmdump {sp:.0f} MB",
            f"{vp / mp:.2f}x", f"<= idle + {2 * mb} MB", vp <= vi + 2 * mb,
        ),
        bu.Row(
            "stream recording", f"{mb} MB binary stream (bytes 0..255), request to end of body",
            f"{vt:.2f} s",
            f"streaming mitmdump {st:.2f} s; mitmdump -w {mt:.2f} s", f"{ratio:.2f}x ({spread})",
            "<= 1.5x", ratio <= 1.5,
        ),
    ]


def _recordings(tmp: str, confdir: str, runs: int, mb: int, query: str, *, with_w: bool
                ) -> tuple[dict[str, tuple[float, float, float]], dict[str, list[float]]]:
    """Download /big?mb=MB&chunked=1QUERY through fresh proxies, alternating: name -> medians of
    (peak RSS MB, idle RSS MB, seconds) for vcrproxy record, streaming mitmdump and (with_w)
    mitmdump -w; and name -> the seconds of each run, in run order."""
    gw, gw_url, gw_ca = start_gateway(tmp)
    ca = os.path.join(confdir, "mitmproxy-ca-cert.pem")
    upstream = ["--set", f"ssl_verify_upstream_trusted_ca={gw_ca}"]
    url = f"{gw_url}/big?mb={mb}&chunked=1{query}"
    kinds = {
        "vcrproxy": lambda p, k: bu.vcrproxy_cmd(os.path.join(tmp, f"big-{k}.yaml"), "record",
                                                 p, confdir, *upstream),
        "mitmdump -w": lambda p, k: bu.mitmdump_cmd(p, confdir, *upstream, "-w",
                                                    os.path.join(tmp, f"big-{k}.flows")),
        "streaming mitmdump": lambda p, k: bu.mitmdump_cmd(p, confdir, *upstream, "--set",
                                                           "stream_large_bodies=1"),
    }
    if not with_w:
        del kinds["mitmdump -w"]
    peak: dict[str, list[float]] = {k: [] for k in kinds}
    idle: dict[str, list[float]] = {k: [] for k in kinds}
    took: dict[str, list[float]] = {k: [] for k in kinds}
    names = list(kinds)
    try:
        for k in range(runs):
            for name in names[k % len(names):] + names[: k % len(names)]:
                port = bu.free_port()
                proc = bu.Proc(kinds[name](port, k), log=os.path.join(tmp, f"big-{k}.log"))
                try:
                    bu.wait_port(port, proc.popen)
                    idle[name].append(bu.status_kb(proc.pid, "VmRSS") / 1024)
                    n, seconds = download(port, ca, url)
                    if n != mb * 1024 * 1024:
                        raise RuntimeError(f"{name}: got {n} bytes")
                    took[name].append(seconds)
                    peak[name].append(bu.status_kb(proc.pid, "VmHWM") / 1024)
                finally:
                    proc.stop()
                if name == "vcrproxy" and os.path.getsize(os.path.join(tmp, f"big-{k}.yaml")) \
                        < mb * 1024 * 1024:
                    raise RuntimeError("vcrproxy did not record the stream")
                for ext in (".yaml", ".flows"):
                    if os.path.exists(os.path.join(tmp, f"big-{k}{ext}")):
                        os.remove(os.path.join(tmp, f"big-{k}{ext}"))
    finally:
        gw.stop()
    return {name: (bu.median(peak[name]), bu.median(idle[name]), bu.median(took[name]))
            for name in kinds}, took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--mb", type=int, default=50)
    ap.add_argument("--no-replay", action="store_true", help="only the recording figures")
    args = ap.parse_args()

    def rows(tmp: str, confdir: str) -> list[bu.Row]:
        out: list[bu.Row] = []
        if not args.no_replay:
            import bench_replay

            out += bench_replay.run(tmp, confdir, runs=0)
        return out + recording_rows(tmp, confdir, runs=args.runs, mb=args.mb) + text_rows(
            tmp, confdir, runs=args.runs, mb=args.mb)

    return bu.script_main(rows)


if __name__ == "__main__":
    sys.exit(main())
