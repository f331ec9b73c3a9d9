"""The "LLM" contentview inside a real mitmproxy: the flows the proxy replayed or recorded,
rendered by mitmproxy's own contentview machinery (auto-selected, as mitmweb and the console do)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import REFERENCE, proxied_client
from sessions import read_exports, web_has_login_token, web_ui_url

from vcrproxy import load_cassette

CHAT = "openai-chat-multi-tool-streaming.yaml"

# Per reference cassette and interaction: what the view must show.
EXPECTED = {
    "anthropic-messages-simple-streaming.yaml": [
        ("Anthropic Messages · stream", 'Olá! (That\'s "hi" in Portuguese)', [], "end_turn",
         "in 16 / out 38"),
    ],
    "bedrock-claude-eventstream-binary.yaml": [
        ("Bedrock event stream · stream", "Olá!", [], "end_turn", "in 16 / out 7"),
    ],
    "gemini-simple-streaming.yaml": [
        ("Gemini · stream", "Olá!", [], "STOP", "in 11 / out 2 / reasoning 21"),
    ],
    CHAT: [
        ("OpenAI chat completions · stream", None, [("add", {"a": 2, "b": 3}),
                                                   ("multiply", {"a": 2, "b": 3})],
         "tool_calls", "in 106 / out 50"),
        ("OpenAI chat completions · stream", "The sum of 2 and 3 is 5, and the product is 6.",
         [], "stop", "in 172 / out 20"),
    ],
    "openai-responses-simple.yaml": [
        ("OpenAI Responses · JSON", "Olá!", [], "completed", "in 20 / out 3"),
    ],
    "vercel-gateway-claude-simple-streaming.yaml": [
        ("OpenAI chat completions · stream", "Olá!", [], "stop", "in 16 / out 7"),
    ],
}


class Capture:
    """A mitmproxy addon keeping every finished flow (added after the VCR addon)."""

    def __init__(self) -> None:
        self.flows = []

    def response(self, flow) -> None:
        self.flows.append(flow)


def capture(proxy) -> Capture:
    cap = Capture()
    proxy.call(lambda: proxy.proxy.master.addons.add(cap))
    return cap


def rendered(flow, message: str = "response", view: str = "auto") -> tuple[str, str]:
    """(view name, text) as mitmproxy renders the flow's message (11 and 12 APIs)."""
    from mitmproxy import contentviews

    msg = getattr(flow, message)
    if hasattr(contentviews, "prettify_message"):  # mitmproxy 12
        out = contentviews.prettify_message(msg, flow, view_name=view)
        return out.view_name or "", out.text
    desc, lines, error = contentviews.get_message_content_view(view, msg, flow)
    assert error is None, error
    text = "\n".join("".join(t for _, t in line) for line in lines)
    # mitmproxy 11's auto view returns the chosen view's description: ours starts with "LLM".
    return ("LLM" if desc.startswith("LLM") else desc), text


def replay_all(run_proxy, ca_cert, tmp_path, name: str) -> list:
    path = tmp_path / name
    shutil.copy(os.path.join(REFERENCE, name), path)
    cassette = load_cassette(path)
    proxy = run_proxy(path, "replay")
    cap = capture(proxy)
    with proxied_client(proxy, ca_cert) as client:
        for interaction in cassette.interactions:
            req = interaction.request
            ctype = next((v[0] for k, v in req.headers.items() if k.lower() == "content-type"),
                         "application/json")
            r = client.request(req.method, req.url, content=req.body_bytes,
                               headers={"content-type": ctype})
            assert r.status_code == interaction.response.code, r.text[:300]
    assert len(cap.flows) == len(cassette.interactions)
    return cap.flows


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_view_of_each_reference_cassette(name, run_proxy, ca_cert, tmp_path):
    flows = replay_all(run_proxy, ca_cert, tmp_path, name)
    for flow, (head, text, calls, finish, usage) in zip(flows, EXPECTED[name], strict=True):
        view, out = rendered(flow)
        assert view == "LLM", out[:300]  # chosen over Raw/JSON for an AI API response
        assert out.startswith(head)
        if text:
            assert "assistant:\n" + "\n".join(
                "  " + line if line else "" for line in text.split("\n")
            ) in out
        for call_name, args in calls:
            block = re.search(rf"^  {call_name}  \[call_\w+\]\n((?:    .*\n)+)", out, re.M)
            assert block, out
            assert json.loads(block.group(1)) == args
        assert f"finish reason: {finish}\n" in out
        assert f"usage: {usage}" in out
        if "stream" in head:
            # go-vcr cassettes carry no vcrproxy_chunks: counts, but no timing to show
            assert re.search(r"^stream: \d+ events?, no chunk timing$", out, re.M), out


def test_request_view_lists_messages_and_tools(run_proxy, ca_cert, tmp_path):
    flows = replay_all(run_proxy, ca_cert, tmp_path, CHAT)
    view, out = rendered(flows[1], "request")
    assert view != "LLM"  # the raw JSON stays the default for requests
    view, out = rendered(flows[1], "request", "LLM")
    assert view == "LLM"
    assert out.startswith("OpenAI chat completions · request · model gpt-4o\n")
    assert "user:\n  Add and multiply the number 2 and 3\n" in out
    assert '[tool call add({"a": 2, "b": 3})]' in out
    assert "tool:\n  5\n" in out and "tool:\n  6\n" in out
    assert out.endswith("tools: add, multiply")


def test_recorded_stream_shows_time_to_first_token(run_proxy, gateway, ca_cert, tmp_path):
    """A recorded stream: mitmproxy keeps no streamed body, the addon hands it the recorded copy
    and the chunk timing, so the view has the answer and the time to the first token."""
    proxy = run_proxy(tmp_path / "rec.yaml", "record")
    cap = capture(proxy)
    body = {"model": "gpt-fake", "stream": True,
            "messages": [{"role": "user", "content": "hello there"}]}
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(gateway.url + "/v1/chat/completions?gap_ms=60", json=body)
        assert r.status_code == 200
    (flow,) = cap.flows
    view, out = rendered(flow)
    assert view == "LLM"
    assert "assistant:\n  You said: hello there\n" in out
    m = re.search(r"^stream: (\d+) events, (\d+) chunks, first chunk (\S+), "
                  r"time to first token (\S+), last chunk (\S+)$", out, re.M)
    assert m, out
    events, chunks = int(m.group(1)), int(m.group(2))
    assert events >= 4 and chunks >= events  # one write per event, [DONE] is not an event
    # The first event only carries the role: the first text came one gap (60 ms) later.
    first = flow.metadata["vcrproxy_chunks"]
    assert m.group(3) != m.group(4)
    assert first[1][0] - first[0][0] >= 30


def test_not_ai_body_is_left_to_mitmproxys_views(run_proxy, gateway, ca_cert, tmp_path):
    proxy = run_proxy(tmp_path / "j.yaml", "record")
    cap = capture(proxy)
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(gateway.url + "/json?size=40").status_code == 200
    (flow,) = cap.flows
    view, _ = rendered(flow)
    assert view != "LLM"
    view, out = rendered(flow, view="LLM")
    assert out == "(not a recognised AI API exchange)"


@pytest.mark.skipif(not web_has_login_token(),
                    reason="mitmproxy < 11.1: vcrproxy refuses --web (its web UI has no login)")
def test_mitmweb_renders_the_replayed_flow(confdir, ca_cert, tmp_path):
    """`vcrproxy replay --web`: mitmweb's own content endpoint (what its UI fetches) picks the
    LLM view for a replayed Gemini stream and returns the assembled answer."""

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        web_port = s.getsockname()[1]
    name = "gemini-simple-streaming.yaml"
    cassette = load_cassette(os.path.join(REFERENCE, name))
    req = cassette.interactions[0].request
    err = open(tmp_path / "stderr", "w+")
    vcrproxy = str(Path(sys.executable).parent / "vcrproxy")
    proc = subprocess.Popen(
        [vcrproxy, "replay", os.path.join(REFERENCE, name), "--web", "--web-port", str(web_port),
         "--confdir", confdir],
        stdout=subprocess.PIPE, stderr=err, text=True,
    )
    try:
        exports = read_exports(proc.stdout)
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=exports["HTTPS_PROXY"], verify=verify, timeout=20) as client:
            r = client.post(req.url, content=req.body_bytes,
                            headers={"content-type": "application/json"})
        assert r.status_code == 200
        url = web_ui_url(err, web_port)
        token = url.partition("token=")[2]
        params = {"token": token} if token else None
        base = f"http://127.0.0.1:{web_port}"
        with httpx.Client(timeout=10) as web:
            flows = web.get(f"{base}/flows", params=params).json()
            (flow,) = [f for f in flows if "googleapis" in f["request"]["host"]]
            got = web.get(f"{base}/flows/{flow['id']}/response/content/auto.json",
                          params=params).json()
            views = web.get(f"{base}/state", params=params).json()["contentViews"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        err.close()
    assert any(v.lower() == "llm" for v in views)
    if "text" in got:  # mitmproxy 12
        assert got["view_name"] == "LLM"
        text = got["text"]
    else:  # mitmproxy 11: lines of [style, text] pairs
        assert got["description"].startswith("LLM")
        text = "\n".join("".join(t for _, t in line) for line in got["lines"])
    assert text.startswith("Gemini · stream · model gemini-2.5-flash")
    assert "assistant:\n  Olá!\n" in text
    assert "finish reason: STOP" in text


def test_view_text_is_redacted(run_proxy, gateway, ca_cert, tmp_path):
    key = "sk-" + "proj" + "A1b2" * 6  # built at runtime: no key-shaped literal in the repo
    proxy = run_proxy(tmp_path / "k.yaml", "record")
    cap = capture(proxy)
    body = {"model": "gpt-fake", "messages": [{"role": "user", "content": f"my key is {key}"}]}
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(gateway.url + "/v1/chat/completions", json=body)
        assert key in r.text  # the client gets the answer as sent...
    (flow,) = cap.flows
    _, out = rendered(flow)
    assert "assistant:\n  You said: my key is <REDACTED>\n" in out  # ...the view shows no key
    _, out = rendered(flow, "request", "LLM")
    assert key not in out and "my key is <REDACTED>" in out


def test_mitmdump_script_prints_the_view(confdir, ca_cert, tmp_path):
    """`mitmdump -s addon/vcr.py` registers the view too: with flow_detail=3 mitmdump prints each
    body through the auto-selected contentview, so a replayed stream prints as its answer."""
    from test_mitmdump_script import mitmdump

    name = "anthropic-messages-simple-streaming.yaml"
    req = load_cassette(os.path.join(REFERENCE, name)).interactions[0].request
    log = tmp_path / "mitmdump.log"
    with mitmdump(confdir, log, f"vcr_cassette={os.path.join(REFERENCE, name)}",
                  "vcr_mode=replay", "flow_detail=3") as (proc, url):
        verify = ssl.create_default_context(cafile=ca_cert)
        with httpx.Client(proxy=url, verify=verify, timeout=20) as client:
            r = client.post(req.url, content=req.body_bytes,
                            headers={"content-type": "application/json"})
            assert r.status_code == 200
        deadline = time.monotonic() + 10
        while "finish reason" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    out = log.read_text()
    assert "Anthropic Messages · stream · model claude-sonnet-4" in out, out[-3000:]
    assert "  Olá! (That's \"hi\" in Portuguese)" in out
    assert "finish reason: end_turn" in out


def test_paced_replay_shows_the_answer_and_recorded_timing(run_proxy, ca_cert, tmp_path):
    """--pace recorded streams the reply from the loopback chunk server (mitmproxy keeps no
    streamed body): the view still has the recorded answer and its chunk timing."""
    from vcrproxy import save_cassette
    from vcrproxy.cassette import CHUNKS_KEY

    c = load_cassette(os.path.join(REFERENCE, "vercel-gateway-claude-simple-streaming.yaml"))
    resp = c.interactions[0].response
    sizes = [len(e) + 2 for e in resp.body_bytes.split(b"\n\n")[:-1]]
    resp.extra[CHUNKS_KEY] = [[10 + 20 * k, s] for k, s in enumerate(sizes)]
    resp.duration_ns = 5_000_000
    save_cassette(c, tmp_path / "paced.yaml")
    proxy = run_proxy(tmp_path / "paced.yaml", "replay", pace="recorded")
    cap = capture(proxy)
    req = c.interactions[0].request
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(req.url, content=req.body_bytes,
                        headers={"content-type": "application/json"})
        assert r.status_code == 200
        assert r.content == resp.body_bytes  # the body is sent once, as recorded
    (flow,) = cap.flows
    view, out = rendered(flow)
    assert view == "LLM", out
    assert "assistant:\n  Olá!\n" in out
    assert re.search(rf"^stream: \d+ events, {len(sizes)} chunks, first chunk 10ms, "
                     r"time to first token \d+ms, last chunk \d+ms$", out, re.M), out
