"""Each line of the session summary is one line: a cassette path holding a line break (or an
escape sequence) was printed raw, its break starting a line of its own that read as another
summary line. The CLI, a real proxy in replay."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
ROOT = Path(__file__).resolve().parent.parent


def test_a_cassette_path_with_a_line_break_stays_on_its_summary_line(tmp_path):
    cassette = tmp_path / "x\nfake: mode record, recorded 9.yaml"
    shutil.copy(ROOT / "cassettes" / "openai-responses-simple.yaml", cassette)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = str(tmp_path / "conf")
    r = subprocess.run([VCRPROXY, "replay", "--allow-no-traffic", str(cassette), "--", "true"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert not any(line.startswith("fake: mode record") for line in lines), r.stderr
    assert any("x\\nfake: mode record, recorded 9.yaml: mode replay" in line for line in lines), \
        r.stderr


def test_show_html_names_a_path_with_a_line_break_on_one_line(tmp_path):
    out = tmp_path / "r\nfake.html"
    r = subprocess.run([VCRPROXY, "show", "--html", str(out),
                        str(ROOT / "cassettes" / "openai-responses-simple.yaml")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert out.exists()
    assert len(r.stderr.splitlines()) == 1 and "r\\nfake.html" in r.stderr, r.stderr
