"""`vcrproxy show --plain` opens a FIFO or a device it has just called "not a cassette file".

The textconv fallback (a file that does not load is shown as it is, so `git diff` never breaks)
reads the path whatever it is: on a FIFO `show --plain` blocks for ever after printing "ff: is a
FIFO, not a cassette file; showing the file as it is"; on /dev/zero or /dev/urandom it reads
until memory runs out and dies with a MemoryError traceback. The README: only regular files are
opened, a FIFO or device is an error at once; every other command (show, check, diff) keeps to
it. Real CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_show_plain_on_a_fifo_ends_with_one_line(tmp_path):
    fifo = tmp_path / "c.yaml"
    os.mkfifo(fifo)
    try:
        got = subprocess.run([EXE, "show", "--plain", str(fifo)], capture_output=True,
                             text=True, timeout=8)
    except subprocess.TimeoutExpired:
        raise AssertionError("show --plain blocked on the FIFO (no writer): a hang") from None
    finally:
        # (unblock any reader left behind: O_RDWR opens a FIFO at once)
        os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
    assert "Traceback" not in got.stderr, got.stderr
