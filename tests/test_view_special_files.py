"""`vcrproxy show` / `check` / `diff` / `redact` / `replay` on a FIFO, a device or a folder: one
line and a non-zero exit at once, never an open for reading that blocks (a FIFO with no writer)
or reads without end (/dev/zero). Each run is bounded by a subprocess timeout. Real CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")

COMMANDS = [
    ["show"], ["show", "--plain"], ["show", "--json"], ["show", "--raw"], ["check"],
    ["redact"], ["diff", "{p}"], ["replay", "{p}", "--", "true"],
]


def _run(args: list[str], path: str) -> subprocess.CompletedProcess:
    argv = [EXE, args[0], *(a.replace("{p}", path) for a in args[1:])]
    if "{p}" not in " ".join(args):
        argv.append(path)
    elif args[0] == "diff":
        argv.insert(2, path)
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{' '.join(argv[1:])}: blocked (a hang)") from None


def _one_line_refusal(got: subprocess.CompletedProcess, what: str) -> None:
    assert got.returncode != 0, got
    assert "Traceback" not in got.stderr, got.stderr
    lines = got.stderr.strip().splitlines()
    assert len(lines) <= 2 and what in got.stderr, got.stderr  # (check adds a count line)
    assert got.stdout.strip() == "" or "problem" in got.stdout, got.stdout


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_a_fifo_is_refused_at_once(tmp_path, args):
    fifo = str(tmp_path / "c.yaml")
    os.mkfifo(fifo)
    try:
        got = _run(args, fifo)
    finally:
        os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))  # (frees a reader left behind)
    _one_line_refusal(got, "FIFO")


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_dev_zero_is_refused_at_once(args):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    _one_line_refusal(_run(args, "/dev/zero"), "device")


def test_plain_on_a_folder_is_an_error(tmp_path):  # (click's usage error: exit 2)
    got = _run(["show", "--plain"], str(tmp_path))
    assert got.returncode == 2 and "Traceback" not in got.stderr, got.stderr


def test_plain_still_shows_a_regular_file_that_does_not_load(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"not: [a cassette\n" + bytes(range(256)))
    got = subprocess.run([EXE, "show", "--plain", str(path)], capture_output=True, timeout=20)
    assert got.returncode == 0 and got.stdout == path.read_bytes(), got.stderr
    assert b"showing the file as it is" in got.stderr
