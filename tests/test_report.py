"""`vcrproxy show --html`: each reference cassette's report loaded in a real headless Chromium
with the network cut off. The page makes no request but its own document, the answers are in
the DOM, the timing chart has one point series per streamed interaction (one point per recorded
chunk), and light and dark mode both render. A screenshot is written (VCRPROXY_SCREENSHOT=PATH
also keeps one, as docs/report.png was made)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cdp import Browser, find_or_install_chromium
from click.testing import CliRunner
from conftest import REFERENCE

from vcrproxy import load_cassette, save_cassette
from vcrproxy.aiformats import summarize
from vcrproxy.cassette import CHUNKS_KEY
from vcrproxy.cli.main import main
from vcrproxy.cli.report import render_report

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
NAMES = sorted(p for p in os.listdir(REFERENCE) if p.endswith(".yaml"))
CHAT = "openai-chat-multi-tool-streaming.yaml"

PROBE = """JSON.stringify({
  text: document.body.textContent,
  cards: document.querySelectorAll('article.card').length,
  series: [...document.querySelectorAll('svg g.series')].map(g => ({
    id: g.dataset.interaction,
    points: g.querySelectorAll('circle.point').length,
    firstToken: g.querySelectorAll('.first-token').length})),
  resources: performance.getEntriesByType('resource').map(e => e.name),
  background: getComputedStyle(document.body).backgroundColor,
  folded: document.querySelectorAll('details:not([open])').length,
})"""


@pytest.fixture(scope="session")
def browser():
    path, reason = find_or_install_chromium()
    if path is None:
        pytest.skip(reason)
    with Browser(path) as b:
        yield b


def with_chunks(src: str, dst: Path) -> list[int]:
    """A copy of a cassette whose streamed responses carry `vcrproxy_chunks` (one chunk per SSE
    event, 40 ms apart after the headers), as vcrproxy records them. Returns chunk counts."""
    c = load_cassette(src)
    counts = []
    for n, i in enumerate(c.interactions):
        body = i.response.body_bytes
        sizes = [len(e) + 2 for e in body.split(b"\n\n")[:-1]]
        if sum(sizes) < len(body):
            sizes.append(len(body) - sum(sizes))
        start = i.response.duration_ns / 1e6
        i.response.extra[CHUNKS_KEY] = [[round(start + 1 + k * (40 + 15 * n), 3), s]
                                        for k, s in enumerate(sizes)]
        counts.append(len(sizes))
    save_cassette(c, dst)
    return counts


def load(browser, html: str, path: Path, **kw):
    path.write_text(html, encoding="utf-8")
    page = browser.open(path.as_uri(), **kw)
    return page, json.loads(page.evaluate(PROBE))


@pytest.mark.parametrize("name", NAMES)
def test_report_of_each_reference_cassette(name, browser, tmp_path):
    src = os.path.join(REFERENCE, name)
    out = tmp_path / "report.html"
    done = CliRunner().invoke(main, ["show", "--html", str(out), src])
    assert done.exit_code == 0, done.output
    cassette = load_cassette(src)
    page = browser.open(out.as_uri())
    got = json.loads(page.evaluate(PROBE))
    assert page.requests() == [out.as_uri()]  # nothing but the page itself
    assert got["resources"] == []
    assert got["cards"] == len(cassette.interactions)
    summaries = [summarize(i) for i in cassette.interactions]
    for s in summaries:
        assert s.text or s.tool_calls
        if s.text:
            assert s.text in got["text"]
        for call in s.tool_calls:
            assert call.name in got["text"]
        assert s.usage is not None and f"in {s.usage.input_tokens} / " in got["text"]
    streamed = [str(s.id) for s in summaries if s.streamed]
    # One series per streamed interaction; go-vcr cassettes have no chunk timing: one point.
    assert [g["id"] for g in got["series"]] == streamed
    assert all(g["points"] == 1 for g in got["series"])


def test_report_with_chunk_timing_light_and_dark(browser, tmp_path):
    cassette = tmp_path / "chat.yaml"
    counts = with_chunks(os.path.join(REFERENCE, CHAT), cassette)
    html = render_report(load_cassette(cassette), "chat.yaml")
    page, light = load(browser, html, tmp_path / "light.html")
    assert page.requests() == [(tmp_path / "light.html").as_uri()]
    assert [g["points"] for g in light["series"]] == counts
    assert all(g["firstToken"] == 1 for g in light["series"])
    assert re.search(r"first chunk \d+ms · first token \d+ms · \d+ chunks", light["text"])
    shot = page.screenshot()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000
    (tmp_path / "report.png").write_bytes(shot)
    if keep := os.environ.get("VCRPROXY_SCREENSHOT"):
        Path(keep).write_bytes(shot)
    _, dark = load(browser, html, tmp_path / "dark.html", dark=True)
    assert light["background"] != dark["background"]
    rgb = [int(v) for v in re.findall(r"\d+", dark["background"])[:3]]
    assert sum(rgb) < 150  # a dark page, not just a different light one


def test_long_texts_are_folded_and_markup_is_text(browser, tmp_path):
    c = load_cassette(os.path.join(REFERENCE, "openai-responses-simple.yaml"))
    req = json.loads(c.interactions[0].request.body)
    req["instructions"] = "<script>document.title='pwned'</script> " + "long " * 400
    c.interactions[0].request.body = json.dumps(req)
    html = render_report(c, "<b>x</b>.yaml")
    assert "<script>document" not in html and "<b>x</b>" not in html
    page, got = load(browser, html, tmp_path / "r.html")
    assert got["folded"] == 1  # the long system prompt starts folded...
    assert "<script>document.title='pwned'</script>" in got["text"]  # ...and is plain text
    assert page.evaluate("document.title") == "<b>x</b>.yaml · vcrproxy"


def test_show_html_plain_and_diff_do_not_import_mitmproxy(tmp_path):
    """Through the real CLI entry point: the view commands stay light (fast as a git textconv)."""
    chat, page = os.path.join(REFERENCE, CHAT), str(tmp_path / "r.html")
    code = f"""
import contextlib, io, sys
from vcrproxy.cli.main import main
for args in (["show", "--plain", {chat!r}], ["show", "--html", {page!r}, {chat!r}],
             ["diff", {chat!r}, {chat!r}]):
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main(args, standalone_mode=False)
    except SystemExit as e:
        assert e.code in (0, None), (args, e.code)
print([m for m in sys.modules if m.split('.')[0] == 'mitmproxy'])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert (tmp_path / "r.html").stat().st_size > 5000


def test_html_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("interactions: [\n")
    done = subprocess.run([VCRPROXY, "show", "--html", str(tmp_path / "o.html"), str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    ok = os.path.join(REFERENCE, CHAT)
    done = CliRunner().invoke(main, ["show", "--html", str(tmp_path / "no" / "o.html"), ok])
    assert done.exit_code == 1 and "No such file or directory" in done.output
    assert done.output.count("\n") == 1
    assert not (tmp_path / "o.html").exists()
