"""Secrets through a real recording session: every kind of secret redaction knows (see
tests/secret_shapes.py: 44 key shapes and 14 secrets only their name gives away) is sent to the
fake gateway's echo endpoint in its natural place (header, query, cookie, JSON field, form
field), and again inside a JSON body, a tool call's arguments (JSON inside a JSON string), a form
body and a gzip-encoded body, and the upstream echoes each request back (the gzip case in a
gzip-encoded answer).

None of them may reach the cassette file, a log record (any logger, DEBUG included), a live line
or the summary; `vcrproxy check` on the same traffic recorded with redaction off reports every
interaction; replay misses of the same requests quote none of them (400 body, logs, summary).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import urllib.parse

import pytest
from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import ALL_SECRETS, NOT_SECRETS, SHAPE_EXAMPLES, Secret

from vcrproxy.cli.live import LiveLog
from vcrproxy.cli.main import main
from vcrproxy.redaction import is_credential_name

VARIANTS = ("natural", "json", "tool-args", "form", "gzip")


def _field(s: Secret) -> str:
    """The field a body variant carries the secret under: a shape goes under a neutral name (only
    its form can give it away), a named secret under its own (credential) name."""
    if s.id in SHAPE_EXAMPLES:
        return "note"
    return s.name if is_credential_name(s.name) else "password"


def build(s: Secret, variant: str, base: str) -> dict:
    """httpx.request keyword arguments for one secret in one variant."""
    url = f"{base}/echo?plain=1"
    headers = {"User-Agent": "secrets-e2e"}
    natural: dict = {}
    if s.where == "header":
        headers[s.name] = s.text
    elif s.where == "cookie":
        headers["Cookie"] = f"{s.name}={s.value}; theme=dark"
    elif s.where == "query":
        url += "&" + urllib.parse.urlencode({s.name: s.value})
    elif s.where == "json":
        natural = {"json": {"provider": {"settings": [{s.name: s.value}]}, "max_tokens": 16}}
    elif s.where == "form":
        natural = {"data": {"grant_type": "client_credentials", s.name: s.value}}
    field = _field(s)
    if variant == "natural":
        return {"method": "POST", "url": url, "headers": headers, **natural}
    if variant == "json":
        body = {"model": "gpt-4o-mini", "max_tokens": 16, "nested": {field: s.text}}
        return {"method": "POST", "url": url, "headers": headers, "json": body}
    if variant == "tool-args":  # JSON text inside a JSON string: a tool call's arguments
        args = json.dumps({"city": "Paris", field: s.text})
        body = {"model": "gpt-4o-mini", "messages": [{"role": "assistant", "tool_calls": [
            {"type": "function", "function": {"name": "lookup", "arguments": args}}]}]}
        return {"method": "POST", "url": url, "headers": headers, "json": body}
    if variant == "form":
        return {"method": "POST", "url": url, "headers": headers,
                "data": {"model": "m", field: s.text}}
    # gzip: the request body gzip-encoded, the echo answered gzip-encoded, and the secret also in
    # its natural place so the encoded answer holds it too.
    raw = json.dumps({"input": "hello", field: s.text}).encode()
    headers.update({"Content-Type": "application/json", "Content-Encoding": "gzip",
                    "Accept-Encoding": "gzip"})
    url = url.replace("/echo", "/gzip/echo")
    if s.where in ("json", "form"):
        natural = {}  # the body is the gzip one; the secret is in it
    return {"method": "POST", "url": url, "headers": headers, "content": gzip.compress(raw)}


def forms(s: Secret) -> list[str]:
    """How the secret could show in a file or a log: as sent, JSON-escaped (once, or twice as
    JSON inside a JSON string), percent-encoded."""
    v = s.value
    once = json.dumps(v)[1:-1]
    return sorted({v, once, json.dumps(once)[1:-1], urllib.parse.quote(v, safe=""),
                   urllib.parse.quote_plus(v)})


def leaks(text: str) -> list[str]:
    return [f"{s.id}: {f[:8]}..." for s in ALL_SECRETS for f in forms(s) if f in text]


def run_traffic(proxy, ca_cert, gateway, *, expect_status=200) -> list:
    sent = []
    with proxied_client(proxy, ca_cert) as client:
        for s in ALL_SECRETS:
            for variant in VARIANTS:
                r = client.request(**build(s, variant, gateway.url))
                assert r.status_code == expect_status, (s.id, variant, r.text[:300])
                sent.append((s, variant, r))
    return sent


@pytest.fixture
def captured(caplog):
    """Every log record of the proxy (all loggers, DEBUG) and the CLI's live lines and summary,
    as one text."""
    caplog.set_level(logging.DEBUG)
    live = io.StringIO()

    def text(proxy) -> str:
        log = LiveLog(stream=live)
        for line in proxy.vcr.summary_lines():
            log.summary([line])
        # The test's own client (httpx) logs what it sends: not ours. The HTTP/2 libraries
        # (hpack, h2) are shared with the proxy, which keeps them at INFO (vcr.py).
        records = "\n".join(
            f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
            if not r.name.startswith(("httpx", "httpcore"))
        )
        return records + "\n" + live.getvalue()

    text.live = live
    return text


def test_no_secret_reaches_cassette_logs_or_misses(run_proxy, gateway, ca_cert, tmp_path,
                                                   captured):
    assert len(ALL_SECRETS) >= 40
    cassette = tmp_path / "secrets.yaml"
    proxy = run_proxy(cassette, "record")
    proxy.vcr.listeners.append(LiveLog(stream=captured.live).flow)
    sent = run_traffic(proxy, ca_cert, gateway)
    # The upstream really echoed every secret back (else the test proves nothing).
    for s, variant, r in sent:
        echo = r.json()
        seen = echo["body"] + json.dumps(echo["headers"], ensure_ascii=False) + echo["query"]
        assert any(f in seen for f in forms(s)) or variant == "gzip" and s.where in (
            "json", "form"), (s.id, variant)
    proxy.stop()
    text = cassette.read_text(encoding="utf-8")
    assert text.count("\n- id: ") + text.count("\n    - id: ") == len(sent)
    found = leaks(text)
    assert found == [], "\n".join(found)
    assert "max_tokens" in text and "gpt-4o-mini" in text  # look-alikes stay
    logged = captured(proxy)
    found = leaks(logged)
    assert found == [], "\n".join(found) + "\n" + "\n".join(
        line for line in logged.splitlines() if leaks(line))

    # Replay misses of the same requests (a body changed) quote none of the secrets.
    replay = run_proxy(cassette, "replay", match_on="method,path,body")
    replay.vcr.listeners.append(LiveLog(stream=captured.live).flow)
    with proxied_client(replay, ca_cert) as client:
        for s in ALL_SECRETS:
            kw = build(s, "natural", gateway.url)
            kw.pop("json", None), kw.pop("data", None)
            kw["json"] = {"changed": True, "nested": {_field(s): s.text}}
            r = client.request(**kw)
            assert r.status_code == 400, s.id
            assert leaks(r.text) == [], s.id
    replay.stop()
    explanations = [e for sess in replay.vcr.all_sessions() for e in sess.stats.explanations]
    assert len(explanations) == len(ALL_SECRETS)
    assert leaks("\n".join(explanations)) == []
    assert leaks(captured(replay)) == []


def test_check_reports_every_interaction_recorded_without_redaction(run_proxy, gateway, ca_cert,
                                                                    tmp_path):
    raw = tmp_path / "raw.yaml"
    proxy = run_proxy(raw, "record", redact=False)
    sent = run_traffic(proxy, ca_cert, gateway)
    proxy.stop()
    text = raw.read_text(encoding="utf-8")
    assert [s.id for s in ALL_SECRETS if not any(f in text for f in forms(s))] == []
    result = CliRunner().invoke(main, ["check", str(raw)], prog_name="vcrproxy")
    assert result.exit_code == 1
    flagged = {int(line.split("interaction ")[1].split(":")[0])
               for line in result.stderr.splitlines() if ": interaction " in line}
    assert flagged == set(range(len(sent)))
    assert leaks(result.output) == []
    # `redact` fixes exactly that: afterwards check passes and no secret is left.
    fixed = CliRunner().invoke(main, ["redact", str(raw)], prog_name="vcrproxy")
    assert fixed.exit_code == 0, fixed.output
    assert leaks(raw.read_text(encoding="utf-8")) == []
    again = CliRunner().invoke(main, ["check", str(raw)], prog_name="vcrproxy")
    assert again.exit_code == 0, again.output


def test_look_alikes_recorded_as_sent(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "plain.yaml"
    proxy = run_proxy(cassette, "record")
    body = {"model": "gpt-4o-mini", "max_tokens": 64, "stream": False,
            "usage": {"prompt_tokens": 3, "total_tokens": 5}, "token_count": 7,
            "notes": NOT_SECRETS}
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(f"{gateway.url}/echo?plain=1", json=body)
        assert r.status_code == 200
    proxy.stop()
    text = cassette.read_text(encoding="utf-8")
    assert "<REDACTED>" not in text
    for word in NOT_SECRETS:
        assert word in text


def test_redact_header_is_hidden_in_miss_texts(run_proxy, gateway, ca_cert, tmp_path, captured):
    """A header added with --redact-header is redacted in the cassette, and never printed in
    clear by a miss explanation (400 body, log, explanations for pytest), even when an older
    cassette still holds it."""
    recorded, live = "rec-" + "Qx7" * 6, "live-" + "Zp4" * 6
    mine, older = tmp_path / "mine.yaml", tmp_path / "older.yaml"
    for cassette, names in ((mine, "X-My-Key"), (older, "")):
        proxy = run_proxy(cassette, "record", redact_headers=names)
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(f"{gateway.url}/json", headers={"X-My-Key": recorded})
            assert r.status_code == 200
        proxy.stop()
    assert recorded not in mine.read_text(encoding="utf-8")
    assert recorded in older.read_text(encoding="utf-8")  # not a credential name by itself
    replay = run_proxy(older, "replay", redact_headers="X-My-Key",
                       match_headers="X-My-Key", match_on="method,url,headers")
    with proxied_client(replay, ca_cert) as client:
        r = client.get(f"{gateway.url}/json", headers={"X-My-Key": live})
    assert r.status_code == 400 and "X-My-Key" in r.text
    replay.stop()
    texts = [r.text, captured(replay),
             *[e for sess in replay.vcr.all_sessions() for e in sess.stats.explanations]]
    assert all(live not in t and recorded not in t for t in texts)


def test_check_and_redact_take_the_session_options(tmp_path):
    from vcrproxy import save_cassette
    from vcrproxy.cassette import Cassette, Interaction, Request, Response

    path = tmp_path / "c.yaml"
    body = json.dumps({"model": "m", "user_hash": "uh-0123456789", "password": "pw-0123456789"})
    req = Request(method="POST", url="https://x.test/v1/x", body=body, content_length=len(body),
                  headers={"Content-Type": ["application/json"], "X-Tenant": ["tenant-0123456"]})
    save_cassette(Cassette(interactions=[Interaction(0, req, Response(body="{}"))]), path)

    def run(*args):
        return CliRunner().invoke(main, [*args, str(path)], prog_name="vcrproxy")

    # password is a credential name; user_hash and X-Tenant only when named.
    plain = run("check")
    assert plain.exit_code == 1 and "request body field password" in plain.stderr
    assert "user_hash" not in plain.stderr and "X-Tenant" not in plain.stderr
    named = run("check", "--redact-fields", "user_hash", "--redact-headers", "X-Tenant",
                "--redact-fields", "-password")
    assert named.exit_code == 1
    assert "interaction 0: request body field user_hash holds an unredacted secret" in named.stderr
    assert "interaction 0: request header X-Tenant holds an unredacted secret" in named.stderr
    assert "password" not in named.stderr
    bad = run("check", "--redact-patterns", "(unclosed")
    assert bad.exit_code == 1 and bad.stderr.strip().splitlines() == [
        "Error: bad secret pattern '(unclosed': missing ), unterminated subpattern at position 0"
    ]
    fixed = run("redact", "--redact-fields", "user_hash", "--redact-headers", "X-Tenant")
    assert fixed.exit_code == 0
    text = path.read_text()
    assert "uh-0123456789" not in text and "tenant-0123456" not in text
    assert "pw-0123456789" not in text
    again = run("check", "--redact-fields", "user_hash", "--redact-headers", "X-Tenant")
    assert again.exit_code == 0


def test_session_redacts_added_fields_and_keeps_kept_names(run_proxy, gateway, ca_cert, tmp_path):
    """vcr_redact_fields adds a body field name; -NAME in vcr_redact_headers keeps a header the
    rule would redact."""
    cassette = tmp_path / "fields.yaml"
    proxy = run_proxy(cassette, "record", redact_fields=["user_hash"],
                      redact_headers=["-X-Trace-Token"])
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(f"{gateway.url}/echo?plain=1", headers={"X-Trace-Token": "trace-0001"},
                        json={"user_hash": "uh-0123456789", "model": "m"})
        assert r.status_code == 200
    proxy.stop()
    text = cassette.read_text(encoding="utf-8")
    assert "uh-0123456789" not in text and "trace-0001" in text
