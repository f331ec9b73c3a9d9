"""The benchmark suite (`make bench`): one markdown table of vcrproxy against baselines measured
side by side in the same run. Not collected by pytest; see tests/bench/RESULTS.md.

    python tests/bench/run.py [--only replay,stream,memory,scale,redaction,startup] [--quick]

Sections (each also a script of its own):
  replay  bench_replay.py  replay requests/s vs mitmdump --server-replay (h2load), RSS idle and
                           after 10,000 replays
  stream  bench_stream.py  SSE time to first event / gaps: direct, plain mitmdump, vcrproxy record
  memory  bench_memory.py  peak RSS and time recording a 50 MB stream
  scale   bench_scale.py   10,000-interaction cassette: load/save vs libyaml, flat appends, start
  redaction bench_redaction.py  seconds to redact one 50 MB body (binary, SSE, JSON + base64 image)
  startup bench_startup.py CLI commands start to end (--help, show, check, redact, diff; replay
                           -- true) vs python -c pass / mitmdump --version

Needs h2load (Debian: apt-get install nghttp2-client). Only loopback traffic; every loop is
bounded in count and time; about 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_util as bu  # noqa: E402

SECTIONS = ("replay", "stream", "memory", "scale", "redaction", "startup")
AREAS = ("replay throughput", "SSE recording", "stream recording", "cassette scale", "memory",
         "redaction", "startup")


PAIRED = (" (replay throughput: 5 runs, 50 MB recordings: 7; their ratio is the median of the"
          " ratios of back-to-back pairs, with its range)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections: {', '.join(SECTIONS)}")
    ap.add_argument("--quick", action="store_true",
                    help="fewer and shorter runs (a smoke test, not for RESULTS.md)")
    args = ap.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections: {', '.join(sorted(unknown))}")
    if "replay" in only and shutil.which("h2load") is None:
        print("bench: h2load is needed for the replay section: apt-get install nghttp2-client",
              file=sys.stderr)
        return 2

    from vcrproxy.ca import ensure_ca

    started = time.perf_counter()
    load_before = os.getloadavg()
    runs = 1 if args.quick else 3
    rows: list[bu.Row] = []
    tmp = tempfile.mkdtemp(prefix="vcrbench-")
    try:
        confdir = os.path.join(tmp, "conf")
        ensure_ca(confdir)
        for section in only:
            t0 = time.perf_counter()
            print(f"bench: {section} ...", file=sys.stderr, flush=True)
            if section == "replay":
                import bench_replay

                # More runs where one figure's run-to-run noise is near its target's margin.
                rows += bench_replay.run(tmp, confdir, runs=1 if args.quick else 5,
                                         seconds=1.0 if args.quick else 1.5,
                                         replays=2_000 if args.quick else 10_000)
            elif section == "stream":
                import bench_stream

                rows += bench_stream.run(tmp, confdir, streams=5 if args.quick else 20)
            elif section == "memory":
                import bench_memory

                rows += bench_memory.recording_rows(tmp, confdir, runs=1 if args.quick else 7)
                rows += bench_memory.text_rows(tmp, confdir, runs=1 if args.quick else 7)
            elif section == "redaction":
                import bench_redaction

                rows += bench_redaction.run(tmp, confdir, runs=runs)
            elif section == "startup":
                import bench_startup

                rows += bench_startup.run(tmp, confdir, runs=2 if args.quick else 5)
            elif section == "scale":
                import bench_scale

                rows += bench_scale.run(tmp, confdir, runs=runs,
                                        interactions=2_000 if args.quick else 10_000)
            print(f"bench: {section} took {time.perf_counter() - t0:.0f} s", file=sys.stderr,
                  flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows.sort(key=lambda r: AREAS.index(r.area) if r.area in AREAS else len(AREAS))
    load_after = os.getloadavg()
    print(bu.machine())
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"{runs} run(s) per figure, medians{PAIRED if not args.quick else ''}; "
          f"total {time.perf_counter() - started:.0f} s")
    print()
    print(bu.table(rows))
    missed = [r for r in rows if r.met is False]
    if missed:
        print()
        print(f"{len(missed)} target(s) missed: " + "; ".join(f"{r.area}: {r.measure}"
                                                            for r in missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
