"""Standalone sessions in the background, like ssh-agent:

    eval "$(vcrproxy replay --background cassettes/chat.yaml)"   # exports, returns at once
    pytest -q                                                     # any client, this shell
    eval "$(vcrproxy stop)"                                       # summary; undoes the exports

The session forks before any event loop or thread exists, detaches (setsid, stdio to a log), and
tells the parent through a pipe when it listens (or why it could not start). Each running session
has a state file `<confdir>/background/<pid>.json` (its URL, cassette, log, and at the end its exit
code); `vcrproxy stop` finds the session from $VCRPROXY_PID (exported by the first command,
with $VCRPROXY_SESSION_CONFDIR: that confdir), `--pid`, or the only state file, sends SIGTERM,
waits for the exit code, prints the session's log
(flows and summary) on stderr and on stdout the lines that undo the exports (the shell's earlier
values from $VCRPROXY_SAVED_ENV, else `unset`), and exits with the session's code (3 as for a
wrapped command that succeeded: a miss, an upstream failure or a response the client
cut short while recording, --strict's unused ones; cli/main.py's
group then ends stdout with `(exit 3)`, so the eval fails).
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from collections.abc import Callable

import click

READY_TIMEOUT = 60.0  # seconds for the child to listen (CA creation, big cassettes)
STOP_TIMEOUT = 20.0


class SessionGone(click.ClickException):
    """`vcrproxy stop` found no such session (none runs, its state is gone, or it died without
    recording an exit code: `log` is then its log): the shell's exports point at nothing, so
    stop still prints the lines that undo them."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


def state_dir(confdir: str) -> str:
    return os.path.join(confdir, "background")


def _write_json(path: str, data: dict) -> None:
    from vcrproxy.store import atomic_write  # here: the CLI starts without the codec

    atomic_write(path, json.dumps(data).encode())


def start(
    confdir: str, run: Callable[[Callable[[str, str | None], None]], int]
) -> tuple[int, str, str | None]:
    """Fork; the child calls `run(on_ready)` (on_ready(url, web_url) once listening; web_url:
    its web UI's, with --web) and records its exit code in its state file. The parent returns
    (the child's pid, its URL, its web UI's URL or None), or raises ClickException with the
    child's one-line error."""
    folder = state_dir(confdir)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    r, w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the session
        os.close(r)
        code = 1
        state = os.path.join(folder, f"{os.getpid()}.json")
        log = os.path.join(folder, f"{os.getpid()}.log")
        try:
            os.setsid()
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.close(fd)
            os.close(null)
            info = {"pid": os.getpid(), "log": log}

            def on_ready(url: str, web_url: str | None = None) -> None:
                info["url"] = url
                info["started"] = process_token(os.getpid())  # stop checks it is still us
                _write_json(state, info)
                # (URLs hold no space; the web UI's token is only for whoever started it)
                os.write(w, f"ready {url} {web_url or ''}".rstrip().encode() + b"\n")

            code = run(on_ready)
        except click.ClickException as e:
            os.write(w, f"error {e.format_message()}\n".encode("utf-8", "replace"))
        except BaseException as e:  # noqa: BLE001 - reported to the parent, then exit
            os.write(w, f"error {type(e).__name__}: {e}\n".encode("utf-8", "replace"))
        finally:
            try:
                if os.path.exists(state):
                    info = json.load(open(state))
                    info["exit"] = code
                    _write_json(state, info)
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(w)
    line = _read_line(r, READY_TIMEOUT)
    os.close(r)
    if line.startswith("ready "):
        url, _, web_url = line[len("ready "):].partition(" ")
        return pid, url, web_url or None
    if line.startswith("error "):
        try:  # the error is the whole story: no state file was written, leave no log either
            os.waitpid(pid, 0)
            os.unlink(os.path.join(folder, f"{pid}.log"))
        except OSError:
            pass
        raise click.ClickException(line[len("error "):])
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    log = os.path.join(folder, f"{pid}.log")
    raise click.ClickException(f"the background session did not start (its log: {log})")


def _read_line(fd: int, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace").split("\n", 1)[0]


def process_token(pid: int) -> str | None:
    """What tells process `pid` from a later one given the same pid: its start time, as
    `proc:<boot id>:<clock ticks since boot>` (field 22 of /proc/<pid>/stat, proc(5)), else
    `ps:<start time>` from `ps -o lstart=` (no /proc: macOS); None when `pid` runs nothing
    (or a zombie: it has exited) or neither source answers."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # after the name, which may hold ")"
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return None  # /proc works: no such process
        return _ps_token(pid)
    except (OSError, IndexError):
        return None
    if len(fields) < 20 or fields[0] in ("Z", "X"):  # a zombie has exited
        return None
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
    except OSError:
        boot = ""
    return f"proc:{boot}:{fields[19]}"


def _ps_token(pid: int) -> str | None:
    import subprocess

    try:
        got = subprocess.run(["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return f"ps:{got.stdout.strip()}" if got.returncode == 0 and got.stdout.strip() else None


def _running(pid: int, info: dict) -> bool:
    """Whether the session of state `info` (from `<pid>.json`) still runs as process `pid`: the
    pid alone is not enough, since after the session died without cleaning up (SIGKILL, the OOM
    killer) the kernel may give it to any other process, which `stop` must never signal."""
    if info.get("pid") != pid:
        return False  # a state file that is not this pid's
    token = process_token(pid)
    return token is not None and token == info.get("started")


def _read_state(path: str) -> dict | None:
    try:
        with open(path) as f:
            info = json.load(f)
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _discard(folder: str, pid: int, info: dict | None) -> str:
    """Remove session `pid`'s state file and log; return the log's text."""
    log = ""
    path = (info or {}).get("log")
    if isinstance(path, str) and path:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                log = f.read()
            os.unlink(path)
        except OSError:
            pass
    try:
        os.unlink(os.path.join(folder, f"{pid}.json"))
    except OSError:
        pass
    return log


def _gone(pid: int) -> str:
    return (f"background vcrproxy pid {pid} is gone: it ended without recording an exit code "
            "(killed?); its state is removed")


def stop(confdir: str, pid: int | None) -> tuple[int, str]:
    """Stop the background session `pid` (None: the only one); return (its exit code, its log).

    A session that ended without recording its exit code (its state file left behind, the pid
    maybe another process's now) is stale: its state and log are removed and nothing is
    signalled; named (or the only one) it raises SessionGone with its log."""
    folder = state_dir(confdir)
    if pid is None:
        pids = sorted(int(n[:-5]) for n in _listdir(folder)
                      if n.endswith(".json") and n[:-5].isdigit())
        states = {p: _read_state(os.path.join(folder, f"{p}.json")) for p in pids}
        stale = [p for p, info in states.items()
                 if info is not None and "exit" not in info and not _running(p, info)]
        running = [p for p in pids if p not in stale]
        if not running and len(stale) == 1:
            running = stale  # the only one: reported below with its log
        else:
            for p in stale:
                _discard(folder, p, states[p])
                click.echo(f"vcrproxy: {_gone(p)}", err=True)
        if not running:
            raise SessionGone("no background vcrproxy is running (nothing to stop)")
        if len(running) > 1:
            raise click.ClickException(
                f"{len(running)} background sessions run (pids {', '.join(map(str, running))}): "
                "name one with --pid or $VCRPROXY_PID"
            )
        pid = running[0]
    state = os.path.join(folder, f"{pid}.json")
    info = _read_state(state)
    if info is None:
        raise SessionGone(f"no background vcrproxy with pid {pid}")
    if "exit" not in info:
        if not _running(pid, info):
            raise SessionGone(_gone(pid), log=_discard(folder, pid, info))
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while "exit" not in info and time.monotonic() < deadline and _running(pid, info):
        time.sleep(0.05)
        info = _read_state(state) or info
    if "exit" not in info:
        info = _read_state(state) or info
    if "exit" not in info and _running(pid, info):
        raise click.ClickException(f"vcrproxy pid {pid} did not stop in {STOP_TIMEOUT:.0f} s")
    log = _discard(folder, pid, info)
    code = info.get("exit")
    return (code if isinstance(code, int) else 1), log


def _listdir(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []
