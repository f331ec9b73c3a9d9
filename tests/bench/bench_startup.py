"""CLI start-up: wall and CPU time of whole `vcrproxy` commands on a small cassette, each run as a
fresh process next to a baseline run the same way (alternating): `python -c pass` (the bare
interpreter) for the tools, `mitmdump --version` (importing mitmproxy) for a replay session.

- `vcrproxy --help`, `show`, `check`, `redact`, `diff` (target: under 0.3 s each);
- `vcrproxy replay CASSETTE -- true`: start the proxy, run a command that makes no request, stop
  (target: under 1 s).

The children run with bytecode caching on (a warm-up run first writes the .pyc files, as an
installed package has them): an environment with PYTHONDONTWRITEBYTECODE=1 would otherwise
measure compiling our sources on every start.

    python tests/bench/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import subprocess
import sys
import time

import bench_util as bu
from bench_cassette import make_interaction

from vcrproxy.cassette import CHUNKS_KEY, Cassette
from vcrproxy.yamlio import save_cassette

TOOL_TARGET_S = 0.3
SESSION_TARGET_S = 1.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of one process run to its end (its output discarded); it must exit 0
    (`diff` 1: the cassettes differ)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env, cwd=bu.ROOT)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        proc.wait(5)
        raise
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 and not (proc.returncode == 1 and args[1:2] == ["diff"]):
        raise RuntimeError(f"exit {proc.returncode}: {' '.join(args)}")
    return wall, usage.ru_utime + usage.ru_stime


def _clean(rng: random.Random, n: int) -> Cassette:
    """n interactions `vcrproxy check` finds nothing in (make_interaction's chunk sizes count
    characters, not bytes: the last one takes the difference)."""
    items = [make_interaction(rng, i) for i in range(n)]
    for i in items:
        chunks = i.response.extra.get(CHUNKS_KEY)
        if chunks:
            chunks[-1][1] += len(i.response.body_bytes) - sum(size for _, size in chunks)
    return Cassette(interactions=items)


def run(tmp: str, confdir: str, *, runs: int = 5) -> list[bu.Row]:
    rng = random.Random(7)
    old, new = os.path.join(tmp, "startup-old.yaml"), os.path.join(tmp, "startup-new.yaml")
    save_cassette(_clean(rng, 2), old)
    save_cassette(_clean(rng, 3), new)
    scratch = os.path.join(tmp, "startup-redact.yaml")
    vcr, py = bu.tool("vcrproxy"), sys.executable
    env = _env()
    cases = [  # (measure, command, baseline name, baseline command, target)
        ("vcrproxy --help", [vcr, "--help"]),
        ("vcrproxy show (2 interactions)", [vcr, "show", old]),
        ("vcrproxy check (2 interactions)", [vcr, "check", old]),
        ("vcrproxy redact (2 interactions)", [vcr, "redact", scratch]),
        ("vcrproxy diff (2 vs 3 interactions)", [vcr, "diff", old, new]),
    ]
    python = ("python -c pass", [py, "-c", "pass"], TOOL_TARGET_S)
    mitmdump = ("mitmdump --version", [bu.tool("mitmdump"), "--version"], SESSION_TARGET_S)
    plan = [(m, c, python) for m, c in cases]
    plan.append(("vcrproxy replay CASSETTE -- true", [
        vcr, "replay", old, "--confdir", confdir, "-q", "--allow-no-traffic", "--", "true",
    ], mitmdump))
    rows = []
    for measure, cmd, (base_name, base_cmd, target) in plan:
        shutil.copyfile(old, scratch)
        run_once(cmd, env)  # warm-up: .pyc files, page cache
        run_once(base_cmd, env)
        ours: list[tuple[float, float]] = []
        base: list[tuple[float, float]] = []
        for k in range(runs):
            pair = [(cmd, ours), (base_cmd, base)]
            for args, out in pair if k % 2 == 0 else pair[::-1]:
                shutil.copyfile(old, scratch)
                out.append(run_once(args, env))
        o_wall, o_cpu = bu.median([w for w, _ in ours]), bu.median([c for _, c in ours])
        b_wall, b_cpu = bu.median([w for w, _ in base]), bu.median([c for _, c in base])
        rows.append(bu.Row(
            "startup", measure, f"{o_wall:.2f} s ({o_cpu:.2f} s CPU)",
            f"{base_name} {b_wall:.2f} s ({b_cpu:.2f} s CPU)", f"{o_wall - b_wall:+.2f} s",
            f"< {target:g} s", o_wall < target,
        ))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    return bu.script_main(lambda tmp, confdir: run(tmp, confdir, runs=args.runs))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
