"""Redaction: secrets never reach disk, and nothing else changes."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from vcrproxy.cassette import CHUNKS_KEY, REDACTED, Interaction, Request, Response
from vcrproxy.redaction import (
    DEFAULT_QUERY_PARAMS,
    DEFAULT_REDACTION,
    DEFAULT_REQUEST_HEADERS,
    SECRET_PATTERNS,
    RedactionConfig,
    adjust_chunks,
    find_secrets,
    is_redacted,
    redact_interaction,
    redact_url,
    scrub_text,
    split_patterns,
)

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"

# Fake secrets, assembled so no scanner mistakes this file for a leak.
OPENAI = "sk-" + "abcDEF123456" * 4
OPENAI_PROJ = "sk-proj-" + "Ab1_Cd2-Ef3" * 10
ANTHROPIC = "sk-ant-api03-" + "xY9_zW8-" * 11
GOOGLE = "AIza" + "Sy1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1u"
AWS_ID = "AKIA" + "IOSFODNN7EXAMPL2"
AWS_STS = "ASIA" + "Y34FZKBOKMUTVV7A"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
GITHUB_PAT = "github_pat_" + "11ABCDEFG0" * 5
XAI = "xai-" + "Q1w2E3r4T5y6U7i8O9p0" * 4
GROQ = "gsk_" + "Z9x8C7v6B5n4M3a2S1d0" * 3
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N"
BEARER_TOKEN = "vck_" + "3fK9aLq0Zr7TbX2m"

ALL_KEYS = {
    "openai": OPENAI,
    "openai-proj": OPENAI_PROJ,
    "anthropic": ANTHROPIC,
    "google": GOOGLE,
    "aws-id": AWS_ID,
    "aws-sts": AWS_STS,
    "github": GITHUB,
    "github-pat": GITHUB_PAT,
    "xai": XAI,
    "groq": GROQ,
    "jwt": JWT,
}

# Things that must survive untouched: provider ids, ordinary words, hashes, base64.
NOT_SECRETS = [
    "chatcmpl-DuLdMEdkw5VsZSxKY3i9G934hT7LM",
    "msg_01R8GdyyLQUhUfyjqSCMbnWg",
    "msg_0f8d9108fdddf23b016a3c120a34d0819fbcfa0f2572ec6066",
    "call_ehIWdjL1abZk1h8FWGLQ0Hie",
    "resp_0f8d9108fdddf23b016a3c1209558c819f839aa6a3efc268a1",
    "toolu_01A09q90qw90lq917835lq9",
    "fp_4fa7959453",
    "file-AbCdEf1234567890GhIjKl",
    "asst_abc123DEF456ghi789JKL012",
    "org-AbCdEfGhIjKlMnOpQrStUvWx",
    "sk-learn",
    "ri" + "sk-" + "assessment-2024-quarterly-report-final",
    "ta" + "sk-" + "0123456789" + "abcdefghijklmnop",
    "sk-" + "some-long-kebab-case-identifier-name",
    "The bearer of this letter is welcome",
    "Bearer tokens are described in RFC 6750",
    "AKIAshort",
    "ASIAPACIFICREGIONAL",
    "ghp_short",
    "eyJ0eXBlIjoibWVzc2FnZV9zdGFydCJ9",  # base64 JSON, no dots: not a JWT
    "VwCzabneCuzPz7IP0aL64A0",
    "d41d8cd98f00b204e9800998ecf8427e",
    "a" * 80,
]


def interaction(
    request: Request | None = None, response: Response | None = None, id: int = 0
) -> Interaction:
    return Interaction(id=id, request=request or Request(), response=response or Response())


def post(body: str | bytes = "", **kw) -> Request:
    kw.setdefault("url", "https://api.openai.com/v1/chat/completions")
    kw.setdefault("method", "POST")
    return Request(body=body, content_length=len(body), **kw)


def assert_no_secret(text: str, *secrets: str) -> None:
    for s in secrets:
        assert s not in text
        assert s[6:] not in text  # not even past the allowed 6-char prefix


# -- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DEFAULT_REQUEST_HEADERS))
def test_default_request_headers_are_masked(name):
    header = "-".join(w.capitalize() for w in name.split("-"))
    req = post(headers={header: ["some-opaque-value 123"], "Accept": ["application/json"]})
    out = redact_interaction(interaction(req)).request
    assert out.headers["Accept"] == ["application/json"]
    expected = "some-opaque-value <REDACTED>" if name.endswith("authorization") else REDACTED
    assert out.headers[header] == [expected]


def test_authorization_keeps_its_scheme():
    req = post(
        headers={
            "Authorization": [f"Bearer {OPENAI}"],
            "proxy-authorization": ["Basic dXNlcjpwYXNz"],
            "X-Api-Key": [ANTHROPIC],
        }
    )
    out = redact_interaction(interaction(req)).request.headers
    assert out == {
        "Authorization": ["Bearer <REDACTED>"],
        "proxy-authorization": ["Basic <REDACTED>"],
        "X-Api-Key": [REDACTED],
    }


def test_aws_sigv4_authorization_keeps_algorithm_only():
    value = (
        f"AWS4-HMAC-SHA256 Credential={AWS_ID}/20250101/us-east-1/bedrock/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abcdef0123456789"
    )
    out = redact_interaction(interaction(post(headers={"Authorization": [value]})))
    assert out.request.headers["Authorization"] == ["AWS4-HMAC-SHA256 <REDACTED>"]


def test_header_names_are_case_insensitive_and_all_values_masked():
    req = post(headers={"x-goog-api-key": [GOOGLE, "second"], "COOKIE": ["a=1; b=2"]})
    out = redact_interaction(interaction(req)).request.headers
    assert out == {"x-goog-api-key": [REDACTED, REDACTED], "COOKIE": [REDACTED]}


def test_response_headers():
    resp = Response(
        headers={
            "Set-Cookie": ["__cf_bm=abc; path=/; HttpOnly", "_cfuvid=xyz"],
            "openai-organization": ["user-abc123"],
            "Content-Type": ["application/json"],
        }
    )
    out = redact_interaction(interaction(response=resp)).response.headers
    assert out == {
        "Set-Cookie": [REDACTED, REDACTED],
        "openai-organization": [REDACTED],
        "Content-Type": ["application/json"],
    }


def test_key_shaped_strings_in_unlisted_headers_and_trailers():
    req = post(headers={"X-Debug": [f"key={OPENAI}"]}, trailer={"X-Trace": [f"Bearer {JWT}"]})
    resp = Response(headers={"X-Echo": [f"token {GITHUB} end"]})
    out = redact_interaction(interaction(req, resp))
    assert out.request.headers["X-Debug"] == ["key=<REDACTED>"]
    assert out.request.trailer == {"X-Trace": ["Bearer <REDACTED>"]}
    assert out.response.headers["X-Echo"] == ["token <REDACTED> end"]


def test_empty_header_values_stay_empty():
    out = redact_interaction(interaction(post(headers={"Authorization": [""]})))
    assert out.request.headers["Authorization"] == [""]


# -- query parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DEFAULT_QUERY_PARAMS))
def test_default_query_params_in_url_request_uri_and_form(name):
    upper = name.upper()
    query = f"alt=sse&{upper}=s3cr3t%2Fvalue&q=a+b%20c"
    req = post(
        url=f"https://example.com/v1/x?{query}#frag",
        request_uri=f"/v1/x?{query}",
        form={"alt": ["sse"], upper: ["s3cr3t/value"], "q": ["a b c"]},
    )
    out = redact_interaction(interaction(req)).request
    assert out.url == f"https://example.com/v1/x?alt=sse&{upper}=<REDACTED>&q=a+b%20c#frag"
    assert out.request_uri == f"/v1/x?alt=sse&{upper}=<REDACTED>&q=a+b%20c"
    assert out.form == {"alt": ["sse"], upper: [REDACTED], "q": ["a b c"]}


def test_gemini_key_in_query():
    url = f"https://generativelanguage.googleapis.com/v1beta/models/m:streamGenerateContent?alt=sse&key={GOOGLE}"
    out = redact_interaction(interaction(post(url=url, form={"key": [GOOGLE]}))).request
    assert out.url.endswith("?alt=sse&key=<REDACTED>")
    assert out.form == {"key": [REDACTED]}


def test_key_shaped_string_in_url_path_and_unlisted_param():
    url = f"https://example.com/keys/{OPENAI}/x?other={GITHUB}&keep=1"
    assert redact_url(url) == "https://example.com/keys/<REDACTED>/x?other=<REDACTED>&keep=1"


def test_urlencoded_request_body():
    body = f"grant_type=x&access_token={JWT}&keep=1"
    req = post(body, headers={"Content-Type": ["application/x-www-form-urlencoded"]})
    out = redact_interaction(interaction(req)).request
    assert out.body == "grant_type=x&access_token=<REDACTED>&keep=1"


# -- patterns ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ALL_KEYS.values(), ids=ALL_KEYS.keys())
def test_every_pattern_in_every_place(key):
    body_json = json.dumps({"messages": [{"role": "user", "content": f"my key is {key}, ok?"}]})
    sse = f'data: {{"delta":{{"text":"{key}"}}}}\n\ndata: [DONE]\n\n'
    req = post(
        body_json,
        url=f"https://example.com/v1/x?note={key}",
        headers={"X-Note": [key]},
    )
    resp = Response(body=sse, headers={"X-Echo": [key]})
    out = redact_interaction(interaction(req, resp))
    assert json.loads(out.request.body)["messages"][0]["content"] == "my key is <REDACTED>, ok?"
    assert out.request.url == "https://example.com/v1/x?note=<REDACTED>"
    assert out.request.headers["X-Note"] == [REDACTED]
    assert out.response.headers["X-Echo"] == [REDACTED]
    assert out.response.body == 'data: {"delta":{"text":"<REDACTED>"}}\n\ndata: [DONE]\n\n'


@pytest.mark.parametrize("key", ALL_KEYS.values(), ids=ALL_KEYS.keys())
def test_every_pattern_in_binary_body(key):
    body = b"\x00\x00\x01\x15\xe7\x70:event\x07" + key.encode() + b"\x8c\xff\xfe"
    out = redact_interaction(interaction(response=Response(body=body))).response
    assert out.body == b"\x00\x00\x01\x15\xe7\x70:event\x07<REDACTED>\x8c\xff\xfe"


def test_bearer_in_body_keeps_scheme():
    body = f'{{"headers":{{"authorization":"Bearer {BEARER_TOKEN}"}}}}'
    out = redact_interaction(interaction(post(body))).request
    assert out.body == '{"headers":{"authorization":"Bearer <REDACTED>"}}'


def test_bearer_with_provider_key_is_one_marker():
    text = f"Authorization: Bearer {OPENAI_PROJ}"
    assert scrub_text(text) == "Authorization: Bearer <REDACTED>"


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_no_false_positives(text):
    assert scrub_text(text) == text
    sample = f'{{"id":"{text}","text":"{text}"}}'
    i = interaction(post(sample), Response(body=sample))
    assert redact_interaction(i) == i
    assert find_secrets(i) == []


def real_interactions():
    for path in sorted(CASSETTES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        for raw in data["interactions"]:
            rq, rs = raw["request"], raw["response"]
            yield pytest.param(
                Interaction(
                    id=raw["id"],
                    request=Request(
                        content_length=rq["content_length"],
                        body=rq["body"],
                        form=rq.get("form"),
                        headers=rq["headers"],
                        url=rq["url"],
                        method=rq["method"],
                    ),
                    response=Response(body=rs["body"], headers=rs["headers"], code=rs["code"]),
                ),
                id=f"{path.stem}-{raw['id']}",
            )


@pytest.mark.parametrize("recorded", list(real_interactions()))
def test_real_cassettes_hold_no_false_positives(recorded):
    assert redact_interaction(recorded) == recorded
    assert find_secrets(recorded) == []


# -- shape: lengths and chunk timings ------------------------------------------------------------


def test_chunk_sizes_follow_the_replacement():
    before, after = 'data: {"k":"', '"}\n\n'
    body = before + OPENAI + after  # OPENAI is 51 chars, the marker 10
    start, end = len(before), len(before) + len(OPENAI)
    # Boundaries: before the key, inside it, at its end, after it.
    cuts = [start - 2, start, start + 5, start + 20, end, end + 2, len(body)]
    sizes = [b - a for a, b in zip([0, *cuts], cuts, strict=False)]
    chunks = [[10.0 * i, size] for i, size in enumerate(sizes)]
    resp = Response(body=body, extra={CHUNKS_KEY: chunks, "other": 1})
    out = redact_interaction(interaction(response=resp)).response
    assert out.body == before + REDACTED + after
    new_end = start + len(REDACTED)
    mapped = [start - 2, start, new_end, new_end, new_end, new_end + 2, len(out.body)]
    assert out.extra[CHUNKS_KEY] == [
        [10.0 * i, b - a] for i, (a, b) in enumerate(zip([0, *mapped], mapped, strict=False))
    ]
    assert sum(size for _, size in out.extra[CHUNKS_KEY]) == len(out.body_bytes)
    assert out.extra["other"] == 1
    assert resp.extra[CHUNKS_KEY] == chunks  # the input is untouched


def test_chunk_sizes_count_bytes_not_characters():
    body = "Olá é " + ANTHROPIC + " çà"
    size = len(body.encode())
    resp = Response(body=body, extra={CHUNKS_KEY: [[1, 3], [2, size - 3]]})
    out = redact_interaction(interaction(response=resp)).response
    assert out.body == "Olá é <REDACTED> çà"
    assert out.extra[CHUNKS_KEY] == [[1, 3], [2, len(out.body.encode()) - 3]]


def test_chunk_sizes_in_binary_body_with_two_secrets():
    body = b"\x00\x01" + AWS_ID.encode() + b"\xff|\xfe" + GITHUB.encode() + b"\x02"
    chunks = [[0.5, 2], [1.5, len(body) - 2]]
    out = redact_interaction(interaction(response=Response(body=body, extra={CHUNKS_KEY: chunks})))
    assert out.response.body == b"\x00\x01<REDACTED>\xff|\xfe<REDACTED>\x02"
    assert out.response.extra[CHUNKS_KEY] == [[0.5, 2], [1.5, len(out.response.body) - 2]]


def test_adjust_chunks_boundary_inside_span_moves_to_its_end():
    # Old body: 10 bytes, span [2, 8) replaced by 3 bytes -> new body 7 bytes.
    spans = [(2, 8, 3)]
    # Boundaries 2 | 5 (inside: -> 2 + 3) | 10 (-> 7)
    assert adjust_chunks([[0, 2], [1, 3], [2, 5]], spans) == [[0, 2], [1, 3], [2, 2]]
    # Boundaries 4 (inside -> 5) | 6 (inside -> 5: an empty chunk keeps its time) | 10 (-> 7)
    assert adjust_chunks([[0, 4], [1, 2], [2, 4]], spans) == [[0, 5], [1, 0], [2, 2]]
    # Boundary 9 (after: -> 6) | 10 (-> 7)
    assert adjust_chunks([[0, 9], [1, 1]], spans) == [[0, 6], [1, 1]]


def test_request_content_length_follows_only_a_matching_body_length():
    body = json.dumps({"key_in_text": OPENAI})
    req = post(body, headers={"Content-Length": [str(len(body))]})
    out = redact_interaction(interaction(req)).request
    assert out.content_length == len(out.body) == len(body) - len(OPENAI) + len(REDACTED)
    assert out.headers["Content-Length"] == [str(out.content_length)]
    # A content length describing something else (e.g. a gzipped upload) stays as recorded.
    req = post(body)
    req.content_length = 123
    assert redact_interaction(interaction(req)).request.content_length == 123


def test_response_content_length():
    resp = Response(body=OPENAI, content_length=len(OPENAI))
    assert redact_interaction(interaction(response=resp)).response.content_length == len(REDACTED)
    resp = Response(body=OPENAI, content_length=-1)
    assert redact_interaction(interaction(response=resp)).response.content_length == -1


def test_never_mutates_and_is_idempotent():
    req = post(
        json.dumps({"k": OPENAI}),
        headers={"Authorization": [f"Bearer {OPENAI}"]},
        url=f"https://x.test/?key={GOOGLE}",
        form={"key": [GOOGLE]},
    )
    resp = Response(body=f"data: {ANTHROPIC}\n\n", extra={CHUNKS_KEY: [[1, 5], [2, 55]]})
    original = interaction(req, resp)
    snapshot = copy.deepcopy(original)
    once = redact_interaction(original)
    assert original == snapshot
    assert once.request is not original.request
    assert redact_interaction(once) == once
    assert find_secrets(once) == []


def test_str_body_stays_str_and_bytes_stay_bytes():
    out = redact_interaction(interaction(post(OPENAI), Response(body=OPENAI.encode())))
    assert out.request.body == REDACTED
    assert out.response.body == REDACTED.encode()


# -- auditing ------------------------------------------------------------------------------------


def test_find_secrets_messages():
    req = post(
        json.dumps({"note": ANTHROPIC}),
        headers={"Authorization": [f"Bearer {OPENAI}"], "X-Other": [GITHUB]},
        url=f"https://x.test/v1?key={GOOGLE}",
        form={"key": [GOOGLE]},
    )
    resp = Response(body=f"data: {OPENAI_PROJ}\n\n", headers={"Set-Cookie": ["s=1"]})
    found = find_secrets(interaction(req, resp, id=3))
    assert found == [
        "interaction 3: request header Authorization holds an unredacted secret",
        "interaction 3: request header X-Other holds a GitHub token (ghp_.../github_pat_...) "
        'starting "ghp_"',
        "interaction 3: request URL query parameter key holds an unredacted secret",
        "interaction 3: request form field key holds an unredacted secret",
        'interaction 3: request body holds an Anthropic key (sk-ant-...) starting "sk-"',
        "interaction 3: response header Set-Cookie holds an unredacted secret",
        'interaction 3: response body holds an OpenAI key (sk-...) starting "sk-"',
    ]
    text = "\n".join(found)
    assert_no_secret(text, OPENAI, ANTHROPIC, GOOGLE, GITHUB, OPENAI_PROJ)


def test_find_secrets_binary_body():
    resp = Response(body=b"\xff\x00" + AWS_ID.encode())
    assert find_secrets(interaction(response=resp)) == [
        "interaction 0: response body holds an AWS access key id (AKIA.../ASIA...) "
        'starting "AKIA"'
    ]


def test_is_redacted():
    assert is_redacted(REDACTED)
    assert is_redacted("Bearer <REDACTED>")
    assert is_redacted("AWS4-HMAC-SHA256 <REDACTED>")
    assert not is_redacted("Bearer sk-123")
    assert not is_redacted("x <REDACTED> y")
    assert not is_redacted("")


# -- configuration -------------------------------------------------------------------------------


def test_default_config_is_the_default():
    assert RedactionConfig() == DEFAULT_REDACTION == RedactionConfig.default()
    assert set(SECRET_PATTERNS.values()) == set(DEFAULT_REDACTION.patterns)


def test_with_changes():
    config = DEFAULT_REDACTION.with_changes(
        add_headers=["X-My-Key"],
        remove_headers="Cookie,OpenAI-Organization",
        add_response_headers=["X-Session"],
        add_query=["Client_Secret"],
        remove_query=["sig"],
        add_patterns=[r"\bmykey_[a-z0-9]{8,}"],
        remove_patterns=["bearer"],
    )
    assert "x-my-key" in config.request_headers
    assert "cookie" not in config.request_headers
    assert "openai-organization" not in config.request_headers
    assert "x-session" in config.response_headers
    assert "client_secret" in config.query_params and "sig" not in config.query_params
    assert SECRET_PATTERNS["bearer"] not in config.patterns
    assert DEFAULT_REDACTION.request_headers >= {"cookie"}  # the default is untouched
    req = post(
        "token mykey_abcdef123 and Bearer abcdefghij0123456789",
        url="https://x.test/?client_secret=abc&sig=keep",
        headers={"Cookie": ["a=b"], "X-My-Key": ["v"]},
    )
    resp = Response(headers={"X-Session": ["s"]})
    out = redact_interaction(interaction(req, resp), config)
    assert out.request.body == "token <REDACTED> and Bearer abcdefghij0123456789"
    assert out.request.url == "https://x.test/?client_secret=<REDACTED>&sig=keep"
    assert out.request.headers == {"Cookie": ["a=b"], "X-My-Key": [REDACTED]}
    assert out.response.headers == {"X-Session": [REDACTED]}


def test_from_strings():
    config = RedactionConfig.from_strings(
        headers="X-Custom-Auth, -Cookie",
        query="-token,session",
        patterns=r"\bacme_[A-Za-z0-9]{20,},-jwt",
    )
    assert "x-custom-auth" in config.request_headers and "x-custom-auth" in config.response_headers
    assert "cookie" not in config.request_headers
    assert "token" not in config.query_params and "session" in config.query_params
    assert SECRET_PATTERNS["jwt"] not in config.patterns
    assert re.compile(r"\bacme_[A-Za-z0-9]{20,}") in config.patterns
    assert scrub_text("x acme_" + "a1" * 12) == "x acme_" + "a1" * 12  # default unchanged
    assert scrub_text("x acme_" + "a1" * 12, config) == "x <REDACTED>"
    assert RedactionConfig.from_strings() == DEFAULT_REDACTION


def test_custom_pattern_label_and_bad_pattern():
    config = DEFAULT_REDACTION.with_changes(add_patterns=r"\bzz_[0-9]{6,}")
    found = find_secrets(interaction(post("zz_1234567")), config)
    assert found == [
        "interaction 0: request body holds a secret matching a custom pattern"
    ]
    with pytest.raises(ValueError, match="bad secret pattern"):
        DEFAULT_REDACTION.with_changes(add_patterns=["(unclosed"])


def test_split_patterns_keeps_commas_inside_brackets():
    parts = split_patterns(r"a{2,5}, [x,y]z ,(p|q),\,lit")
    assert parts == [r"a{2,5}", "[x,y]z", "(p|q)", r"\,lit"]


def test_jwt_after_a_failed_start_in_the_same_token_is_still_found():
    # A start that fails only skips later starts inside its own run (up to the `.`).
    jwt = ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
           "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")
    for text in (f"eyJ-.{jwt}", f"eyJ-eyJ-{jwt}", f"eyJshort.eyJ {jwt}"):
        body = json.dumps({"note": text})
        out = redact_interaction(interaction(response=Response(body=body))).response.body
        assert jwt not in out and "<REDACTED>" in out, out
