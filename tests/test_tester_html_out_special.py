"""`vcrproxy show --html OUT` replaces OUT whatever it is: a FIFO, or (as root, as in most CI
containers) a device node such as /dev/null.

The report is written by store.atomic_write: a temporary file renamed over OUT. For a FIFO that a
reader is waiting on, the FIFO is replaced by a regular file and the reader gets nothing; for a
character device, the device node itself is replaced: `vcrproxy show --html /dev/null c.yaml`
(a render smoke test in a root container) turns /dev/null into a regular file for every process
on the machine. (Found by running it on /dev/full here; restored with mknod.) A `>` redirect,
or a one-line refusal, leaves such a path what it is. Real CLI.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading

import pytest

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CASSETTE = os.path.join(os.path.dirname(__file__), "..", "cassettes",
                        "vercel-gateway-claude-simple-streaming.yaml")


def _show_html(out) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, "show", "--html", str(out), CASSETTE], capture_output=True,
                          text=True, timeout=30)


def test_html_to_a_fifo_does_not_replace_it(tmp_path):
    fifo = tmp_path / "report.html"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:  # blocks until a writer opens it
            got.append(f.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = _show_html(fifo)
    still_fifo = stat.S_ISFIFO(os.lstat(fifo).st_mode)
    if reader.is_alive() and still_fifo:  # (never opened for writing: let the reader go)
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    reader.join(5)
    assert still_fifo, f"the FIFO was replaced by a regular file ({result.stderr.strip()})"
    assert result.returncode != 0 or (got and got[0].startswith(b"<!")), result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device needs root (as in CI containers)")
def test_html_to_a_device_does_not_replace_the_device_node(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null
    result = _show_html(null)
    mode = os.lstat(null).st_mode
    assert stat.S_ISCHR(mode), (
        f"the device node was replaced by a regular file ({result.stderr.strip()}): "
        "with OUT=/dev/null this breaks /dev/null for the whole machine"
    )
