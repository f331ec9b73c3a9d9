"""`vcrproxy show --html OUT`: what OUT may be. Never a cassette (by name or by content),
never a FIFO, device or folder (the report is a temporary file renamed over OUT); a new path,
an empty file or a previous report is written. Real CLI (CliRunner), real files, a FIFO."""

from __future__ import annotations

import os
import shutil
import stat

import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main
from vcrproxy.store import atomic_write

REF = os.path.join(os.path.dirname(__file__), "..", "cassettes", "openai-responses-simple.yaml")


def _html(out, cassette=REF):
    return CliRunner().invoke(main, ["show", "--html", str(out), str(cassette)])


def _refused(done, *words: str) -> None:
    assert done.exit_code == 1, (done.output, done.exception)
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.output
    assert all(w in lines[0] for w in words), lines[0]


@pytest.mark.parametrize("name", ["a.yaml", "A.YML", "new.yaml"])
def test_a_yaml_name_is_refused(tmp_path, name):
    out = tmp_path / name
    if name != "new.yaml":
        shutil.copy(REF, out)
    before = out.read_bytes() if out.exists() else None
    _refused(_html(out), "--html takes the report's path first")
    assert (out.read_bytes() if out.exists() else None) == before


def test_a_cassette_under_another_name_is_kept(tmp_path):
    for name in ("cassette", "chat.html", "notes.txt"):
        out = tmp_path / name
        shutil.copy(REF, out)
        _refused(_html(out, out), "holds a cassette", "not replaced")
        assert out.read_bytes() == open(REF, "rb").read()


def test_a_link_to_a_cassette_is_followed_and_kept(tmp_path):
    target = tmp_path / "c.yaml"
    shutil.copy(REF, target)
    link = tmp_path / "report.html"
    link.symlink_to(target)
    _refused(_html(link), "holds a cassette")
    assert target.read_bytes() == open(REF, "rb").read() and link.is_symlink()


def test_other_text_is_kept(tmp_path):
    out = tmp_path / "o.html"
    out.write_text("my notes\n")
    _refused(_html(out), "is not an HTML report")
    assert out.read_text() == "my notes\n"


def test_new_empty_and_previous_reports_are_written(tmp_path):
    out = tmp_path / "o.html"
    assert _html(out).exit_code == 0 and out.read_bytes().startswith(b"<!doctype html")
    first = out.read_bytes()
    assert _html(out).exit_code == 0 and out.read_bytes() == first  # (a report over a report)
    out.write_bytes(b"")
    assert _html(out).exit_code == 0 and out.read_bytes() == first
    out.write_bytes(b"\n  <HTML><body>old</body></HTML>")
    assert _html(out).exit_code == 0 and out.read_bytes() == first


def test_a_fifo_out_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "o.html"
    os.mkfifo(fifo)
    _refused(_html(fifo), "is a FIFO", "not replaced")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_folder_out_is_refused(tmp_path):  # (click's check: a usage error)
    done = _html(tmp_path)
    assert done.exit_code == 2 and "is a directory" in done.output and tmp_path.is_dir()


def test_atomic_write_never_replaces_a_fifo(tmp_path):
    """The one atomic write (cassettes, CA bundle, --background state, reports) refuses too."""
    fifo = tmp_path / "x"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    for path in (fifo, link):
        with pytest.raises(OSError, match="is a FIFO, not a regular file"):
            atomic_write(str(path), b"data")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["link", "x"]  # (no temporary file left)
