"""Tester: `vcrproxy check` / `vcrproxy redact` on cassettes they should clean or flag (the real
click commands, in process; cassettes written with the public API, fake keys built at runtime).
"""

from __future__ import annotations

import gzip
import json
import os

from click.testing import CliRunner
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import Cassette, Interaction, Request, Response, load_cassette, save_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["openai"]


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="vcrproxy")


def _one(request_body: str = "", response: Response | None = None) -> Cassette:
    req = Request(method="POST", url="https://api.openai.com/v1/chat/completions",
                  headers={"Content-Type": ["application/json"]}, body=request_body)
    return Cassette([Interaction(0, req, response or Response(body="{}"))])


def test_redact_through_a_symlink_scrubs_the_file_it_points_to(tmp_path):
    """Cassettes are often shared by symlink (a fixtures folder linked into several test
    trees). `vcrproxy redact link.yaml` prints '1 secret(s) redacted' and exits 0, but its
    atomic rename replaces the link itself with a new regular file: the real cassette, the one
    committed, still holds the key (and the link is gone)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "chat.yaml"
    save_cassette(_one(json.dumps({"messages": [{"content": KEY}]})), real)
    link = tmp_path / "chat.yaml"
    os.symlink(real, link)
    out = _cli("redact", str(link))
    assert out.exit_code == 0, out.output
    assert "1 secret(s) redacted" in out.output
    assert KEY not in real.read_text(encoding="utf-8"), "the real cassette still holds the key"
    assert link.is_symlink()


def test_recording_through_a_symlinked_cassette_writes_the_file_it_points_to(
        run_proxy, gateway, ca_cert, tmp_path):
    """A shared cassette linked into a test tree, re-recorded (record mode: "the file is
    replaced once the first exchange completes"). The replacement is an atomic rename over
    the link: the link becomes a new regular file and the shared cassette keeps its old
    content (new-episodes appends, which open the path, do follow the link: the two write
    paths disagree). (A dangling link is refused at start: "cannot write the cassette there
    (No such file or directory)", though modes.probe says recording creates its target.)"""
    from conftest import proxied_client

    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "chat.yaml"
    save_cassette(_one("{}"), real)
    link = tmp_path / "chat.yaml"
    os.symlink(real, link)
    proxy = run_proxy(link, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(f"{gateway.url}/json").status_code == 200
    proxy.stop()
    assert link.is_symlink(), "the symlink was replaced by a regular file"
    assert [i.request.url.rsplit("/", 1)[1] for i in load_cassette(real).interactions] == [
        "json"], "the shared cassette was not re-recorded"


def test_check_sees_a_key_inside_a_gzip_encoded_recorded_body(tmp_path):
    """go-vcr stores a response body as it was read: when the client set `Accept-Encoding`
    itself (so Go's transport does not decode), that is the gzip bytes, with
    `Content-Encoding: gzip` and no `uncompressed: true`. vcrproxy replays such a cassette (the
    client decodes the key back out), and recording the same exchange would have decoded and
    redacted it; `check` scans the compressed bytes only and says ok, `redact` leaves it."""
    body = gzip.compress(json.dumps({"note": f"your key is {KEY}"}).encode())
    resp = Response(body=body, uncompressed=False, content_length=len(body),
                    headers={"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]})
    path = tmp_path / "govcr-gzip.yaml"
    save_cassette(_one(response=resp), path)
    checked = _cli("check", str(path))
    assert checked.exit_code == 1, checked.output  # today: "ok (1 interactions)", exit 0
    fixed = _cli("redact", str(path))
    assert fixed.exit_code == 0, fixed.output
    got = load_cassette(path).interactions[0].response.body_bytes
    try:
        got = gzip.decompress(got)
    except OSError:
        pass
    assert KEY.encode() not in got
