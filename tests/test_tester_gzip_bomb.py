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
import subprocess
import sys
import zlib

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
LIMIT = 1536 << 20


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> str:
    gz = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    body = b"".join([gz.compress(zeros) for _ in range(2048)] + [gz.flush()])  # 2 GiB inflated
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
