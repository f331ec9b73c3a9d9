"""Shared helpers of the benchmark scripts (not a benchmark itself): processes, ports, RSS, rows.

Every proxy under test runs as its own process (`vcrproxy ...` or `mitmdump ...` from the same
venv as this interpreter), so the numbers compare the same process shape.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)  # fakegateway
if HERE not in sys.path:
    sys.path.insert(0, HERE)  # bench_cassette

# An upstream that cannot exist: replay must answer without ever connecting anywhere.
UPSTREAM = "https://api.example.invalid"


def tool(name: str) -> str:
    """An entry point of this interpreter's venv (vcrproxy, mitmdump), else from PATH."""
    here = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(here):
        return here
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"bench: {name} not found next to {sys.executable} nor on PATH")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 60.0) -> float:
    """Wait until 127.0.0.1:port accepts; returns the time it took. Fails if proc exits."""
    start = time.perf_counter()
    deadline = start + timeout
    while time.perf_counter() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}) before listening: {proc.args}")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return time.perf_counter() - start
        time.sleep(0.005)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")


class Proc:
    """A started child process, stopped with SIGINT (then SIGKILL) by its own pid."""

    def __init__(self, args: Sequence[str], *, log: str, env: dict | None = None) -> None:
        self.args = list(args)
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.started = time.perf_counter()
        self.popen = subprocess.Popen(
            self.args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, cwd=ROOT,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._log.close()

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


@contextlib.contextmanager
def running(*procs: Proc) -> Iterator[None]:
    try:
        yield
    finally:
        for p in procs:
            p.stop()


def vcrproxy_cmd(cassette: str, mode: str, port: int, confdir: str, *extra: str) -> list[str]:
    return [tool("vcrproxy"), mode, cassette, "--host", "127.0.0.1", "--port", str(port),
            "--confdir", confdir, "-q", *extra]


def mitmdump_cmd(port: int, confdir: str, *extra: str) -> list[str]:
    return [tool("mitmdump"), "-q", "--listen-host", "127.0.0.1", "--listen-port", str(port),
            "--set", f"confdir={confdir}", *extra]


def status_kb(pid: int, key: str) -> int:
    """A kB figure of /proc/PID/status: VmRSS (now) or VmHWM (peak)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (clock-tick resolution)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired(ours: Sequence[float], base: Sequence[float]) -> tuple[float, str]:
    """The median of the per-run ratios ours[k] / base[k] (each pair ran back to back, so a
    change in the machine's load between runs moves both), and their range, formatted."""
    ratios = sorted(o / b for o, b in zip(ours, base, strict=True))
    return median(ratios), f"{ratios[0]:.2f}-{ratios[-1]:.2f}"


# -- the table ------------------------------------------------------------------------------------
@dataclass
class Row:
    area: str
    measure: str
    ours: str  # vcrproxy's figure, formatted
    baseline: str  # the baseline's name and figure, formatted
    versus: str  # ratio (or difference) against the baseline
    target: str = ""
    met: bool | None = None  # None: no target


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| area | measure | vcrproxy | baseline (same run) | vs baseline | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "**NO**")
        lines.append(
            f"| {r.area} | {r.measure} | {r.ours} | {r.baseline} | {r.versus} | {r.target} "
            f"| {met} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
        if m:
            cpu = m.group(1).strip()
    mem = "?"
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        m = re.search(r"^MemTotal:\s*(\d+)", f.read(), re.M)
        if m:
            mem = f"{int(m.group(1)) / 1024 / 1024:.1f} GiB"
    import mitmproxy.version
    import yaml

    h2load = "not installed"
    if shutil.which("h2load"):
        out = subprocess.run(["h2load", "--version"], capture_output=True, text=True, timeout=10)
        h2load = out.stdout.strip() or out.stderr.strip()
    return (
        f"CPU {cpu}, {os.cpu_count()} cores, {mem} RAM, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, mitmproxy "
        f"{mitmproxy.version.VERSION}, PyYAML {yaml.__version__} (libyaml "
        f"{getattr(yaml, '__with_libyaml__', False)}), {h2load}"
    )


def script_main(rows_of: Callable[[str, str], list[Row]]) -> int:
    """A section run as a script: scratch folder with a CA, its table printed; 1 if a target
    was missed."""
    from vcrproxy.ca import ensure_ca

    tmp = tempfile.mkdtemp(prefix="vcrbench-")
    try:
        confdir = os.path.join(tmp, "conf")
        ensure_ca(confdir)
        rows = rows_of(tmp, confdir)
        print(table(rows))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(r.met is not False for r in rows) else 1
