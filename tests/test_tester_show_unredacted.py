"""`vcrproxy show` (every view: text, --raw, --plain, --json, --html) prints the keys a cassette
holds in full, where the LLM contentview and `check` never show one.

A cassette recorded elsewhere (plain go-vcr, `--no-redact`, an older vcrproxy) may hold a key in
a header and in a prompt. `check` names it showing only the provider's prefix ("starting
\"sk-\""); the contentview passes its text through redaction.redact_text ("key shapes never
shown"). `show` prints it whole: `show --html` writes it into the self-contained report made to
be attached to a pull request, and `show --plain`, the git textconv the README sets up, prints it
into every `git diff` and CI log. Real CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = SHAPE_EXAMPLES["openai"]


@pytest.fixture
def leaky(tmp_path) -> str:
    body = ('{"model":"gpt-4o","messages":[{"role":"user","content":"my key is ' + KEY
            + ', why is it rejected?"}]}')
    answer = ('{"id":"c1","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,'
              '"message":{"role":"assistant","content":"The key ' + KEY + ' looks revoked."},'
              '"finish_reason":"stop"}]}')
    path = tmp_path / "leaky.yaml"
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url="https://api.openai.com/v1/chat/completions", method="POST",
                        body=body, headers={"Authorization": [f"Bearer {KEY}"],
                                            "Content-Type": ["application/json"]},
                        content_length=len(body)),
        response=Response(code=200, status="200 OK", body=answer,
                          headers={"Content-Type": ["application/json"]},
                          content_length=len(answer), duration_ns=1_000_000),
    )]), str(path))
    return str(path)


def test_check_shows_only_the_prefix(leaky):  # (holds)
    got = subprocess.run([EXE, "check", leaky], capture_output=True, text=True, timeout=30)
    assert got.returncode == 1 and KEY not in got.stdout + got.stderr


@pytest.mark.parametrize("view", ["text", "--raw", "--plain", "--json", "--html"])
def test_show_never_prints_a_key(leaky, tmp_path, view):
    if view == "--html":
        out = tmp_path / "report.html"
        subprocess.run([EXE, "show", "--html", str(out), leaky], check=True, timeout=30,
                       capture_output=True)
        text = out.read_text()
    else:
        args = [] if view == "text" else [view]
        text = subprocess.run([EXE, "show", *args, leaky], capture_output=True, text=True,
                              timeout=30, check=True).stdout
    assert KEY not in text, f"show {view} prints the key in full ({text.count(KEY)} times)"
