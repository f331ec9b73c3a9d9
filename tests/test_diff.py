"""`vcrproxy diff OLD NEW` and the git textconv recipe (`vcrproxy show --plain`), on cassettes
recorded for real through the proxy from the fake gateway and on the reference cassettes."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REFERENCE, proxied_client

from vcrproxy import load_cassette, save_cassette
from vcrproxy.cli.diff import relabel
from vcrproxy.cli.main import main

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
CHAT = os.path.join(REFERENCE, "openai-chat-multi-tool-streaming.yaml")


def record(run_proxy, gateway, ca_cert, path: Path, prompts: list[str]) -> Path:
    proxy = run_proxy(path, "record")
    with proxied_client(proxy, ca_cert) as client:
        for prompt in prompts:
            body = {"model": "gpt-fake", "stream": True, "stream_options": {"include_usage": True},
                    "messages": [{"role": "system", "content": "Be brief."},
                                 {"role": "user", "content": prompt}]}
            r = client.post(gateway.url + "/v1/chat/completions?gap_ms=20", json=body)
            assert r.status_code == 200
    deadline = time.monotonic() + 10
    while len(load_cassette(path).interactions) < len(prompts):
        assert time.monotonic() < deadline, "not recorded"
        time.sleep(0.05)
    return path


@pytest.fixture
def rerecorded(run_proxy, gateway, ca_cert, tmp_path) -> tuple[Path, Path]:
    """The same test recorded twice; the second time its second prompt changed."""
    old = record(run_proxy, gateway, ca_cert, tmp_path / "old.yaml",
                 ["hello", "tell me a joke"])
    new = record(run_proxy, gateway, ca_cert, tmp_path / "new.yaml",
                 ["hello", "tell me two jokes please"])
    return old, new


def run_diff(*args: str):
    result = CliRunner().invoke(main, ["diff", *map(str, args)])
    return result.exit_code, result.output


def test_diff_of_a_rerecorded_cassette(rerecorded):
    old, new = rerecorded
    code, out = run_diff(old, new, "--ignore-latency")
    assert code == 1, out
    lines = out.splitlines()
    # The unchanged first exchange is not reported; the second shows its prompt path and answer.
    assert "~ #0 " not in out
    i = lines.index(next(line for line in lines if line.startswith("~ #1 POST ")))
    assert lines[i + 1 : i + 7] == [
        "  request:",
        '    body: $.messages[1].content differs: old "tell me a joke" vs new '
        '"tell me two jokes please"',
        "  answer:",
        "    - You said: tell me a joke",
        "    + You said: tell me two jokes please",
        "  tokens: in 6 -> 7 (+1), out 6 -> 7 (+1), total 12 -> 14 (+2)",
    ], out
    assert lines[-1] == "1 changed, 0 added, 0 removed, 0 moved, 1 unchanged"
    assert "latency" not in out
    # Latency deltas when asked (two real recordings never take the same time).
    code, out = run_diff(old, new)
    assert code == 1
    assert "  latency: headers " in out and " -> " in out


def test_equal_cassettes_exit_0(tmp_path):
    copy_ = tmp_path / "same.yaml"
    shutil.copy(CHAT, copy_)
    code, out = run_diff(CHAT, copy_)
    assert code == 0, out
    assert out.splitlines()[-1] == "no differences (0 changed, 0 added, 0 removed, 0 moved, " \
                                   "2 unchanged)"


def test_added_removed_and_moved(tmp_path):
    c = load_cassette(CHAT)
    first, second = c.interactions
    swapped = copy.deepcopy(c)
    swapped.interactions = [copy.deepcopy(second), copy.deepcopy(first)]
    save_cassette(swapped, tmp_path / "swapped.yaml")
    code, out = run_diff(CHAT, tmp_path / "swapped.yaml")
    assert code == 1
    assert "~ #1 POST https://api.openai.com/v1/chat/completions\n" \
           "  moved: was #1 (position 2), now position 1\n" in out
    assert out.splitlines()[-1] == "0 changed, 0 added, 0 removed, 1 moved, 1 unchanged"

    shorter = copy.deepcopy(c)
    shorter.interactions = [copy.deepcopy(first)]
    save_cassette(shorter, tmp_path / "shorter.yaml")
    code, out = run_diff(CHAT, tmp_path / "shorter.yaml")
    assert code == 1
    assert "- #1 POST https://api.openai.com/v1/chat/completions -> 200 OK (removed)" in out
    assert "    answer was: The sum of 2 and 3 is 5, and the product is 6." in out
    code, out = run_diff(tmp_path / "shorter.yaml", CHAT)
    assert code == 1 and "+ #1 POST https://api.openai.com/v1/chat/completions -> 200 OK " \
                         "(added)" in out
    assert out.splitlines()[-1] == "0 changed, 1 added, 0 removed, 0 moved, 1 unchanged"


def test_errors_exit_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("interactions: [\n")
    code, out = run_diff(CHAT, tmp_path / "missing.yaml")
    assert code == 2 and out.count("\n") == 1 and "missing.yaml" in out
    code, out = run_diff(bad, CHAT)
    assert code == 2 and out.count("\n") == 1 and "Traceback" not in out


def test_a_cut_off_cassette_is_noted_once(tmp_path):
    """diff printed the loader's note twice: the caught warning and the logger's last resort."""
    text = Path(CHAT).read_text(encoding="utf-8")
    cut = tmp_path / "cut.yaml"
    cut.write_text(text[: text.index("- id: 1") + 200], encoding="utf-8")
    out = subprocess.run([VCRPROXY, "diff", str(cut), CHAT], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 1, out.stderr
    assert out.stderr.count("dropped incomplete interaction 1") == 1, out.stderr
    assert "#1 POST" in out.stdout and "(added)" in out.stdout


def test_relabel_keeps_quoted_values():
    text = 'body: $.a differs: recorded "live recorded" vs live "x"; $.b only in recorded (1)'
    assert relabel(text) == ('body: $.a differs: old "live recorded" vs new "x"; '
                             '$.b only in old (1)')


def test_plain_is_stable_and_falls_back_to_the_file(tmp_path):
    out = CliRunner().invoke(main, ["show", "--plain", CHAT]).output
    assert out.startswith("2 interactions\n\n#0 POST https://api.openai.com/v1/chat/completions")
    assert "\x1b[" not in out and CHAT not in out  # no colours, no file name
    assert "  > tool: 5\n" in out and "  < tool call: add(" in out
    assert out == CliRunner().invoke(main, ["show", "--plain", CHAT]).output
    bad = tmp_path / "bad.yaml"
    bad.write_text("interactions: [\n")
    result = CliRunner().invoke(main, ["show", "--plain", str(bad)])
    assert result.exit_code == 0  # git diff must still work on a broken cassette
    assert "interactions: [\n" in result.output


@pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")
def test_git_diff_with_the_textconv_recipe(rerecorded, tmp_path):
    old, new = rerecorded
    repo = tmp_path / "repo"
    (repo / "cassettes").mkdir(parents=True)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    git("init", "-q")
    # The README's recipe, with this venv's vcrproxy.
    (repo / ".gitattributes").write_text("cassettes/**/*.yaml diff=vcrproxy\n")
    git("config", "diff.vcrproxy.textconv", f"{VCRPROXY} show --plain")
    shutil.copy(old, repo / "cassettes" / "chat.yaml")
    git("add", ".")
    git("commit", "-qm", "record")
    shutil.copy(new, repo / "cassettes" / "chat.yaml")
    out = git("diff")
    assert "-  > user: tell me a joke\n" in out
    assert "+  > user: tell me two jokes please\n" in out
    assert "-  < assistant: You said: tell me a joke\n" in out
    assert "+  < assistant: You said: tell me two jokes please\n" in out
    assert "interactions:" not in out and "data: {" not in out  # no YAML churn
    # The exchange that did not change (timing always does) is not in the diff at all.
    changed = [line for line in out.splitlines() if line[:1] in "+-"]
    assert not any("hello" in line for line in changed), out


def test_plain_and_html_read_a_realtime_session(run_proxy, gateway, ca_cert, tmp_path):
    """A WebSocket (Realtime) interaction: its assembled answer, tool call and usage, as `show`
    reads it (vcrproxy.websocket.summarize_session)."""
    import asyncio

    from test_websocket import realtime_session, ws_url

    from vcrproxy.cli.report import render_report

    cassette = tmp_path / "realtime.yaml"
    proxy = run_proxy(cassette, "record")
    asyncio.run(realtime_session(ws_url(gateway), proxy, ca_cert, text="weather?", tools=True))
    proxy.stop()
    out = CliRunner().invoke(main, ["show", "--plain", str(cassette)]).output
    assert "-> 101 Switching Protocols" in out
    assert "  < assistant: You said: weather?\n" in out
    assert '  < tool call: get_weather({"city":"Lisbon"})\n' in out
    assert "  tokens: in 12 / out 18" in out
    html = render_report(load_cassette(cassette), "realtime.yaml")
    assert "You said: weather?" in html and "get_weather" in html
