"""Redaction rules: names, shapes, fields at any depth, echoes, real provider bodies, text."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import pytest
import yaml
from secret_shapes import ALL_SECRETS, NOT_SECRETS, SHAPE_EXAMPLES

import vcrproxy.redaction as redaction
from vcrproxy import hsmatch
from vcrproxy.cassette import REDACTED, Interaction, Request, Response
from vcrproxy.redaction import (
    DEFAULT_REDACTION,
    SHAPES,
    RedactionConfig,
    StreamScan,
    find_secrets,
    is_credential_name,
    redact_interaction,
    redact_text,
    redact_url,
    scrub_text,
    secret_values,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = [ROOT / "cassettes", ROOT.parent.parent / "shared" / "reference" / "cassettes"]


def exchange(req_body="", resp_body="", *, req_headers=None, resp_headers=None, url=None):
    req = Request(
        method="POST",
        url=url or "https://api.example.com/v1/x",
        body=req_body,
        headers=req_headers or {"Content-Type": ["application/json"]},
        content_length=len(req_body),
    )
    resp = Response(body=resp_body, headers=resp_headers or {"Content-Type": ["application/json"]})
    return Interaction(id=1, request=req, response=resp)


def text_of(i: Interaction) -> str:
    return json.dumps(
        [i.request.headers, i.request.url, i.request.form, i.request.body_bytes.decode("latin-1"),
         i.response.headers, i.response.body_bytes.decode("latin-1")],
        ensure_ascii=False,
    )


# -- shapes ----------------------------------------------------------------------------------------


def test_every_shape_has_an_example():
    assert {s.name for s in SHAPES} == set(SHAPE_EXAMPLES)


@pytest.mark.parametrize("name", sorted(SHAPE_EXAMPLES))
def test_every_shape_is_found_in_text_json_and_binary(name):
    value = SHAPE_EXAMPLES[name]
    out = scrub_text(f"note: {value} end")
    assert value not in out and "<REDACTED>" in out
    body = json.dumps({"note": f"({value})"})
    i = redact_interaction(exchange(body, b"\x00\xff" + value.encode() + b"\x01"))
    assert value not in i.request.body and json.dumps(value)[1:-1] not in i.request.body
    assert value.encode() not in i.response.body
    assert find_secrets(exchange(body))  # check reports it


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_look_alikes_survive(text):
    assert scrub_text(text) == text
    body = json.dumps({"model": text, "id": text, "max_tokens": 1024, "content": text})
    i = exchange(body, body)
    assert redact_interaction(i) == i
    assert find_secrets(i) == []


@pytest.mark.parametrize("engines", [("_USE_HS",), ("_USE_HS", "_USE_AC")])
def test_needle_fallback_finds_the_same(monkeypatch, engines):
    """Without Hyperscan (Aho-Corasick), and without either (`re` per needle): the same text."""
    texts = [f"a {v} b {v[:10]}" for v in SHAPE_EXAMPLES.values()] + NOT_SECRETS
    config = DEFAULT_REDACTION.with_changes(add_patterns=r"\bzz_[0-9]{6,}")
    fast = [scrub_text(t + " zz_1234567", config) for t in texts]
    for name in engines:
        monkeypatch.setattr(redaction, name, False)
    redaction._finder.cache_clear()
    try:
        assert [scrub_text(t + " zz_1234567", config) for t in texts] == fast
    finally:
        redaction._finder.cache_clear()


def test_needles_without_hyperscan_when_it_cannot_build(monkeypatch):
    """Hyperscan present but unable to build its database (a CPU it does not support raises
    there): the needle search falls back to the Aho-Corasick DFA, with the same hits, instead
    of every redaction failing."""
    hyperscan = pytest.importorskip("hyperscan")

    class Unsupported:
        def __init__(self, *a, **kw):
            raise hyperscan.error("HS_ARCH_ERROR")

    key = SHAPE_EXAMPLES["openai"]
    body = f'{{"note": "{key}", "api_key": "Zq4Wn7Yt2Kp9Zq4Wn7Yt2Kp9"}}'
    expected = redact_interaction(exchange(body)).request.body
    monkeypatch.setattr(hyperscan, "Database", Unsupported)
    redaction._finder.cache_clear()
    try:
        needles = redaction._Needles([b"sk-", b"key\""])
        assert needles.ordered and needles._hs is None
        assert needles.find(b"sk-1 key\"") == [(0, 0), (1, 5)]
        assert redact_interaction(exchange(body)).request.body == expected
        assert key not in expected
    finally:
        monkeypatch.undo()
        redaction._finder.cache_clear()


@pytest.mark.skipif(hsmatch.module() is None or redaction._ac is None,
                    reason="needs both hyperscan and ahocorasick-rs")
@pytest.mark.parametrize("seed", range(4))
def test_hyperscan_hits_are_aho_corasicks_in_its_order(monkeypatch, seed):
    """Every hit, overlapping ones and several needles ending at one byte included, in one
    overlapping Aho-Corasick search's order (StreamScan's hits must be exactly that): for the
    default needles on random bytes and on key-laden text, and for needles that are suffixes,
    prefixes and infixes of each other (NUL and high bytes too) on bytes made of them."""
    import random

    rng = random.Random(seed)
    default = redaction._finder(DEFAULT_REDACTION.patterns, DEFAULT_REDACTION.fields)
    tricky = [b"sk-", b"k-", b"sk-proj-", b"-pro", b"j-", b"\x01\xff", b"\xff", b"a", b"aa",
              b"aaa", b'"api_key"', b'key"']
    mixed = ["".join(rng.choice((c.lower(), c.upper())) for c in n)
             for n in ["api_keys", "AccessTokenValue", "BeArEr", "sesSIONid"] * 99]
    names = " ".join(f'"{n}": 1' for n in mixed).encode()
    caseless = default.needles.caseless
    bodies = [
        (default.needles.needles, caseless, rng.randbytes(1 << 20)),
        (default.needles.needles, caseless,
         " ".join(list(SHAPE_EXAMPLES.values()) * 50).encode() + names),
        (tricky, [False] * len(tricky),
         b"".join(rng.choice(tricky + [b"x", b"s"]) for _ in range(20_000))),
        (tricky, [i % 2 == 0 for i in range(len(tricky))],
         b"".join(rng.choice(tricky + [b"SK-", b"A", b"Key\""]) for _ in range(20_000))),
    ]
    for needles, cl, data in bodies:
        assert redaction._Needles(needles, caseless=cl)._hs is not None
        hs = redaction._Needles(needles, caseless=cl).find(data)
        monkeypatch.setattr(redaction, "_USE_HS", False)
        ac = redaction._Needles(needles, caseless=cl).find(data)
        monkeypatch.setattr(redaction, "_USE_AC", False)
        by_re = redaction._Needles(needles, caseless=cl).find(data)
        monkeypatch.setattr(redaction, "_USE_AC", True)
        monkeypatch.setattr(redaction, "_USE_HS", True)
        assert hs == ac and len(hs) > 5
        assert sorted(by_re) == sorted(hs)
        if any(cl) and data is not bodies[0][2]:  # (caseless hits in other cases too)
            assert any(data[s:s + len(needles[i])] != needles[i] for i, s in hs if cl[i])
    # A needle with a NUL byte (an echoed value could hold one) is searched by Aho-Corasick.
    assert redaction._Needles([b"a\x00b", b"c"])._hs is None
    assert redaction._Needles([b"a\x00b", b"c"]).find(b"xa\x00bc a") == [(0, 1), (1, 4)]


# -- names -----------------------------------------------------------------------------------------

CREDENTIAL_NAMES = [
    "api-key", "API_KEY", "apiKey", "x-api-key", "X-Portkey-Api-Key", "x-goog-api-key",
    "Ocp-Apim-Subscription-Key", "authorization", "Proxy-Authorization", "x-auth", "X-Auth-Token",
    "X-Custom-Auth", "token", "access_token", "refreshToken", "id_token", "X-Amz-Security-Token",
    "client_secret", "secretAccessKey", "aws_secret_access_key", "password", "passwd",
    "newPassword", "cookie", "Set-Cookie", "session_id", "sessionId", "JSESSIONID",
    "PHPSESSID", "signature", "X-Amz-Signature", "sig", "credential", "x-amz-credential",
    "credentials", "private_key", "x-functions-key", "authToken", "hf_token", "oauth_token",
]
NOT_CREDENTIAL_NAMES = [
    "max_tokens", "max_completion_tokens", "max_output_tokens", "maxOutputTokens",
    "prompt_tokens", "completion_tokens", "total_tokens", "input_tokens", "output_tokens",
    "cache_read_input_tokens", "reasoning_tokens", "budget_tokens", "token_count",
    "tokenCount", "totalTokenCount", "promptTokenCount", "tokenizer", "nextPageToken",
    "page_token", "token_type", "eos_token", "author", "authors", "idempotency-key",
    "prompt_cache_key", "key_name", "model", "x-ratelimit-remaining-tokens",
    "anthropic-ratelimit-tokens-remaining", "x-stainless-os", "x-goog-api-client",
    "user-agent", "content-type", "keywords", "x-request-id", "session", "thinkingBudget",
    "auth_uri", "token_uri", "auth_provider_x509_cert_url", "auth_type", "authMethod",
    "secret_name", "SecretArn", "token_expires_at", "credentialType", "credential_provider",
]


@pytest.mark.parametrize("name", CREDENTIAL_NAMES)
def test_credential_names(name):
    assert is_credential_name(name)


@pytest.mark.parametrize("name", NOT_CREDENTIAL_NAMES)
def test_not_credential_names(name):
    assert not is_credential_name(name)


def test_json_fields_at_any_depth_and_echoes():
    key = "Zq4" + "Wn7Yt2Kp9" * 4
    body = json.dumps({
        "query": "weather", "api_key": "tv" + "ly-" + "A1b2C3d4" * 4,
        "provider": {"apiKey": key, "settings": [{"Client_Secret": "shh-" + "x" * 12}]},
        "gcp": {"credentials": "cred-" + "y" * 12, "AUTHORIZATION": "Basic " + "z" * 12},
        "max_tokens": 100, "usage": {"total_tokens": 5}, "token_count": 3, "model": "m-1",
    }, indent=1)
    echo = json.dumps({"you_sent": key, "escaped": json.dumps({"k": key}), "url": f"?x={key}"})
    out = redact_interaction(exchange(body, echo))
    data = json.loads(out.request.body)
    assert data["api_key"] == REDACTED and data["provider"]["apiKey"] == REDACTED
    assert data["provider"]["settings"][0]["Client_Secret"] == REDACTED
    assert data["gcp"] == {"credentials": REDACTED, "AUTHORIZATION": "Basic " + REDACTED}
    assert data["max_tokens"] == 100 and data["usage"] == {"total_tokens": 5}
    assert data["query"] == "weather" and data["model"] == "m-1"
    assert key not in out.response.body
    assert json.loads(out.response.body)["you_sent"] == REDACTED
    assert out.request.body.count("\n") == body.count("\n")  # format kept


@pytest.mark.parametrize("indent", [None, 2])
def test_json_fields_of_json_inside_a_json_string(indent):
    """Tool call arguments are JSON text inside a JSON string (`"arguments": "{\\"api_key\\":
    ...}"`): a secret only its field name gives away was kept there (the field needle is
    `api_key"`, the string holds `api_key\\"`). Each named field of the inner JSON is redacted,
    its value's own escapes (quotes, backslashes, \\u) and pretty-printed (escaped) breaks
    included; the rest of both levels stays, and the value is searched as an echo elsewhere."""
    key = "Zq4" + "Wn7Yt2Kp9" * 4
    inner = {"city": "Paris", "api_key": key, "password": 'p"w\\d\u00e9' + "x" * 8,
             "Authorization": "Bearer " + "tok" + "9Lm2Nq4Rs6Tu8Vw", "token_count": 3,
             "nested": {"client_secret": "cs-" + "q" * 16}}
    args = json.dumps(inner, indent=indent)
    body = json.dumps({"choices": [{"message": {"tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": args}}]}}]})
    echo = json.dumps({"you_sent": key})
    out = redact_interaction(exchange(body, echo))
    outer = json.loads(out.request.body)
    got = json.loads(outer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
    assert got == {"city": "Paris", "api_key": REDACTED, "password": REDACTED,
                   "Authorization": "Bearer " + REDACTED, "token_count": 3,
                   "nested": {"client_secret": REDACTED}}
    assert outer["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert json.loads(out.response.body) == {"you_sent": REDACTED}  # (the value, echoed)
    assert redact_interaction(out).request.body == out.request.body  # (idempotent)
    assert not find_secrets(out)


def test_token_endpoint_answer_and_form_body():
    form = "grant_type=refresh_token&client_id=abc.apps&client_secret=my%2Fsecret%2Fvalue" \
           "&refresh_token=1%2F%2F0abc&password=hunter2hunter2"
    answer = json.dumps({"access_token": "opaque-access-1234", "expires_in": 3599,
                         "token_type": "Bearer", "scope": "openid"})
    i = exchange(form, answer,
                 req_headers={"Content-Type": ["application/x-www-form-urlencoded"]})
    out = redact_interaction(i)
    assert out.request.body == ("grant_type=refresh_token&client_id=abc.apps&client_secret="
                                "<REDACTED>&refresh_token=<REDACTED>&password=<REDACTED>")
    data = json.loads(out.response.body)
    assert data["access_token"] == REDACTED and data["token_type"] == "Bearer"
    assert data["expires_in"] == 3599


def test_multipart_fields():
    boundary = "XyZ123"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\nplainkey12345\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
        f"\r\nnotes=keep-file-content\r\npassword=file-env-line\r\n--{boundary}--\r\n"
    )
    ctype = f"multipart/form-data; boundary={boundary}"
    out = redact_interaction(exchange(body, req_headers={"Content-Type": [ctype]}))
    assert "plainkey12345" not in out.request.body
    assert "whisper-1" in out.request.body and "keep-file-content" in out.request.body
    assert f'name="api_key"\r\n\r\n{REDACTED}\r\n' in out.request.body
    # A file part is not a field named by its lines, but a credential's `.env` line in it is one.
    assert f"\r\npassword={REDACTED}\r\n" in out.request.body


def test_logprobs_token_and_thinking_signature_survive():
    logprobs = {"choices": [{"logprobs": {"content": [
        {"token": "Hello", "logprob": -0.1, "top_logprobs": [{"token": " world", "logprob": -1}]}
    ]}}]}
    thinking = {"content": [{"type": "thinking", "thinking": "hmm",
                             "signature": "EqQBCkgIARABGAIiQL" + "x" * 60}],
                "candidates": [{"content": {"parts": [{"thoughtSignature": "Cq" + "y" * 40}]}}]}
    gemini = {"candidates": [{"logprobsResult": {"topCandidates": [{"candidates": [
        {"token": "Hi", "logProbability": -0.1}]}], "chosenCandidates": [
        {"logProbability": -0.1, "tokenId": 9, "token": "Hi"}]}}]}
    for body in (logprobs, thinking, gemini):
        i = exchange(json.dumps(body), json.dumps(body))
        assert redact_interaction(i) == i
    # Only beside a `logprob` key in its own object: a request asking for logprobs with a
    # credential named `token` (an MCP tool's headers, or at the top) loses it.
    secret = "opaqueSessionT0ken" + "42"
    for body in ({"logprobs": True, "tools": [{"headers": {"token": secret}}]},
                 {"token": secret, "logprobs": True, "top_logprobs": 2}):
        out = redact_interaction(exchange(json.dumps(body))).request.body
        assert secret not in out and "<REDACTED>" in out


def test_real_provider_bodies_survive():
    """Request and response bodies of OpenAI chat/Responses, Anthropic, Gemini, Bedrock and
    Vercel (the reference cassettes) come out unchanged, max_tokens and model names included."""
    seen = 0
    for folder in REFERENCE:
        for path in sorted(folder.glob("*.yaml")):
            for raw in yaml.safe_load(path.read_text())["interactions"]:
                rq, rs = raw["request"], raw["response"]
                i = exchange(rq["body"], rs["body"], req_headers=rq["headers"],
                             resp_headers=rs["headers"], url=rq["url"])
                assert redact_interaction(i) == i, path.name
                assert find_secrets(i) == []
                seen += 1
    assert seen >= 6


# -- config ---------------------------------------------------------------------------------------


def test_added_and_kept_names():
    config = RedactionConfig.from_strings(
        headers="X-My-Key,-Cookie", query="tenant", fields="user_hash,-password"
    )
    body = json.dumps({"user_hash": "h" * 12, "password": "visible-on-purpose"})
    i = exchange(body, url="https://x.test/v1?tenant=acme-tenant-1&q=1",
                 req_headers={"X-My-Key": ["mine-0123456"], "Cookie": ["a=b"],
                              "Content-Type": ["application/json"]})
    out = redact_interaction(i, config)
    assert out.request.headers["X-My-Key"] == [REDACTED]
    assert out.request.headers["Cookie"] == ["a=b"]
    assert out.request.url == "https://x.test/v1?tenant=<REDACTED>&q=1"
    assert json.loads(out.request.body) == {"user_hash": REDACTED, "password": "visible-on-purpose"}
    assert redact_interaction(i) != out  # the defaults differ


# -- text leaving the proxy ---------------------------------------------------------------------


def test_redact_text_and_url():
    google = SHAPE_EXAMPLES["google"]
    url = f"https://user:pw-S3cr3t@h.test/v1/m?alt=sse&key={google}&api-key=plain0123456789"
    assert redact_url(url) == "https://user:<REDACTED>@h.test/v1/m?alt=sse&key=<REDACTED>" \
                              "&api-key=<REDACTED>"
    line = f"MISS POST {url} 400 body: $.note differs: recorded \"a\" vs live \"plainsecret-99\""
    out = redact_text(line, None, ["plainsecret-99"])
    assert "plainsecret-99" not in out and google not in out and "pw-S3cr3t" not in out
    assert "plain0123456789" not in out


def test_secret_values_of_a_request():
    body = json.dumps({"input": "x", "nested": {"secret_key": "sv-0123456789"}})
    req = exchange(body, req_headers={"X-My-Key": ["hdr-0123456789"],
                                      "Content-Type": ["application/json"]}).request
    config = RedactionConfig.from_strings(headers="X-My-Key")
    assert set(secret_values(req, config)) == {"sv-0123456789", "hdr-0123456789"}


def test_check_reports_exactly_what_redaction_changes():
    """find_secrets is empty exactly when redaction changes nothing, for every secret of the
    end-to-end table in a JSON body, a form body and a gzip-looking binary body."""
    for s in ALL_SECRETS:
        name = s.name if is_credential_name(s.name) or s.id in SHAPE_EXAMPLES else "password"
        for body, ctype in (
            (json.dumps({"note": s.text, name: s.text}), "application/json"),
            (f"note=x&{name}={s.text}", "application/x-www-form-urlencoded"),
            (gzip.compress(s.text.encode()) + s.text.encode(), "application/octet-stream"),
        ):
            if ctype == "application/octet-stream" and s.id not in SHAPE_EXAMPLES:
                continue  # a value only its name gives away, without its name: nothing to see
            i = exchange(body, req_headers={"Content-Type": [ctype]})
            changed = redact_interaction(i) != i
            assert bool(find_secrets(i)) == changed, (s.id, ctype)
            assert changed, (s.id, ctype)
            assert s.value not in text_of(redact_interaction(i)), (s.id, ctype)


def test_redaction_never_mutates_and_is_idempotent():
    i = exchange(json.dumps({"api_key": "k" * 20, "note": SHAPE_EXAMPLES["together"]}),
                 json.dumps({"echo": "k" * 20}))
    before = copy.deepcopy(i)
    once = redact_interaction(i)
    assert i == before and redact_interaction(once) == once and find_secrets(once) == []


def test_cookie_words_are_not_hunted_down_elsewhere():
    i = exchange(json.dumps({"status": "access granted", "theme": "dark mode"}),
                 req_headers={"Cookie": ["consent=granted; theme=dark; sid=Ab12Cd34Ef"],
                              "Content-Type": ["application/json"]},
                 resp_headers={"Content-Type": ["application/json"], "X-Sid": ["Ab12Cd34Ef"]})
    out = redact_interaction(i)
    assert out.request.headers["Cookie"] == [REDACTED]
    assert json.loads(out.request.body) == {"status": "access granted", "theme": "dark mode"}
    assert out.response.headers["X-Sid"] == [REDACTED]  # a random-looking part is an echo


def test_gcp_service_account_file():
    key = {"type": "service_account", "project_id": "p-1", "private_key_id": HEX_ID,
           "private_key": "-----BEGIN " + "PRIVATE KEY-----\\nMIIEvQ" + "A" * 40
           + "\\n-----END " + "PRIVATE KEY-----\\n",
           "client_email": "a@p-1.iam.gserviceaccount.com", "client_id": "1234567890",
           "auth_uri": "https://accounts.google.com/o/oauth2/auth",
           "token_uri": "https://oauth2.googleapis.com/token"}
    out = json.loads(redact_interaction(exchange(json.dumps(key))).request.body)
    assert out["private_key"] == REDACTED and out["private_key_id"] == HEX_ID  # an id
    assert out["auth_uri"] == key["auth_uri"] and out["token_uri"] == key["token_uri"]
    assert out["client_email"] == key["client_email"] and out["type"] == "service_account"


HEX_ID = "0123456789abcdef" * 2 + "01234567"


def test_websocket_subprotocol_keys_are_redacted_and_other_subprotocols_stay():
    """Sec-WebSocket-Protocol (RFC 6455 section 11.3.4) carries keys where browsers cannot set
    headers: an item after a credential name, or after the `.` that ends one inside an item."""
    key = "3f2a9c" + "0123456789abcdef" * 2 + "9d1e"
    cases = {
        f"token, {key}": "token, <REDACTED>",
        f"realtime, openai-insecure-api-key.{key}, openai-beta.realtime-v1":
            "realtime, openai-insecure-api-key.<REDACTED>, openai-beta.realtime-v1",
        f"base64url.bearer.authorization.k8s.io.{key}": "base64url.bearer.<REDACTED>",
        "chat, superchat": "chat, superchat",
        "token": "token",
    }
    for value, expected in cases.items():
        i = exchange(req_headers={"Sec-WebSocket-Protocol": [value]},
                     resp_body=f"echo {key}")
        out = redact_interaction(i)
        assert out.request.headers["Sec-WebSocket-Protocol"] == [expected], value
        assert (key in out.response.body) == (key not in value)  # (its echo too)


@pytest.mark.parametrize("part", [
    'name="api_key"', "name=api_key", "name*=utf-8''api%5Fkey", 'name="secret"; filename="s.txt"',
    'NAME = "password"',
], ids=["quoted", "bare", "rfc5987", "file-part", "spaced"])
@pytest.mark.parametrize("crlf", [True, False], ids=["crlf", "lf"])
def test_multipart_credential_parts_are_redacted_however_written(part, crlf):
    """RFC 7578 quotes the name and breaks lines with CRLF; lenient servers take a bare name, an
    RFC 5987 `name*=` and LF breaks, so clients send them: each is redacted, and a file whose
    filename (not field name) says key stays."""
    key = "Zq81xkPL" + "m3vR7tY0aQ"
    nl = "\r\n" if crlf else "\n"
    body = (f"--b{nl}Content-Disposition: form-data; name=\"model\"{nl}{nl}gpt{nl}"
            f"--b{nl}Content-Disposition: form-data; {part}{nl}{nl}{key}{nl}"
            f"--b{nl}Content-Disposition: form-data; name=\"file\"; filename=\"api_key.txt\""
            f"{nl}{nl}kept{nl}--b--{nl}")
    i = exchange(body, req_headers={"Content-Type": ["multipart/form-data; boundary=b"]})
    out = redact_interaction(i).request.body
    assert key not in out and "<REDACTED>" in out
    assert f"{nl}gpt{nl}" in out and f"{nl}kept{nl}" in out


# -- XML elements and URLs inside bodies --------------------------------------------------------


def test_xml_elements_named_as_credentials_lose_their_text():
    """STS AssumeRole / GetSessionToken answer the temporary credentials as XML: an element the
    field rule calls a credential loses its text (namespaced, with attributes, in CDATA, or as
    XML quoted in a JSON string), `check` names the element, and the text's echoes go too;
    elements such as S3's `<Key>`, `<NextContinuationToken>` or `<max_tokens>` stay."""
    secret = "fakeSecret" + "Abc123" * 4
    token = "FQoGZX" + "Tok456" * 8
    body = (
        '<?xml version="1.0"?>\n<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/" '
        'xmlns:aws="urn:a">'
        f"<Credentials><AccessKeyId>AKIDEXAMPLE</AccessKeyId>"
        f"<SecretAccessKey>{secret}</SecretAccessKey>"
        f'<aws:SessionToken kind="sts">\n  {token}\n</aws:SessionToken>'
        f"<Password><![CDATA[{secret[::-1]}]]></Password><Token/>"
        "<Key>photos/2006/key.jpg</Key><NextContinuationToken>1ueGcxLPR</NextContinuationToken>"
        "<max_tokens>50</max_tokens></Credentials></AssumeRoleResponse>")
    i = exchange(resp_body=body, resp_headers={"Content-Type": ["text/xml"]},
                 req_body=f'{{"log": "saw {secret}"}}')
    out = redact_interaction(i)
    text = text_of(out)
    for gone in (secret, token, secret[::-1]):
        assert gone not in text
    marker = "&lt;REDACTED&gt;"  # (in XML: a replayed answer must still parse)
    assert f"<SecretAccessKey>{marker}</SecretAccessKey>" in out.response.body
    assert f'<aws:SessionToken kind="sts">\n  {marker}\n</aws:' in out.response.body
    import xml.dom.minidom
    xml.dom.minidom.parseString(out.response.body)
    assert find_secrets(out) == []
    for kept in ("<Key>photos/2006/key.jpg</Key>", "1ueGcxLPR", "<max_tokens>50<", "<Token/>"):
        assert kept in text
    found = "\n".join(find_secrets(i))
    assert "response body element SecretAccessKey holds an unredacted secret" in found
    assert "request body repeats the secret of response body element SecretAccessKey" in found
    quoted = json.dumps({"tool_result": f"<Credentials><SecretAccessKey>{secret}"
                                        "</SecretAccessKey></Credentials>"})
    assert secret not in text_of(redact_interaction(exchange(resp_body=quoted)))
    assert redact_interaction(out).response.body == out.response.body  # (idempotent)


def test_named_query_parameters_of_urls_inside_bodies_and_url_headers():
    """A URL an API answers in a body (an Azure SAS image URL, an S3 presigned download URL,
    HTML's `&amp;`) loses the query parameters the request URL would lose, as does a Location
    or Referer header; `check` names them. A percent-encoded STS token is found by its shape
    too. Other parameters, and names in prose, stay."""
    sig = "Zk3mQ9xYt2LpW8vRn4sB6cJ1hF5dG7aE0oU3iK9y"
    sts = SHAPE_EXAMPLES["aws-session-token"].replace("/", "%2F").replace("+", "%2B")
    body = json.dumps({"data": [
        {"url": f"https://x.blob.core.windows.net/c/img.png?sv=2021&sp=r&sig={sig}%3D"},
        {"href": f"<a href='https://x.example/d?id=7&amp;access_token={sig[::-1]}'>"},
        {"text": f"the token={sig.lower()} monkey=1 and ?sp=r"},
        {"go": f"https://x.example/d?id=7&sig={sig[::-2]}&sv=1"},
        {"presigned": f"https://b.s3.amazonaws.com/o?X-Amz-Date=1&X-Amz-Security-Token={sts}"},
    ]}).replace("id=7&sig=", "id=7\\u0026sig=")  # (Go's encoding/json writes `&` so)
    i = exchange(resp_body=body, resp_headers={
        "Content-Type": ["application/json"],
        "Location": [f"/v1/files/1?sp=r&sig={sig[5:]}"]},
        req_headers={"Referer": [f"https://app.example/?api_key={sig[3:]}&page=2"]})
    out = redact_interaction(i)
    text = text_of(out)
    for gone in (sig, sig[::-1], sts, sig[5:], sig[3:], sig[::-2]):
        assert gone not in text
    for kept in ("sv=2021&sp=r&sig=<REDACTED>", "id=7&amp;access_token=<REDACTED>'",
                 sig.lower(), "monkey=1", "X-Amz-Date=1&"):
        assert kept in text, kept
    assert out.response.headers["Location"] == [f"/v1/files/1?sp=r&sig={REDACTED}"]
    assert out.request.headers["Referer"] == [f"https://app.example/?api_key={REDACTED}&page=2"]
    found = "\n".join(find_secrets(i))
    assert "response body URL query parameter sig holds an unredacted secret" in found
    assert "response header Location query parameter sig holds" in found
    assert "request header Referer query parameter api_key holds" in found
    assert redaction.scrub_text(f"?t={sts}") == f"?t={REDACTED}"


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd", "deflate", "gzip, br"])
def test_an_encoded_body_is_scanned_decoded_and_stored_as_recording_would(coding):
    """go-vcr stores a body as read: the compressed bytes when the client asked for them. The
    pass scans the decoding (so `check` sees a key in it); a body it changes is stored decoded
    as recording stores one (no Content-Encoding nor Content-Length, `uncompressed: true`), a
    clean one stays byte for byte, and one that does not decode has its bytes scanned."""
    from mitmproxy.net import encoding

    def encode(raw: bytes) -> bytes:
        for c in coding.split(", "):
            raw = encoding.encode(raw, c)
        return raw

    key = SHAPE_EXAMPLES["anthropic"]
    plain = json.dumps({"note": f"your key is {key}", "password": "hunter2-x"}).encode()
    headers = {"Content-Type": ["application/json"], "Content-Encoding": [coding],
               "Content-Length": ["1"]}
    i = exchange(resp_body=encode(plain), resp_headers=dict(headers),
                 req_body=encode(b'{"api_key": "k3y-' + b"9" * 12 + b'"}'),
                 req_headers=dict(headers))
    found = "\n".join(find_secrets(i))
    assert "response body holds an Anthropic key (sk-ant-...)" in found
    assert "response body field password holds" in found
    assert "request body field api_key holds" in found
    out = redact_interaction(i)
    assert out.response.body == plain.decode().replace(key, REDACTED).replace(
        "hunter2-x", REDACTED)
    assert out.request.body == '{"api_key": "<REDACTED>"}'
    assert out.response.uncompressed is True and out.response.content_length == -1
    for msg in (out.request, out.response):
        assert set(msg.headers) == {"Content-Type"}
    assert find_secrets(out) == []
    clean = exchange(resp_body=encode(b'{"ok": 1}'), resp_headers=dict(headers))
    assert redact_interaction(clean).response.body == clean.response.body
    broken = exchange(resp_body=b'{"key is": "' + key.encode() + b'"}', resp_headers=dict(headers))
    assert key not in text_of(redact_interaction(broken))


@pytest.mark.parametrize("name", ["aws-session-token", "bedrock", "azure-storage",
                                  "google-refresh", "google-code"])
def test_base64_keys_written_with_json_escapes_are_found_whole(name):
    """PHP's json_encode writes `/` as `\\/`, .NET's System.Text.Json `+` as `\\u002B`: the
    escapes stand for characters of the key, so its shape runs through them and the whole key
    goes (`check` says which). The same JSON unescaped, and percent-encoded, are found too."""
    key = SHAPE_EXAMPLES[name]
    if not name.startswith("google"):  # (+ and / inside it, before any `=` padding)
        base = key.rstrip("=")
        key = base + "+/ab/+cd/" * 3 + key[len(base):]
    for body in (json.dumps({"k": key}).replace("/", "\\/"),
                 json.dumps({"k": key}).replace("+", "\\u002B").replace("=", "\\u003d"),
                 json.dumps({"k": key.replace("/", "%2F").replace("+", "%2B")})):
        out = redact_interaction(exchange(resp_body=body)).response.body
        assert json.loads(out)["k"].endswith(REDACTED), (body, out)
        assert len(json.loads(out)["k"]) <= len(REDACTED) + len("AccountKey="), out
        assert find_secrets(exchange(resp_body=body)), body


@pytest.mark.parametrize("depth", [2, 3])
def test_json_fields_of_json_nested_in_json_strings_twice_and_thrice(depth):
    """An LLM-as-judge prompt holds a transcript whose tool call's `arguments` is JSON: a field
    two (or three) JSON strings down is found by its name, its value goes, and so do the
    value's echoes elsewhere; counters at that depth stay."""
    secret = "opaquePassw0rd" + "Value99"
    doc: object = {"db_password": secret, "max_tokens": 5}
    for _ in range(depth):
        doc = {"content": json.dumps(doc)}
    body = json.dumps(doc)
    i = exchange(req_body=body, resp_body=json.dumps({"echo": f"pw was {secret}"}))
    out = redact_interaction(i)
    assert secret not in text_of(out)
    inner = json.loads(out.request.body)
    for _ in range(depth):
        inner = json.loads(inner["content"])
    assert inner == {"db_password": REDACTED, "max_tokens": 5}
    found = "\n".join(find_secrets(i))
    assert "request body field db_password holds an unredacted secret" in found
    assert "response body repeats the secret of request body field db_password" in found


@pytest.mark.parametrize("shift", [0, 1, 2])
def test_a_key_in_a_base64_text_document_is_redacted_and_the_request_still_matches(shift):
    """A `.env` attached as a base64 document (Anthropic's `document` source, OpenAI's
    `file_data` data URL): the base64 quanta over each key (by shape, or a credential-named
    line) become the marker, the rest stays as sent, so the live request still matches the
    recorded one (the marker is a wildcard); `check` names it. Images are left alone."""
    import base64

    from vcrproxy.matching import Matcher

    key = SHAPE_EXAMPLES["anthropic"]
    env = ("#" * shift + f"# settings\nANTHROPIC_API_KEY={key}\nDB_PASSWORD='hunter2-x'\n"
           "DEBUG=1\n").encode()
    doc = base64.b64encode(env).decode()
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40 + key.encode()).decode()
    body = json.dumps({"messages": [{"role": "user", "content": [
        {"type": "document", "source": {"type": "base64", "media_type": "text/plain",
                                        "data": doc}},
        {"type": "file", "file": {"file_data": f"data:text/plain;base64,{doc}"}},
        {"type": "image", "source": {"type": "base64", "data": png}}]}]})
    i = exchange(req_body=body)
    out = redact_interaction(i)
    sent = json.loads(out.request.body)["messages"][0]["content"]
    for data in (sent[0]["source"]["data"], sent[1]["file"]["file_data"]):
        assert data.count(REDACTED) == 2 and "hunter2" not in data
        assert all(p in doc for p in data.removeprefix("data:text/plain;base64,").split(REDACTED))
        assert data.startswith(("data:", doc[:8]))
    assert sent[2]["source"]["data"] == png
    found = "\n".join(find_secrets(i))
    assert "request body base64 document line ANTHROPIC_API_KEY holds" in found
    assert "request body base64 document line DB_PASSWORD holds an unredacted secret" in found
    assert find_secrets(out) == []
    m = Matcher([out])
    assert m.find(i.request) is not None


@pytest.mark.parametrize("nul", [False, True], ids=["text", "with-nul"])
def test_a_long_named_value_is_hunted_as_an_echo_without_hanging(nul):
    """A credential field may hold a long value (60 KB here; with a NUL byte Hyperscan cannot
    take it, and an Aho-Corasick automaton's build grows with the square of a needle: ~1 min),
    and it is searched for everywhere else: needles over _LONG_NEEDLE bytes are found by
    bytes.find, in the automaton's order."""
    import threading

    value = ("Zq81xkPL" * 7500) + ("\u0000" if nul else "")
    body = json.dumps({"api_key": value, "note": "x"})
    i = exchange(body, json.dumps({"echo": value}))
    done: list = []
    worker = threading.Thread(target=lambda: done.append(redact_interaction(i)), daemon=True)
    worker.start()
    worker.join(20)
    assert done, "redaction hung on a long named value"
    assert value[:64] not in done[0].response.body and "<REDACTED>" in done[0].response.body
    long_needles = [b"ab" * 700, b"b" * 1500, b"xy"]
    data = b"ab" * 2000 + b"b" * 3000 + b"xy"
    found = redaction._Needles(long_needles).find(data)
    assert found == sorted(found, key=lambda h: (h[1] + len(long_needles[h[0]]),
                                                 -len(long_needles[h[0]])))
    assert {i for i, _ in found} == {0, 1, 2}


def test_env_assignment_lines_named_as_credentials():
    """`.env` and shell assignments (`DB_PASSWORD=...`) in any body: raw (a file part, a text
    body), in a JSON string (`\\n` lines), in JSON inside JSON strings; quoted, `export`ed;
    names about a credential (`TOKENIZERS_PARALLELISM`) and prose (`the api_key=` mid-line)
    stay as they are; an upper-case assignment mid-line (`set API_KEY=...`) is one too."""
    pw = "hunter2" + "Zq9" + "xWv"
    env = (f"DB_HOST=db.internal\nDB_PASSWORD={pw}\nSTRIPE_WEBHOOK_SECRET=\"{pw}1\"\n"
           f"export API_TOKEN='{pw}2'\n  GITHUB_TOKEN = {pw}3  \nTOKENIZERS_PARALLELISM=false\n")
    bodies = [env, json.dumps({"doc": env}), json.dumps({"a": json.dumps({"doc": env})}),
              json.dumps({"b": json.dumps({"a": json.dumps({"doc": env})})})]
    for body in bodies:
        out = redact_interaction(exchange(body)).request.body
        assert pw not in out, out
        assert "db.internal" in out and "TOKENIZERS_PARALLELISM=false" in out, out
        assert out.count(REDACTED) == 4, out
    prose = json.dumps({"content": "Then pass the api_key=... pair, where x = tokens"})
    assert redact_interaction(exchange(prose)).request.body == prose
    told = json.dumps({"content": f"Then set API_KEY={pw} in your shell, where x = tokens"})
    assert redact_interaction(exchange(told)).request.body == told.replace(pw, REDACTED)
    # A streamed body: the scan made while it streamed says the pass would change it.
    sse = b"".join(b'data: {"choices":[{"delta":{"content":' + json.dumps(part).encode()
                   + b'}}]}\n\n' for part in ("Here:\n", f"DB_PASSWORD={pw}\n", "done"))
    empty = exchange(resp_headers={"Content-Type": ["text/event-stream"]})
    scan = StreamScan(DEFAULT_REDACTION)
    for k in range(0, len(sse), 7):
        scan.feed(sse[k:k + 7])
    assert not scan.leaves_body(empty, DEFAULT_REDACTION, len(sse))
    i = exchange(resp_body=sse.decode(), resp_headers={"Content-Type": ["text/event-stream"]})
    assert pw not in redact_interaction(i, DEFAULT_REDACTION, scan).response.body


def test_a_yaml_assignment_with_a_tab_after_its_colon():
    """`API_KEY:<TAB>value` (YAML allows a tab as the separating white space, 6.2) in a body
    with no `=`, `: ` or `machine`: the quick look before the assignment finder passed it by,
    and the value reached the cassette (the finder itself takes the tab)."""
    pw = "value" + "123" + "Zq9xWv"
    for body in (f"API_KEY:\t{pw}\n", json.dumps({"doc": f"API_KEY:\t{pw}\n"})):
        out = redact_interaction(exchange(body)).request.body
        assert pw not in out and REDACTED in out, out
    # Streamed in two pieces cut at every byte: the scan never says the pass leaves it.
    sse = b'data: {"choices":[{"delta":{"content":' + json.dumps(f"API_KEY:\t{pw}\n").encode() \
        + b'}}]}\n\n'
    empty = exchange(resp_headers={"Content-Type": ["text/event-stream"]})
    for cut in range(1, len(sse)):
        scan = StreamScan(DEFAULT_REDACTION)
        scan.feed(sse[:cut])
        scan.feed(sse[cut:])
        assert not scan.leaves_body(empty, DEFAULT_REDACTION, len(sse)), cut
