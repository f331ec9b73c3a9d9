"""Run one `vcrproxy` CLI command per file, each in a forked child process (the CLI's own code,
imported once), with a time limit and an address-space limit.

    python cli_driver.py SECONDS MAX_MB COMMAND FILE...

Prints one JSON line per file: {"file", "exit", "signal", "seconds", "stderr", "traceback"}.
A child that outlives SECONDS is killed (signal 9 in the report). Used by the malformed-cassette
test for commands that take one cassette (`show`): one interpreter start instead of hundreds.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import sys
import time


def run_one(seconds: float, max_mb: int, argv: list[str]) -> dict:
    from vcrproxy.cli.main import main

    r, w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child: the CLI, stderr into the pipe
        try:
            os.close(r)
            os.dup2(w, 2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            limit = max_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            main(args=argv, prog_name="vcrproxy")
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 70
        sys.stderr.flush()
        os._exit(code)
    os.close(w)
    out = b""
    deadline = start + seconds
    killed = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            data = os.read(r, 65536)
            if not data:
                break
            out += data
    os.close(r)
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    return {
        "file": argv[-1],
        "exit": os.waitstatus_to_exitcode(status),
        "signal": signal.SIGKILL if killed else None,
        "seconds": round(time.monotonic() - start, 3),
        "stderr": text[-2000:],
        "traceback": "Traceback (most recent call last)" in text,
    }


def main() -> None:
    seconds, max_mb, command, *files = sys.argv[1:]
    import vcrproxy.cli.main  # noqa: F401  (imported once, before forking)
    import vcrproxy.cli.show  # noqa: F401

    for path in files:
        print(json.dumps(run_one(float(seconds), int(max_mb), [command, path])), flush=True)


if __name__ == "__main__":
    main()
