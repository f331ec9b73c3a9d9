"""Fault injection in replay (`--fault`), end to end: the real openai and anthropic SDKs, httpx
over HTTP/1.1 and h2, through a real in-process mitmproxy replaying the reference cassettes.

Replay hosts do not resolve here (no DNS, no route out), so every answer comes from the proxy.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import anthropic
import httpx
import openai
import pytest
from test_replay import ant, client, founding_stream, oai, reports, summary

from vcrproxy import load_cassette
from vcrproxy.childenv import proxy_url
from vcrproxy.faults import FaultError, parse_fault, split_credential

REFERENCE = Path(__file__).resolve().parent.parent / "cassettes"
FOUNDING = str(REFERENCE / "vercel-gateway-claude-simple-streaming.yaml")
ANTHROPIC = str(REFERENCE / "anthropic-messages-simple-streaming.yaml")
GATEWAY = "https://ai-gateway.vercel.sh/v1"


def founding_request() -> tuple[str, bytes]:
    req = load_cassette(FOUNDING).interactions[0].request
    return req.url, req.body_bytes


def anthropic_stream(ac: anthropic.Anthropic):
    return ac.messages.create(
        max_tokens=4000,
        messages=[{"content": [{"text": "Say hi in Portuguese", "type": "text"}], "role": "user"}],
        model="claude-sonnet-4-20250514",
        system=[{"text": "You are a helpful assistant", "type": "text"}],
        stream=True,
    )


# What an SDK raises when a stream is cut: httpx's error as it is (openai 1.x/2.x, anthropic 0.x),
# or wrapped in the SDK's connection error (openai 3.x).
# anthropic 2.x runs on httpx2, a fork with its own exception classes.
try:
    import httpx2

    TRANSPORT: tuple[type[Exception], ...] = (httpx.TransportError, httpx2.TransportError)
except ImportError:
    TRANSPORT = (httpx.TransportError,)
STREAM_ERRORS = (*TRANSPORT, openai.APIConnectionError, anthropic.APIConnectionError)


def transport_error(exc: BaseException) -> BaseException:
    while not isinstance(exc, TRANSPORT) and exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def text_of(chunks) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


# -- the syntax ----------------------------------------------------------------------------------


def test_fault_syntax():
    f = parse_fault("status:429@1")
    assert (f.kind, f.arg, f.nth, f.retry_ms) == ("status", 429, 1, 20)
    assert parse_fault("status:503:1500").retry_ms == 1500
    assert parse_fault("cut:3@#7").interaction_id == 7
    assert parse_fault("stall:50@p=0.25").probability == 0.25
    assert parse_fault("delay:200@*").nth is None and not parse_fault("delay:200").once
    assert parse_fault("reset").fails and not parse_fault("delay:1").fails
    for bad, says in [("boom", "unknown kind"), ("status", "status:CODE"),
                      ("status:200", "between 400 and 599"), ("cut:x", "whole number"),
                      ("reset:1", "no argument"), ("delay:5@0", "between 1"),
                      ("delay:5@p=2", "probability"), ("stall:99999999", "between 0")]:
        with pytest.raises(FaultError, match=says):
            parse_fault(bad)
    assert split_credential("replay;status:429@1;cut:2") == (
        "replay", [parse_fault("status:429@1"), parse_fault("cut:2")])
    assert split_credential(";reset@2") == (None, [parse_fault("reset@2")])
    assert split_credential("status:529") == (None, [parse_fault("status:529")])
    assert split_credential("new-episodes") == ("new-episodes", [])


def test_a_put_back_interaction_answers_the_next_identical_request():
    from test_replay import rec

    from vcrproxy.matching import Matcher

    first, second = (rec("https://x.invalid/a", resp_body=str(i)) for i in range(2))
    loose = rec("https://x.invalid/<REDACTED>")  # compared one by one, outside the index
    for i, interaction in enumerate((first, second, loose)):
        interaction.id = i
    m = Matcher([first, second, loose])
    got = m.find(first.request)
    assert got is first
    m.put_back(got)
    assert [m.find(first.request) for _ in range(4)] == [first, second, loose, None]
    m.put_back(loose)
    assert m.unused() == [loose]
    assert m.find(rec("https://x.invalid/b").request) is loose


# -- status --------------------------------------------------------------------------------------


def test_openai_429_then_the_recording_on_retry(run_proxy, ca_cert):
    proxy = run_proxy(FOUNDING, "replay", fault=["status:429@1"])
    seen = reports(proxy)
    with oai(proxy, ca_cert, GATEWAY, max_retries=2) as oc:
        messages = [{"content": "You are a helpful assistant", "role": "system",
                     "cache_control": {"type": "ephemeral"}},
                    {"content": "Say hi in Portuguese", "role": "user",
                     "cache_control": {"type": "ephemeral"}}]
        raw = oc.chat.completions.with_raw_response.create(
            model="anthropic/claude-sonnet-4", messages=messages, max_tokens=4000, stream=True,
            stream_options={"include_usage": True})
        assert raw.retries_taken == 1
        assert text_of(list(raw.parse())) == "Olá!"
    assert [(r.kind, r.status) for r in seen] == [("fault", 429), ("replayed", 200)]
    lines = summary(proxy)
    assert lines[0].endswith("replayed 1, recorded 0, missed 0, failed 0, unused 0, faults 1")
    assert lines[1] == (f"  fault: status:429@1 -> POST {GATEWAY}/chat/completions "
                        "(interaction 0)")


def test_openai_429_error_shape_and_retry_headers(run_proxy, ca_cert):
    proxy = run_proxy(FOUNDING, "replay", fault=["status:429:1500"])
    with oai(proxy, ca_cert, GATEWAY, max_retries=0) as oc:
        with pytest.raises(openai.RateLimitError) as err:
            founding_stream(oc)
    resp = err.value.response
    assert resp.headers["retry-after-ms"] == "1500"
    assert resp.headers["retry-after"] == "2"
    assert resp.headers["x-should-retry"] == "true"
    assert err.value.code == "rate_limit_exceeded"
    assert "--fault status:429:1500" in err.value.message
    # Each request failed, none used the interaction.
    assert summary(proxy)[0].endswith("replayed 0, recorded 0, missed 0, failed 0, unused 1, "
                                      "faults 1")


def test_anthropic_529_without_retries_raises_overloaded(run_proxy, ca_cert):
    proxy = run_proxy(ANTHROPIC, "replay", fault=["status:529"])
    with ant(proxy, ca_cert, max_retries=0) as ac:
        with pytest.raises(anthropic.APIStatusError) as err:
            anthropic_stream(ac)
    assert type(err.value).__name__ == "OverloadedError"  # the SDK's 529 class (0.x and 2.x)
    assert err.value.status_code == 529
    assert err.value.body["error"]["type"] == "overloaded_error"
    assert err.value.response.headers["x-should-retry"] == "true"


def test_anthropic_429_retried_then_streams(run_proxy, ca_cert):
    proxy = run_proxy(ANTHROPIC, "replay", fault=["status:429@1"])
    with ant(proxy, ca_cert, max_retries=1) as ac:
        events = list(anthropic_stream(ac))
    assert events[-1].type == "message_stop"


@pytest.mark.parametrize("host, path, check", [
    ("generativelanguage.googleapis.com", "/v1beta/models/g:streamGenerateContent?alt=sse",
     lambda r: r.json()["error"]["status"] == "UNAVAILABLE" and r.json()["error"]["code"] == 503),
    ("bedrock-runtime.us-east-1.amazonaws.com", "/model/m/invoke",
     lambda r: r.headers["x-amzn-errortype"].startswith("ServiceUnavailableException:")
     and "unable to process" in r.json()["message"]),
    ("api.anthropic.com", "/v1/messages",
     lambda r: r.json()["error"]["type"] == "api_error" and r.json()["type"] == "error"),
    ("api.openai.com", "/v1/chat/completions",
     lambda r: r.json()["error"]["type"] == "server_error"),
], ids=["gemini", "bedrock", "anthropic", "openai"])
def test_status_takes_the_provider_shape(run_proxy, ca_cert, tmp_path, host, path, check):
    from test_replay import cassette, rec

    url = f"https://{host}{path}"
    proxy = run_proxy(cassette(tmp_path / "c.yaml", rec(url, method="POST", body="{}",
                                                        resp_body='{"ok": true}')),
                      "replay", fault=["status:503@1"])
    with client(proxy, ca_cert) as c:
        first = c.post(url, content=b"{}")
        second = c.post(url, content=b"{}")
    assert first.status_code == 503 and check(first), first.text
    assert first.headers["x-vcrproxy-fault"] == "status:503@1"
    assert second.status_code == 200 and second.json() == {"ok": True}


def test_a_bedrock_miss_takes_bedrock_shape_too(run_proxy, ca_cert, tmp_path):
    """Misses and status faults share the provider's error shape (misses.provider_of)."""
    from test_replay import cassette, rec

    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke"
    proxy = run_proxy(cassette(tmp_path / "c.yaml", rec(url, method="POST", body="{}")), "replay")
    with client(proxy, ca_cert) as c:
        r = c.post(url, content=b'{"other": 1}')
    assert r.status_code == 400
    assert r.headers["x-amzn-errortype"].startswith("ValidationException:")
    assert "no recorded interaction matches" in r.json()["message"]


# -- cut, reset ----------------------------------------------------------------------------------


def test_cut_stream_openai_sdk_gets_exactly_three_chunks(run_proxy, ca_cert):
    proxy = run_proxy(FOUNDING, "replay", fault=["cut:3@1"])
    seen = reports(proxy)
    got = []
    with oai(proxy, ca_cert, GATEWAY, max_retries=0) as oc:
        with pytest.raises(STREAM_ERRORS) as err:
            for chunk in founding_stream(oc):
                got.append(chunk)
        assert len(got) == 3
        assert "incomplete chunked read" in str(transport_error(err.value))
        # The cut used no interaction: asking again gets the whole recording.
        assert text_of(list(founding_stream(oc))) == "Olá!"
    assert [r.kind for r in seen] == ["fault", "replayed"]


def test_cut_stream_h2_is_a_stream_reset_and_the_connection_lives(run_proxy, ca_cert):
    url, body = founding_request()
    proxy = run_proxy(FOUNDING, "replay", fault=["cut:2@1"])
    events = []
    with client(proxy, ca_cert, http2=True) as c:
        with pytest.raises(httpx.RemoteProtocolError, match="StreamReset"):
            with c.stream("POST", url, content=body) as r:
                assert r.http_version == "HTTP/2"
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        events.append(line)
        assert len(events) == 2
        again = c.post(url, content=body)  # same h2 connection: only the stream was reset
    assert again.status_code == 200 and "[DONE]" in again.text


def test_anthropic_cut_after_three_deltas(run_proxy, ca_cert):
    # SSE events: message_start, content_block_start, ping (which the SDK does not yield), then
    # the deltas: cut:6 leaves exactly three deltas.
    proxy = run_proxy(ANTHROPIC, "replay", fault=["cut:6"])
    got = []
    with ant(proxy, ca_cert, max_retries=0) as ac:
        with pytest.raises(STREAM_ERRORS):
            for event in anthropic_stream(ac):
                got.append(event.type)
    assert got == ["message_start", "content_block_start"] + ["content_block_delta"] * 3


def test_reset_is_retried_by_the_sdk_and_fails_without_retries(run_proxy, ca_cert):
    proxy = run_proxy(FOUNDING, "replay", fault=["reset@1", "reset@3"], allow_repeats=True)
    with oai(proxy, ca_cert, GATEWAY, max_retries=1) as oc:
        assert text_of(list(founding_stream(oc))) == "Olá!"  # request 1 reset, 2 answered
    with oai(proxy, ca_cert, GATEWAY, max_retries=0) as oc:
        with pytest.raises(openai.APIConnectionError):
            founding_stream(oc)
    lines = summary(proxy)
    assert [ln for ln in lines if "fault:" in ln] == [
        f"  fault: reset@1 -> POST {GATEWAY}/chat/completions (interaction 0)",
        f"  fault: reset@3 -> POST {GATEWAY}/chat/completions (interaction 0)",
    ]


# -- timing --------------------------------------------------------------------------------------


def test_delay_shows_in_client_timing(run_proxy, ca_cert):
    proxy = run_proxy(FOUNDING, "replay", fault=["delay:400@1"], allow_repeats=True)
    url, body = founding_request()
    with client(proxy, ca_cert) as c:
        start = time.monotonic()
        first = c.post(url, content=body)
        slow = time.monotonic() - start
    assert first.status_code == 200 and "[DONE]" in first.text
    assert slow >= 0.4


def test_a_delayed_answer_reports_its_size(run_proxy, ca_cert):
    """The live line said `0 B` for a delayed answer: the recorder took the faulted flow for a
    passthrough stream and counted the bytes of a stream that never ran."""
    proxy = run_proxy(FOUNDING, "replay", fault=["delay:10"])
    seen = reports(proxy)
    url, body = founding_request()
    with client(proxy, ca_cert) as c:
        answer = c.post(url, content=body)
    assert answer.status_code == 200 and "[DONE]" in answer.text
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [(r.kind, r.size) for r in seen] == [("fault", len(answer.content))]


@pytest.mark.parametrize("pace", ["instant", "recorded"])
def test_delay_adds_to_a_cut_and_to_recorded_pacing(run_proxy, ca_cert, pace):
    url, body = founding_request()
    recorded_ms = load_cassette(FOUNDING).interactions[0].response.duration_ns / 1e6
    proxy = run_proxy(FOUNDING, "replay", fault=["delay:300", "cut:2@1"], pace=pace)
    with client(proxy, ca_cert) as c:
        events = []
        start = time.monotonic()
        with pytest.raises(httpx.RemoteProtocolError):
            with c.stream("POST", url, content=body) as r:
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        events.append(line)
        cut_after = time.monotonic() - start
        start = time.monotonic()
        whole = c.post(url, content=body)  # request 2: delayed, then the recording
        took = time.monotonic() - start
    assert len(events) == 2 and cut_after >= 0.3
    assert whole.status_code == 200 and "[DONE]" in whole.text
    assert took >= 0.3 + (recorded_ms / 1000 if pace == "recorded" else 0)


def test_stall_spaces_the_events(run_proxy, ca_cert):
    proxy = run_proxy(ANTHROPIC, "replay", fault=["stall:60"])
    events = 0
    with ant(proxy, ca_cert, max_retries=0) as ac:
        start = time.monotonic()
        for _ in anthropic_stream(ac):
            events += 1
        took = time.monotonic() - start
    # A lower bound only: the proxy sends event k at least k stalls after the first (single
    # client-side gaps may shrink when an earlier event was late in transit).
    assert events > 5
    assert took >= (events - 1) * 0.06


# -- which requests ------------------------------------------------------------------------------


def test_probability_is_seeded_and_per_cassette(run_proxy, ca_cert):
    url, body = founding_request()

    def statuses(seed: int) -> list[int]:
        proxy = run_proxy(FOUNDING, "replay", fault=["status:503@p=0.5"], fault_seed=seed,
                          allow_repeats=True)
        with client(proxy, ca_cert) as c:
            return [c.post(url, content=body).status_code for _ in range(16)]

    a, b, other = statuses(7), statuses(7), statuses(8)
    assert a == b
    assert a != other
    assert 0 < a.count(503) < 16 and set(a) == {200, 503}


def test_interaction_id_picks_the_first_request_it_answers(run_proxy, ca_cert):
    path = REFERENCE / "openai-chat-multi-tool-streaming.yaml"
    proxy = run_proxy(str(path), "replay", fault=["status:500@#1"], match_on="method,url")
    with client(proxy, ca_cert) as c:
        got = [c.post("https://api.openai.com/v1/chat/completions", content=b"{}").status_code
               for _ in range(3)]
    # interaction 0 answers, interaction 1 fails once, then answers.
    assert got == [200, 500, 200]


def test_faults_from_the_proxy_url(run_proxy, ca_cert, tmp_path):
    url, body = founding_request()
    proxy = run_proxy(str(tmp_path / "unnamed.yaml"), "passthrough", cassette_dir=str(REFERENCE))
    named = proxy_url("127.0.0.1", proxy.proxy.port, "vercel-gateway-claude-simple-streaming",
                      "replay", ["status:429@1", "status:503@2"])
    assert ";status:429%401;" in named
    verify = ssl.create_default_context(cafile=ca_cert)
    with httpx.Client(proxy=named, verify=verify, timeout=20) as c:
        got = [c.post(url, content=body) for _ in range(3)]
    assert [r.status_code for r in got] == [429, 503, 200], got[0].text
    plain = proxy_url("127.0.0.1", proxy.proxy.port, "vercel-gateway-claude-simple-streaming",
                      "replay", ["bogus"])
    with httpx.Client(proxy=plain, verify=verify, timeout=20) as c:
        r = c.post(url, content=body)
    assert r.status_code == 400 and "unknown kind 'bogus'" in r.text


def test_cli_rejects_a_bad_fault_in_one_line(tmp_path):
    out = subprocess.run(
        [str(Path(sys.executable).parent / "vcrproxy"), "replay", FOUNDING, "--fault",
         "status:42", "--", "true"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "VCRPROXY_CONFDIR": str(tmp_path)},
    )
    assert out.returncode != 0
    assert "status code must be between 400 and 599" in out.stderr
    assert "Traceback" not in out.stderr


def test_pytest_marker_asks_for_its_own_faults(tmp_path, confdir):
    suite = tmp_path / "suite"
    (suite / "cassettes" / "test_marked").mkdir(parents=True)
    shutil.copyfile(FOUNDING, suite / "cassettes" / "test_marked" / "test_retry.yaml")
    url, body = founding_request()
    (suite / "test_marked.py").write_text(f"""
import httpx, pytest

@pytest.mark.vcrproxy(mode="replay", fault=["status:429@1", "delay:10@2"])
def test_retry(vcrproxy):
    with httpx.Client(proxy=vcrproxy.url, verify=vcrproxy.ca_bundle) as c:
        first = c.post({url!r}, content={body!r})
        second = c.post({url!r}, content={body!r})
    assert first.status_code == 429, first.text
    assert first.json()["error"]["code"] == "rate_limit_exceeded"
    assert second.status_code == 200 and "[DONE]" in second.text
""")
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(suite),
         str(suite)],
        env={**environ, "VCRPROXY_CONFDIR": confdir, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True, text=True, timeout=120, cwd=suite,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed" in out.stdout


def test_reset_on_h2_resets_only_the_stream(run_proxy, ca_cert):
    url, body = founding_request()
    proxy = run_proxy(FOUNDING, "replay", fault=["reset@1"])
    with client(proxy, ca_cert, http2=True) as c:
        with pytest.raises(httpx.RemoteProtocolError, match="StreamReset"):
            c.post(url, content=body)
        again = c.post(url, content=body)  # same connection
    assert again.http_version == "HTTP/2"
    assert again.status_code == 200 and "[DONE]" in again.text


def test_faults_under_mitmdump_script(confdir, tmp_path):
    from test_mitmdump_script import mitmdump

    url, body = founding_request()
    ca = os.path.join(confdir, "mitmproxy-ca-cert.pem")
    with mitmdump(confdir, tmp_path / "log", f"vcr_cassette={FOUNDING}", "vcr_mode=replay",
                  "vcr_fault=status:503@1", "vcr_fault=reset@2") as (_, proxy):
        with httpx.Client(proxy=proxy, verify=ssl.create_default_context(cafile=ca),
                          timeout=20) as c:
            first = c.post(url, content=body)
            with pytest.raises(httpx.RemoteProtocolError):
                c.post(url, content=body)
            third = c.post(url, content=body)
    assert first.status_code == 503 and first.json()["error"]["type"] == "server_error"
    assert third.status_code == 200 and "[DONE]" in third.text


NODE_APP = """
import OpenAI from 'openai';
const client = new OpenAI({ baseURL: 'https://ai-gateway.vercel.sh/v1', apiKey: 'k',
                            maxRetries: Number(process.env.RETRIES) });
const messages = [
  { content: 'You are a helpful assistant', role: 'system', cache_control: { type: 'ephemeral' } },
  { content: 'Say hi in Portuguese', role: 'user', cache_control: { type: 'ephemeral' } },
];
const out = { chunks: 0, text: '' };
try {
  const stream = await client.chat.completions.create({
    model: 'anthropic/claude-sonnet-4', messages, max_tokens: 4000, stream: true,
    stream_options: { include_usage: true } });
  for await (const chunk of stream) {
    out.chunks += 1;
    out.text += chunk.choices[0]?.delta?.content ?? '';
  }
} catch (e) {
  out.error = `${e.constructor.name}: ${e.message}`;
}
console.log(JSON.stringify(out));
"""


@pytest.mark.parametrize("fault, retries, expect", [
    ("status:429@1", 2, {"text": "Olá!"}),
    ("cut:3", 0, {"chunks": 3}),
], ids=["429-retried", "cut"])
def test_node24_openai_npm(request, confdir, tmp_path, fault, retries, expect):
    """Node 24's openai package (fetch, NODE_USE_ENV_PROXY) retries the 429 after retry-after-ms
    and gets the recording; a cut stream fails its iteration after exactly 3 chunks."""
    try:
        node = request.getfixturevalue("node24")
        modules = os.path.join(request.getfixturevalue("npm_project"), "node_modules")
    except pytest.FixtureLookupError:
        pytest.skip("no Node runtime fixtures (tests/runtimes.py) in this tree")
    (tmp_path / "app.mjs").write_text(NODE_APP)
    os.symlink(modules, tmp_path / "node_modules")
    env = {k: v for k, v in node.env().items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, RETRIES=str(retries))
    env.pop("NODE_OPTIONS", None)
    run = subprocess.run(
        [str(Path(sys.executable).parent / "vcrproxy"), "replay", FOUNDING, "--fault", fault,
         "--", node.node, "app.mjs"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    out = json.loads(run.stdout.strip().splitlines()[-1])
    for key, value in expect.items():
        assert out[key] == value, (out, run.stderr)
    if fault == "cut:3":
        assert out["error"] == "TypeError: terminated", out  # undici's body stream error
    else:
        assert "error" not in out and run.returncode == 0, run.stderr
        assert "replayed 1, recorded 0, missed 0, failed 0, unused 0, faults 1" in run.stderr
