"""Tester5: `show --plain` shows a request body that holds no chat "as diff compares it"
(README), but for a multipart upload (an audio file to /v1/audio/transcriptions, a file to
/v1/files) it hashes the raw bytes, boundary included. Most clients pick a random boundary
per request, so every re-recording of the same upload gets another `sha256` line: `git diff`
(the textconv) shows a change for an unchanged file, while `vcrproxy diff` says 'no
differences' and replay matches the two (the boundary is ignored, part by part). Expected:
the plain view of a multipart body is the same when only its boundary differs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
AUDIO = bytes(range(256)) * 4  # (not UTF-8: an audio file's bytes)


def upload(boundary: str) -> Interaction:
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
            f"whisper-1\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n").encode()
    body += AUDIO + f"\r\n--{boundary}--\r\n".encode()
    return Interaction(0, Request(
        method="POST", url="https://api.openai.com/v1/audio/transcriptions", body=body,
        headers={"Content-Type": [f"multipart/form-data; boundary={boundary}"]}),
        Response(code=200, status="200 OK", body=json.dumps({"text": "hello"}),
                 headers={"Content-Type": ["application/json"]}))


def test_plain_view_ignores_the_multipart_boundary(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    save_cassette(Cassette([upload("a1b2c3d4e5f6a7b8c9d0")]), str(old))
    save_cassette(Cassette([upload("0f9e8d7c6b5a4f3e2d1c")]), str(new))
    got = subprocess.run([VCRPROXY, "diff", str(old), str(new)], capture_output=True,
                         text=True, timeout=60)
    assert got.returncode == 0, got.stdout  # replay and diff: the same upload
    plain = [subprocess.run([VCRPROXY, "show", "--plain", str(p)], capture_output=True,
                            text=True, timeout=60).stdout for p in (old, new)]
    assert plain[0] == plain[1], "\n".join(plain)
