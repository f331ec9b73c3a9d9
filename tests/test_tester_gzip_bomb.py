"""A cassette holding a small gzip body that inflates to gigabytes (a decompression bomb) makes
`vcrproxy check` and `vcrproxy redact` inflate it whole: a MemoryError traceback under a memory
limit, the machine's memory otherwise.

Since f1d2f84, check and redact scan a body stored still encoded (go-vcr keeps the compressed
bytes when the client set Accept-Encoding) decoded; nothing bounds the decoded size. A 3 MB
cassette entry inflating to 2 GiB: the brief's rule for hostile cassettes is a one-line error,
never a traceback (nor exhausting memory). Real CLI, under RLIMIT_AS = 1.5 GiB.
"""

from __future__ import annotations

import os
import resource
import shutil
import struct
import subprocess
import sys
import zlib

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
LIMIT = 1536 << 20


def gzip_bomb(mib: int) -> bytes:
    """One gzip member inflating to `mib` MiB of zeros, in about a second: a fully flushed
    deflate block of 1 MiB refers to nothing before it, so it is compressed once and repeated
    (compressing 2 GiB of zeros took 27 s of a CI job)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = b"\0" * (1 << 20)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + block * mib + b"\x03\x00"
            + struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF))


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> str:
    body = gzip_bomb(2048)  # 2 GiB inflated
    path = str(tmp_path_factory.mktemp("bomb") / "bomb.yaml")
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url="https://api.example.invalid/v1/files/f/content", method="GET",
                        body="", headers={"Accept-Encoding": ["gzip"]}, content_length=0),
        response=Response(code=200, status="200 OK", body=body,
                          headers={"Content-Type": ["application/octet-stream"],
                                   "Content-Encoding": ["gzip"]},
                          content_length=len(body), duration_ns=0),
    )]), path)
    return path


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


@pytest.mark.parametrize("command", ["check", "redact"])
def test_a_gzip_bomb_body_is_a_one_line_error(bomb, tmp_path, command):
    path = tmp_path / "c.yaml"
    shutil.copy(bomb, path)
    got = subprocess.run([EXE, command, str(path)], capture_output=True, text=True, timeout=120,
                         preexec_fn=_limited)
    assert "Traceback" not in got.stderr, got.stderr[-800:]
    # Said in one line, and not "ok": the secrets of the body were searched only as stored.
    assert got.returncode == 1, (got.returncode, got.stderr)
    assert f"{path}: interaction 0: response body not searched decoded: gzip body decodes to " \
        "more than 256 MiB (its stored bytes were)" in got.stderr.splitlines(), got.stderr
    assert ": ok (" not in got.stdout


def test_show_and_diff_of_a_gzip_bomb_say_so_in_bounded_memory(bomb, tmp_path):
    # (show inflated it whole: ~2.4 GB RSS)
    got = subprocess.run([EXE, "show", bomb], capture_output=True, text=True, timeout=120,
                         preexec_fn=_limited)
    assert got.returncode == 0, got.stderr[-800:]
    assert "(response body not shown: gzip body decodes to more than 256 MiB)" in got.stdout
    got = subprocess.run([EXE, "show", "--plain", bomb], capture_output=True, text=True,
                         timeout=120, preexec_fn=_limited)
    assert got.returncode == 0, got.stderr[-800:]
    assert "(response body not shown: gzip body decodes to more than 256 MiB)" in got.stdout
    page = tmp_path / "report.html"
    got = subprocess.run([EXE, "show", "--html", str(page), bomb], capture_output=True,
                         text=True, timeout=120, preexec_fn=_limited)
    assert got.returncode == 0, got.stderr[-800:]
    assert "(response body not shown: gzip body decodes to more than 256 MiB)" in \
        page.read_text()
    got = subprocess.run([EXE, "diff", bomb, bomb], capture_output=True, text=True, timeout=120,
                         preexec_fn=_limited)
    assert got.returncode == 0 and "Traceback" not in got.stderr, got.stderr[-800:]
