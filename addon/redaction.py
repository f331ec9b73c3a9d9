"""Redaction: secrets never reach disk, a log line, a miss text or the web UI.

One set of rules, applied to a copy of an interaction before it is written (`redact_interaction`),
to any text that leaves the proxy (`redact_text`, `redact_url`), and audited by `vcrproxy check`
(`find_secrets` reports exactly what `redact_interaction` would change, because it *is* that
function run with a report):

- **By name**, case-insensitively: a header, query parameter, form field, multipart part or JSON
  field (at any depth: a string, or each string of an array), XML element (its text) or query
  parameter of a URL inside a body or a `Location`/`Referer` header, whose name says it holds a
  credential loses its value.
  The rule (`is_credential_name`) covers the kinds, not a list: `*api-key*`, `*apikey*`,
  `*auth*` (not `author*`), `*token` (not counters such as `max_tokens`, `usage.*_tokens`,
  `token_count`, `nextPageToken`), `*secret*`, `password`/`passwd`/`pwd`/`pass`, `cookie`,
  `session*id`, `signature`/`sig`, `hmac`/`hdnts`, `credential`, `private_key`, `app_key`...
  (not OAuth discovery metadata: `*_supported`, `authorization_servers`). Config adds or keeps
  names.
- **By shape**: strings shaped like the keys of the providers we know (`SHAPES`: OpenAI,
  Anthropic, Google API/OAuth keys, AWS ids, STS tokens and SigV4 signatures, Together,
  Fireworks, Perplexity, Replicate, LangSmith, Tavily, ..., JWTs, `Bearer <token>`), anywhere:
  header values, URLs, form values, bodies (text, JSON, SSE, and ASCII runs of binary bodies);
  base64 keys also through JSON escapes (`\\/`, `\\u002B`) and percent-encoding.
- **Echoes**: the values found by name (6+ characters) are also replaced wherever else they
  appear in the same interaction (a server echoing a key, a Cookie, a password), raw,
  JSON-escaped or percent-encoded.
- **Across streamed deltas**: shapes and echoes in each stream's delta pieces joined (a key a
  model streams back a few characters per SSE or Realtime event), `_joined_spans`.

Every secret becomes the fixed marker `<REDACTED>` (after an auth scheme: `Bearer <REDACTED>`), so
the cassette keeps its shape and the matcher treats the marker as a wildcard. Redaction is
idempotent: the marker matches no rule.

Speed: bodies are scanned once for all literal needles of all shapes and JSON field names with
Hyperscan's literal matcher (`hyperscan`, where it has wheels) or an Aho-Corasick automaton
(`ahocorasick_rs`, a Rust extension, a dependency); each needle hit is then checked by its
shape's regex at that position. A 50 MB body costs 0.02-0.07 s with Hyperscan (one or two
plain `re` scans), 0.12-0.18 s with Aho-Corasick (tests/bench/bench_redaction.py). Without
either (`mitmdump -s` from a checkout) the same spans are found by one `re` scan per needle,
about 30x slower (warned once).
"""

from __future__ import annotations

import base64
import copy
import difflib
import functools
import html
import json
import logging
import re
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus

from . import decoders, hsmatch
from .cassette import (
    CHUNKS_KEY,
    REDACTED,
    WEBSOCKET_KEY,
    Headers,
    Interaction,
    Request,
    Response,
    first_header,
)
from .terminal import TOKEN_BYTES
from .yamlv3 import quoted

if TYPE_CHECKING:
    from . import aiformats


def _formats() -> Any:
    """aiformats, imported when a response is first looked at for delta streams (a replay
    session imports none of the readers: tests/test_layers.py)."""
    from . import aiformats

    return aiformats


try:  # pragma: no cover - both branches are exercised by tests/test_redaction.py
    import ahocorasick_rs as _ac
except ImportError:  # e.g. `mitmdump -s addon/vcr.py` from a checkout without our dependencies
    _ac = None


log = logging.getLogger("vcrproxy")

REDACTED_BYTES = REDACTED.encode()

# Names redacted besides the rule (the rule already covers most of the old lists: kept so that
# `-NAME` can keep one, and for names the rule does not see as credentials).
DEFAULT_REQUEST_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",  # Anthropic (incl. sk-ant-admin keys), many gateways
        "api-key",  # Azure OpenAI (32 hex characters: no shape to find)
        "x-goog-api-key",
        "ocp-apim-subscription-key",  # Azure AI services
        "cookie",
        "openai-organization",  # not credentials, but they identify the account
        "openai-project",
        "x-amz-security-token",
    }
)
# OpenAI echoes the organization and project in its responses: redact them there too.
DEFAULT_RESPONSE_HEADERS = frozenset({"set-cookie", "openai-organization", "openai-project"})
DEFAULT_QUERY_PARAMS = frozenset(
    {
        "key",  # Gemini ?key=
        "api_key",
        "api-key",
        "apikey",
        "access_token",
        "token",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "sig",  # Azure SAS
        "signature",
    }
)

# -- names ---------------------------------------------------------------------------------------

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# Joined words that name a key: apiKey, x-api-key, AccessKey, client_secret_key...
_KEY_COMPOUNDS = (
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "subscriptionkey",
    "functionskey",
    "masterkey",
    "appkey",  # Laravel's APP_KEY (every Laravel .env)
    "encryptionkey",
    "authkey",
    "sessionkey",
    "signingkey",
    "accountkey",
    "licensekey",
)
# `*token` is a credential, except for these neighbours: counters and ids (token_count,
# tokenCount, token_ids, token_type), pagination cursors (nextPageToken), special-token names of
# tokenizers (eos_token), and budgets.
_NOT_AFTER_TOKEN = frozenset(
    {"count", "counts", "type", "types", "limit", "limits", "usage", "id", "ids", "index",
     "logprob", "logprobs", "budget", "length", "len", "num", "number", "estimate", "price",
     "uri", "url", "endpoint", "expires", "expiry", "expiration", "ttl", "lifetime"}
)
# Settings about auth or a secret, not the credential itself: auth_type, auth_uri (service account
# files), authMethod, credentialType (Vercel AI Gateway's routing metadata), secret_name /
# secret_arn (a secret manager's reference).
_NOT_AFTER_AUTH = frozenset(
    {"type", "types", "method", "methods", "mode", "scheme", "uri", "url", "endpoint", "host",
     "provider", "providers", "required", "enabled", "status", "version", "name", "domain",
     # RFC 9728's `authorization_servers` (their URLs), RFC 9396's `authorization_details`
     "server", "servers", "details"}
)
_NOT_AFTER_KEY = frozenset({"id", "ids", "name", "names", "type", "types", "arn", "ref", "version",
                            "path", "file"})
# Settings about a signed URL's MAC or token, not it: which algorithm, which header carries it,
# how long it lives (`hmac_header`, `hdnts_ttl`); `hmac_key_id` and `hmac_secret_name` by
# _NOT_AFTER_KEY and _NOT_AFTER_SECRET.
_NOT_AFTER_HMAC = frozenset(
    {"algorithm", "alg", "algorithms", "header", "headers", "param", "parameter", "field",
     "ttl", "window", "lifetime", "expiry", "expires", "expiration", "duration"})
_NOT_AFTER_SECRET = frozenset({"name", "arn", "ref", "version", "type", "id", "ids"})
# English words holding `secret` that name no secret (a board's `secretary` in a model's
# structured output: redacted, replay answered `<REDACTED>` where the client got a name).
_SECRET_WORDS = re.compile(
    r"(?:under)?secretar(?:y|ies|iat|iats)|secret(?:e|ed|es|ing|ion|ions|ive|ively|ly)")
_NOT_BEFORE_TOKEN = frozenset(
    {"page", "next", "prev", "previous", "continuation", "start", "end", "stop", "eos", "bos",
     "pad", "unk", "sep", "cls", "mask", "special", "max", "min", "num", "total", "sync"}
)
_SESSION_ID = re.compile(r"sess(?:ion)?[a-z0-9]*id$")
_NOT_CREDENTIAL_HEADERS = frozenset({"www-authenticate", "proxy-authenticate", ":authority"})


def _names_a_key(words: tuple[str, ...], joined: str) -> bool:
    """Whether a key compound in `joined` (the words run together) is not followed by a word
    that makes the name about the key (`private_key_id`, `api_key_name`)."""
    ends: dict[int, int] = {}  # where each word ends in `joined` -> its index
    at = 0
    for i, w in enumerate(words):
        at += len(w)
        ends[at] = i
    for k in _KEY_COMPOUNDS:
        start = joined.find(k)
        while start >= 0:
            i = ends.get(start + len(k))
            if i is None or i + 1 == len(words) or words[i + 1] not in _NOT_AFTER_KEY:
                return True
            start = joined.find(k, start + 1)
    return False


def name_words(name: str) -> tuple[str, ...]:
    """`X-Portkey-Api-Key` -> (x, portkey, api, key); `accessToken` -> (access, token)."""
    return tuple(w.lower() for w in _WORDS.findall(name))


@lru_cache(maxsize=8192)
def is_credential_name(name: str) -> bool:
    """Whether a header, parameter or field called `name` holds a credential (the built-in rule,
    case-insensitive; see the module doc). `max_tokens`, `prompt_tokens`, `token_count`,
    `tokenizer`, `author`, `idempotency-key`, `prompt_cache_key` are not credentials."""
    lower = name.lower()
    if not any(stem in lower for stem in CREDENTIAL_STEMS):
        return False  # (the needles that find JSON field names are these stems)
    words = name_words(name)
    if not words or words[-1] in ("supported", "endpoint"):
        # (OAuth / OIDC discovery metadata lists what a server supports and where its
        # endpoints are, RFC 8414 section 2, RFC 9728 section 2, RFC 9126 section 5:
        # `token_endpoint_auth_signing_alg_values_supported`, `bearer_methods_supported`,
        # `pushed_authorization_request_endpoint`: public settings every MCP client fetches.)
        return False
    joined = "".join(words)
    if joined.endswith(("devicecode", "codeverifier")):
        return True
    if any(k in joined for k in _KEY_COMPOUNDS) and _names_a_key(words, joined):
        return True
    for i, w in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else ""
        if "secret" in w and after not in _NOT_AFTER_SECRET \
                and _SECRET_WORDS.fullmatch(w) is None:
            return True
        if "passw" in w or w in ("pwd", "passphrase", "pass") or "cookie" in w:
            return True
        if "credential" in w and after not in _NOT_AFTER_AUTH:
            return True
        if "signature" in w or w in ("sig", "bearer"):
            return True
        # A signed URL's MAC (`hmac=`) or Akamai EdgeAuth token (`hdnts=exp=...~hmac=...`).
        if w in ("hmac", "hdnts") and after not in _NOT_AFTER_AUTH \
                and after not in _NOT_AFTER_HMAC and not (
                    after in ("key", "secret") and i + 2 < len(words)
                    and words[i + 2] in _NOT_AFTER_KEY | _NOT_AFTER_SECRET):
            return True
        if (
            (w.startswith("auth") or w == "oauth")
            and (not w.startswith("author") or w.startswith("authoriz"))
            and after not in _NOT_AFTER_AUTH
        ):
            return True
        if w.endswith("token"):
            before = words[i - 1] if i else ""
            if after not in _NOT_AFTER_TOKEN and before not in _NOT_BEFORE_TOKEN:
                return True
    return _SESSION_ID.search(joined) is not None


# -- shapes --------------------------------------------------------------------------------------

_TOKEN = r"[A-Za-z0-9_-]"
# After a JSON string's escape a key starts anew, though a letter or digit is before it: a key
# at a line's start (`...:\\nsk-proj-...`), after a tab, after `\\u00e9`; after a bytes
# literal's `\\xNN` (Python, C, JS) as well.
_AFTER_ESCAPE = r"(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{4})|(?<=\\x[0-9A-Fa-f]{2})"
# Base64 and key characters: a shape that starts with a digit must not start inside such a run.
_NOT_IN_RUN = rf"(?:(?<![A-Za-z0-9+/_-])|{_AFTER_ESCAPE})"


@dataclass(frozen=True)
class Shape:
    """A kind of key found by its form. `needles` are literals every match contains, with their
    offset from the match start: the scanner looks for them and tries `pattern` there. A pattern
    with a `secret` group replaces only that group (`Bearer ` stays). `reach`: every byte a
    match of it holds, and every byte its `\\b` and lookarounds test (None: any byte), so a
    byte outside it ends what a match attempt can look at: StreamScan decides a needle hit from
    the bytes up to there (in prose, the next space), and a test checks it of each pattern in
    the regex parser's own tree."""

    name: str
    label: str
    pattern: re.Pattern[str]
    needles: tuple[tuple[str, int], ...]
    reach: bytes | None = None
    caseless: bool = False  # (its needles ignore ASCII case, as the pattern's `(?i:...)` does)
    # A literal every match holds within this many bytes of its start: a needle hit with none
    # there is not tried (a private key's END line: 200,000 BEGIN lines and no END took 35 s,
    # the pattern's lazy 16 KB scan per hit).
    follows: tuple[bytes, int] | None = None
    # A pattern whose match begins with a run it can only end at one place (a JWT's first
    # segment, up to its `.`): an attempt that fails at a start fails at every later start
    # inside that run, which is then not tried (a 400 KB run of `eyJ-` took 85 s, each `eyJ`
    # scanning to the run's end). The run as a possessive regex matching at the needle.
    run: str | None = None


# What the keys' patterns hold: letters, digits, and the punctuation of base64, base64url and
# percent-encoding, `.` and `~`. The bearer shape adds the spaces after `Bearer`.
KEY_REACH = bytes(sorted(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%+-./=_~"))
_SPACES = b"\t\n\x0b\x0c\r "


# Where a key's fixed prefix may start: not inside a word, but after `_` (a name and its key
# joined: `OPENAI_API_KEY_sk-proj-...`, `token_ghp_...`), which `\b` does not allow, or after
# a JSON escape or a percent-escape (`?q=my%20sk-...` in a URL a body holds).
_AFTER_PERCENT = r"(?<=%[0-9A-Fa-f]{2})"  # (not in _NOT_IN_RUN: `%2F` is base64's `/`)
_KEY_START = rf"(?:(?<![A-Za-z0-9])|{_AFTER_ESCAPE}|{_AFTER_PERCENT})"
# Where a fixed-length key ends: not inside a word, but before `_` (`AKIA..._backup`), which
# `\b` takes for the key's word going on.
_KEY_END = r"(?![A-Za-z0-9])"


def _shape(name: str, label: str, pattern: str, *needles: str | tuple[str, int],
           reach: bytes | None = KEY_REACH, caseless: bool = False,
           follows: tuple[bytes, int] | None = None, run: str | None = None,
           glued: bool = True) -> Shape:
    """A Shape; a leading `\b` of `pattern` becomes `_KEY_START` (unless `glued` is False:
    then `\b` or after an escape)."""
    if pattern.startswith(r"\b"):
        pattern = (_KEY_START if glued
                   else rf"(?:\b|{_AFTER_ESCAPE}|{_AFTER_PERCENT})") + pattern[2:]
    if reach is not None and ("(?<=\\\\" in pattern) and 92 not in reach:
        reach += b"\\"  # (the escape's backslash, which the lookbehind tests)
    return Shape(
        name,
        label,
        re.compile(pattern),
        tuple(n if isinstance(n, tuple) else (n, 0) for n in needles),
        reach,
        caseless,
        follows,
        run,
    )


# A base64 character as a key holds it in JSON (`\\/` from PHP's json_encode, `\\u002B` from
# .NET's System.Text.Json) or percent-encoded (a presigned URL's X-Amz-Security-Token): what the
# escape stands for is part of the key.
_B64 = r"(?:[A-Za-z0-9+/=]|\\/|\\u00(?:2[BbFf]|3[Dd])|%2[BFbf]|%3[Dd])"
_ESC_REACH = KEY_REACH + b"\\"
# A URL's userinfo characters (RFC 3986: unreserved, percent-encoded, sub-delims; `:` only
# between the user and the password).
_USERINFO = r"[A-Za-z0-9._~%!$&'()*+,;=-]"
_USERINFO_REACH = bytes(sorted(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                               b"._~%!$&'()*+,;=-"))

# Minimum lengths and required digits keep words and provider ids (`chatcmpl-...`, `msg_...`,
# `call_...`, `resp_...`, `toolu_...`, model names) out. Earlier shapes win when two overlap.
# Prefixes are those the providers document for their keys. Patterns must be ASCII (binary bodies
# use a bytes version).
SHAPES: tuple[Shape, ...] = (
    _shape("anthropic", "an Anthropic key (sk-ant-...)", rf"\bsk-ant-{_TOKEN}{{20,}}", "sk-"),
    # sk-, sk-proj-, sk-svcacct-, sk-admin-, and other OpenAI-style keys (OpenRouter sk-or-v1-,
    # DeepSeek, Langfuse sk-lf-, LiteLLM). At least one digit: long kebab-case words stay. (The
    # digit is looked for in the first 256 characters: unbounded, each `sk-` of a long run of
    # them scanned the rest of the run, 150 KB of `sk-` in 26 s; a random key's first digit
    # lies that far in with odds of 1e-19.)
    _shape("openai", "an OpenAI key (sk-...)",
           rf"\bsk-(?!ant-)(?=[A-Za-z_-]{{0,256}}[0-9]){_TOKEN}{{20,}}", "sk-"),
    _shape("google", "a Google API key (AIza...)", rf"\bAIza{_TOKEN}{{30,}}", "AIza"),
    _shape("google-oauth", "a Google OAuth token (ya29....)", rf"\bya29\.{_TOKEN}{{20,}}",
           "ya29."),
    # (`/` may be written `\/` in JSON, as PHP's json_encode does, or percent-encoded)
    _shape("google-refresh", "a Google refresh token (1//0...)",
           rf"{_NOT_IN_RUN}1(?://|\\/\\/|%2[Ff]%2[Ff])0{_TOKEN}{{30,}}", "1//0", "1\\/\\/0",
           "1%2F%2F0", "1%2f%2f0", reach=_ESC_REACH),
    _shape("google-code", "a Google authorization code (4/0A...)",
           rf"{_NOT_IN_RUN}4(?:/|\\/|%2[Ff])0A{_TOKEN}{{30,}}", "4/0A", "4\\/0A", "4%2F0A",
           "4%2f0A", reach=_ESC_REACH),
    _shape("google-client-secret", "a Google OAuth client secret (GOCSPX-...)",
           rf"\bGOCSPX-{_TOKEN}{{20,}}", "GOCSPX-"),
    _shape("aws-access-key", "an AWS access key id (AKIA.../ASIA...)",
           rf"\b(?:AKIA|ASIA)[0-9A-Z]{{16}}{_KEY_END}", "AKIA", "ASIA"),
    # (percent-encoded too, as a presigned URL's X-Amz-Security-Token holds it)
    _shape("aws-session-token", "an AWS session token (IQoJb3JpZ2luX2...)",
           rf"\b(?:IQoJb3JpZ2luX2|FwoGZXIvYXdz){_B64}{{40,}}",
           "IQoJb3JpZ2luX2", "FwoGZXIvYXdz", reach=_ESC_REACH),
    _shape("aws-sigv4", "an AWS SigV4 signature (Signature=...)",
           rf"\bSignature=(?P<secret>[0-9a-f]{{64}}){_KEY_END}", "Signature="),
    _shape("bedrock", "an Amazon Bedrock API key (ABSK.../bedrock-api-key-...)",
           rf"\b(?:ABSKQmVkcm9ja0FQSUtleS|bedrock-api-key-)(?:%|{_B64}){{20,}}",
           "ABSKQmVkcm9ja0FQSUtleS", "bedrock-api-key-", reach=_ESC_REACH),
    _shape("github", "a GitHub token (ghp_.../github_pat_...)",
           r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})",
           "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    _shape("gitlab", "a GitLab token (glpat-...)", rf"\bglpat-{_TOKEN}{{20,}}", "glpat-"),
    _shape("xai", "an xAI key (xai-...)", r"\bxai-[A-Za-z0-9]{30,}", "xai-"),
    _shape("groq", "a Groq key (gsk_...)", r"\bgsk_[A-Za-z0-9]{30,}", "gsk_"),
    _shape("huggingface", "a Hugging Face token (hf_...)", r"\bhf_[A-Za-z0-9]{30,}", "hf_"),
    _shape("together", "a Together AI key (tgp_v1_...)", rf"\btgp_v1_{_TOKEN}{{30,}}",
           "tgp_v1_"),
    _shape("fireworks", "a Fireworks AI key (fw_...)",
           r"\bfw_(?=[A-Za-z]*[0-9])[A-Za-z0-9]{20,}", "fw_"),
    _shape("perplexity", "a Perplexity key (pplx-...)", r"\bpplx-[A-Za-z0-9]{30,}", "pplx-"),
    _shape("replicate", "a Replicate token (r8_...)", r"\br8_[A-Za-z0-9]{30,}", "r8_"),
    _shape("langsmith", "a LangSmith key (lsv2_pt_.../lsv2_sk_...)",
           r"\blsv2_(?:pt|sk)_[A-Za-z0-9_]{20,}", "lsv2_"),
    _shape("tavily", "a Tavily key (tvly-...)", r"\btvly-(?:dev-|prod-)?[A-Za-z0-9]{20,}",
           "tvly-"),
    _shape("nvidia", "an NVIDIA API key (nvapi-...)", rf"\bnvapi-{_TOKEN}{{30,}}", "nvapi-"),
    _shape("cerebras", "a Cerebras key (csk-...)", r"\bcsk-[A-Za-z0-9]{30,}", "csk-"),
    _shape("pinecone", "a Pinecone key (pcsk_...)", r"\bpcsk_[A-Za-z0-9_]{30,}", "pcsk_"),
    _shape("vercel", "a Vercel AI Gateway key (vck_...)", r"\bvck_[A-Za-z0-9]{20,}", "vck_"),
    _shape("jina", "a Jina AI key (jina_...)", rf"\bjina_{_TOKEN}{{30,}}", "jina_"),
    _shape("firecrawl", "a Firecrawl key (fc-...)", rf"\bfc-[0-9a-f]{{32}}{_KEY_END}", "fc-"),
    _shape("anyscale", "an Anyscale key (esecret_...)", r"\besecret_[A-Za-z0-9]{20,}",
           "esecret_"),
    # Gemini's ephemeral tokens (the Live API's client keys, POST /v1alpha/auth_tokens): the
    # token is its resource name, used as the API key.
    _shape("gemini-ephemeral", "a Gemini ephemeral token (auth_tokens/...)",
           rf"\bauth_tokens/{_TOKEN}{{20,}}", "auth_tokens/", reach=KEY_REACH),
    _shape("openai-ephemeral", "an OpenAI ephemeral key (ek_...)",
           r"\bek_(?=[A-Za-z]*[0-9])[A-Za-z0-9]{20,}", "ek_"),
    _shape("stripe-elevenlabs", "a Stripe or ElevenLabs key (sk_.../rk_...)",
           r"\b(?:sk|rk)_(?:(?:live|test)_[A-Za-z0-9]{20,}|[0-9a-f]{40,})", "sk_", "rk_"),
    _shape("databricks", "a Databricks token (dapi...)", r"\bdapi[0-9a-f]{32}", "dapi"),
    _shape("digitalocean", "a DigitalOcean token (dop_v1_...)", r"\bdo[opr]_v1_[0-9a-f]{64}",
           "dop_v1_", "doo_v1_", "dor_v1_"),
    _shape("supabase", "a Supabase key (sbp_.../sb_secret_...)",
           rf"\b(?:sbp_[0-9a-f]{{40}}|sb_secret_{_TOKEN}{{20,}})", "sbp_", "sb_secret_"),
    _shape("slack", "a Slack token (xox...)", r"\bxox[abposr]-[A-Za-z0-9-]{20,}", "xox"),
    _shape("npm", "an npm token (npm_...)", r"\bnpm_[A-Za-z0-9]{36}", "npm_"),
    _shape("pypi", "a PyPI token (pypi-AgE...)", rf"\bpypi-AgE{_TOKEN}{{50,}}", "pypi-AgE"),
    _shape("sendgrid", "a SendGrid key (SG....)", rf"\bSG\.{_TOKEN}{{20,}}\.{_TOKEN}{{30,}}",
           "SG."),
    _shape("azure-storage", "an Azure storage account key (AccountKey=...)",
           r"\bAccountKey(?:=|\\u003[Dd])"
           r"(?P<secret>(?:[A-Za-z0-9+/]|\\/|\\u002[BbFf]|%2[BbFf]){40,}(?:=|\\u003[Dd]|%3[Dd]){0,2})",
           "AccountKey=", "AccountKey\\u003d", "AccountKey\\u003D", reach=_ESC_REACH),
    _shape("azure-ad", "an Azure AD client secret (...Q~...)",
           r"\b[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}\b", ("Q~", 4), glued=False),
    # (PEM, OpenSSH, and OpenPGP's armor: `-----BEGIN PGP PRIVATE KEY BLOCK-----`, RFC 9580 6.2)
    _shape("private-key", "a private key (-----BEGIN ... PRIVATE KEY-----)",
           r"-----BEGIN[A-Z ]{0,20} PRIVATE KEY(?: BLOCK)?-----(?s:.){16,16384}?"
           r"-----END[A-Z ]{0,20} PRIVATE KEY(?: BLOCK)?-----", "-----BEGIN", reach=None,
           follows=(b"-----END", 16384 + 80)),
    _shape("jwt", "a JSON Web Token (eyJ...)",
           rf"\beyJ{_TOKEN}{{8,}}\.eyJ{_TOKEN}{{8,}}\.{_TOKEN}{{8,}}", "eyJ",
           # (`.` ends the run: a later start meets the same `.`)
           run=rf"eyJ{_TOKEN}*+", glued=False),
    # A URL's password (RFC 3986 3.2.1 userinfo, `postgres://app:<password>@db`, `redis://:pw@`):
    # an .env's DATABASE_URL, a connection string in code. Found from its `://`.
    # (Not docs' stand-ins: `postgres://user:password@localhost/db`, `:****@`.)
    _shape("url-password", "a password in a URL (scheme://user:...@)",
           rf"://{_USERINFO}{{0,128}}:(?!(?:password|pass|secret|\*+|x+)@)"
           rf"(?P<secret>{_USERINFO}{{1,256}})@", "://",
           reach=_USERINFO_REACH + b":/@"),
    # `Bearer <token>` anywhere (bodies, unlisted headers). The token must look random: 16+
    # characters with a digit or an inner lower-to-upper case change, so prose stays.
    _shape("bearer", "a bearer token (Bearer ...)",
           r"(?i:\bbearer)\s+(?P<secret>(?=[A-Za-z0-9._~+/-]*(?:[0-9]|[a-z][A-Z]))"
           r"[A-Za-z0-9._~+/-]{16,}=*)", ("earer", 1),
           reach=KEY_REACH + _SPACES, caseless=True),
)
SECRET_PATTERNS: dict[str, re.Pattern[str]] = {s.name: s.pattern for s in SHAPES}
_SHAPE_OF: dict[str, Shape] = {s.pattern.pattern: s for s in SHAPES}

# JSON field names are found by these stems, in any ASCII case, anywhere in the name: a hit is
# in a field name when the name's closing quote, `:` and a string follow; its full name then goes
# through the rule. `is_credential_name` says no to a name without one, so every name it accepts
# is found (`api_keys`, `accessTokenValue`, `aPiKeY`).
CREDENTIAL_STEMS = (
    "key", "token", "secret", "pass", "pwd", "passphrase", "auth", "cookie", "credential",
    "sig", "bearer", "sess", "hmac", "hdnts",
    # OAuth's device flow and PKCE (RFC 8628 3.2, RFC 7636 4.1): a device_code polls for the
    # user's tokens, a code_verifier redeems an authorization code
    "device_code", "devicecode", "code_verifier", "codeverifier",
)

# `<REDACTED>` alone, or after an auth scheme: `Bearer <REDACTED>`.
_SCHEME = r"[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*"
_REDACTED_VALUE = re.compile(rf"(?:{_SCHEME} +)?{re.escape(REDACTED)}")
_AUTH_SCHEME = re.compile(rf"({_SCHEME}) +(?=\S)")
_AUTH_SCHEME_B = re.compile(_AUTH_SCHEME.pattern.encode())


def split_names(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Names from an iterable or a comma-separated string (never a string's characters)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(v.strip() for v in value if v and v.strip())


def split_patterns(text: str) -> list[str]:
    """Split comma-separated regexes, keeping commas inside (), [] and {} (`[a-z]{20,}`)."""
    items, current, depth, escaped = [], [], 0, False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    items.append("".join(current).strip())
    return [i for i in items if i]


@lru_cache(maxsize=256)
def _bytes_pattern(pattern: re.Pattern[str]) -> re.Pattern[bytes]:
    """`pattern` for bodies' bytes (UTF-8): its text escapes that bytes patterns lack
    (`\\uXXXX`, `\\UXXXXXXXX`, `\\N{name}`) written as the characters they stand for."""
    source = pattern.pattern
    if "\\" in source:
        source = _TEXT_ESCAPE.sub(_text_escape, source)
    return re.compile(source.encode("utf-8"), pattern.flags & ~re.UNICODE)


_TEXT_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|N\{([^}]*)\})|\\.", re.S)


def _text_escape(m: re.Match[str]) -> str:
    if m.group(1) or m.group(2):
        return re.escape(chr(int(m.group(1) or m.group(2), 16)))
    if m.group(3) is not None:
        import unicodedata

        return re.escape(unicodedata.lookup(m.group(3)))  # (KeyError: re refused it already)
    return m.group()


def _compile(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    """A user's secret pattern compiled, as text and as the bytes form bodies are searched
    with (`_bytes_pattern`). Raises ValueError (one line) for one `re` refuses in either form:
    re.error, and the OverflowError or RecursionError of a huge repeat or deep nesting."""
    if isinstance(pattern, re.Pattern):
        return pattern
    try:
        compiled = re.compile(pattern)
        _bytes_pattern(compiled)
    except (re.error, OverflowError, RecursionError, ValueError, TypeError) as e:
        raise ValueError(f"bad secret pattern {quoted(pattern)}: {e}") from None
    return compiled


def _pattern_source(item: str | re.Pattern[str]) -> str:
    if isinstance(item, re.Pattern):
        return item.pattern
    named = SECRET_PATTERNS.get(item.strip().lower())
    return named.pattern if named is not None else item


def label_of(pattern: re.Pattern[str]) -> str:
    """What a pattern finds, for messages: "an OpenAI key (sk-...)"."""
    shape = _SHAPE_OF.get(pattern.pattern)
    return shape.label if shape else "a secret matching a custom pattern"


def _lower_set(names: Iterable[str] | str) -> frozenset[str]:
    return frozenset(n.lower() for n in split_names(names))


# What a `-NAME` entry of the patterns list looks like when it means a built-in's name.
_PATTERN_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True)
class RedactionConfig:
    """What to redact. Names are stored lowercase; all fields accept any iterable.

    `request_headers`, `response_headers`, `query_params` and `fields` (JSON, form and multipart
    field names) are redacted besides what the built-in rule (`is_credential_name`, on unless
    `rule=False`) finds; a name in any `keep_*` set is never redacted by name, in any place (a
    user's `-NAME`).
    """

    request_headers: frozenset[str] = DEFAULT_REQUEST_HEADERS
    response_headers: frozenset[str] = DEFAULT_RESPONSE_HEADERS
    query_params: frozenset[str] = DEFAULT_QUERY_PARAMS
    patterns: tuple[re.Pattern[str], ...] = tuple(SECRET_PATTERNS.values())
    fields: frozenset[str] = frozenset()
    keep_headers: frozenset[str] = frozenset()
    keep_query: frozenset[str] = frozenset()
    keep_fields: frozenset[str] = frozenset()
    rule: bool = True

    def __post_init__(self) -> None:
        for name in (
            "request_headers", "response_headers", "query_params", "fields",
            "keep_headers", "keep_query", "keep_fields",
        ):
            object.__setattr__(self, name, _lower_set(getattr(self, name)))
        patterns = self.patterns
        if isinstance(patterns, str | re.Pattern):
            patterns = [patterns]
        object.__setattr__(self, "patterns", tuple(_compile(p) for p in patterns))
        # A name kept anywhere is kept everywhere: the echo of a kept header (a server quoting it
        # in a JSON field) must not bring it back through the field rule.
        object.__setattr__(self, "_kept", self.keep_headers | self.keep_query | self.keep_fields)

    @classmethod
    def default(cls) -> RedactionConfig:
        return DEFAULT_REDACTION

    def prepare(self) -> None:
        """Build the needle search now (Hyperscan's import and database: ~10 ms), not with the
        first body: a recording session calls it as it opens, before any request waits."""
        _finder(self.patterns, self.fields)

    # -- which names are secret ------------------------------------------------------------
    def secret_header(self, name: str, *, response: bool = False) -> bool:
        lower = name.lower()
        if lower in self._kept:
            return False
        if lower in (self.response_headers if response else self.request_headers):
            return True
        return self.rule and lower not in _NOT_CREDENTIAL_HEADERS and is_credential_name(name)

    def secret_query(self, name: str) -> bool:
        lower = name.lower()
        if lower in self._kept:
            return False
        return lower in self.query_params or (self.rule and is_credential_name(name))

    def secret_field(self, name: str, *, json: bool = False) -> bool:
        """A body field: JSON (`json=True`), or a form / multipart field (which, as in Go's
        Request.Form, also follows the query parameter names)."""
        lower = name.lower()
        if lower in self._kept:
            return False
        if lower in self.fields:
            return True
        if not json:
            if lower in self.query_params:
                return True
        if not self.rule or not is_credential_name(name):
            return False
        # In AI JSON bodies `signature` is model output (Anthropic thinking blocks, Gemini's
        # thoughtSignature) that clients must send back verbatim, not a credential.
        return not (json and name_words(name)[-1:] == ("signature",))

    # -- changes -----------------------------------------------------------------------------
    def with_changes(
        self,
        *,
        add_headers: Iterable[str] | str = (),
        remove_headers: Iterable[str] | str = (),
        add_response_headers: Iterable[str] | str = (),
        remove_response_headers: Iterable[str] | str = (),
        add_query: Iterable[str] | str = (),
        remove_query: Iterable[str] | str = (),
        add_fields: Iterable[str] | str = (),
        remove_fields: Iterable[str] | str = (),
        add_patterns: Iterable[str | re.Pattern[str]] | str | re.Pattern[str] = (),
        remove_patterns: Iterable[str | re.Pattern[str]] | str = (),
    ) -> RedactionConfig:
        """A copy with entries added and removed (removals win: a removed name is also kept
        from the rule).

        `*_headers` change request headers, `*_response_headers` response headers. Patterns are
        removed by name (a key of `SECRET_PATTERNS`, e.g. "bearer") or by regex source.
        """
        if isinstance(add_patterns, str | re.Pattern):
            add_patterns = [add_patterns]
        if isinstance(remove_patterns, str):
            remove_patterns = split_names(remove_patterns)
        dropped = {_pattern_source(p) for p in remove_patterns}
        patterns = [*self.patterns, *(_compile(p) for p in add_patterns)]
        rm_h, rm_rh = _lower_set(remove_headers), _lower_set(remove_response_headers)
        rm_q, rm_f = _lower_set(remove_query), _lower_set(remove_fields)
        add_h, add_rh = _lower_set(add_headers), _lower_set(add_response_headers)
        add_q, add_f = _lower_set(add_query), _lower_set(add_fields)
        return replace(
            self,
            request_headers=(self.request_headers | add_h) - rm_h,
            response_headers=(self.response_headers | add_rh) - rm_rh,
            query_params=(self.query_params | add_q) - rm_q,
            fields=(self.fields | add_f) - rm_f,
            keep_headers=(self.keep_headers - add_h - add_rh) | rm_h | rm_rh,
            keep_query=(self.keep_query - add_q) | rm_q,
            keep_fields=(self.keep_fields - add_f) | rm_f,
            patterns=tuple(p for p in patterns if p.pattern not in dropped),
        )

    @classmethod
    def from_strings(
        cls,
        headers: str | Iterable[str] | None = None,
        query: str | Iterable[str] | None = None,
        patterns: str | Iterable[str] | None = None,
        fields: str | Iterable[str] | None = None,
    ) -> RedactionConfig:
        """The defaults changed by CLI-style lists: "X-My-Key,-Cookie" adds X-My-Key and keeps
        Cookie. Header names apply to request and response headers; `fields` to JSON, form and
        multipart fields. Patterns are extra regexes, comma-separated (a "-name" entry drops a
        built-in shape, e.g. "-bearer")."""

        def split(items: str | Iterable[str] | None) -> tuple[list[str], list[str]]:
            names = split_names(items)
            return (
                [n for n in names if not n.startswith("-")],
                [n[1:] for n in names if n.startswith("-")],
            )

        add_h, remove_h = split(headers)
        add_q, remove_q = split(query)
        add_f, remove_f = split(fields)
        add_p, remove_p = [], []
        items = split_patterns(patterns) if isinstance(patterns, str) else list(patterns or ())
        for item in items:
            name = item[1:].strip().lower()
            if item.startswith("-") and name in SECRET_PATTERNS:
                remove_p.append(name)
            elif item.startswith("-") and _PATTERN_NAME.fullmatch(name):
                # A typo of a built-in's name (-azure): taken as the regex "-azure" it would
                # redact text where the user asked for less redaction.
                near = difflib.get_close_matches(name, SECRET_PATTERNS, n=3, cutoff=0.5) or [
                    n for n in SECRET_PATTERNS if n.startswith(name) or name in n]
                raise ValueError(
                    f"no built-in pattern named {name!r} to drop ("
                    + (f"did you mean {', '.join(near)}? A" if near
                       else f"the built-ins: {', '.join(SECRET_PATTERNS)}; a")
                    + " regex starting with '-' is written '\\-...')")
            elif item:
                add_p.append(item)
        return DEFAULT_REDACTION.with_changes(
            add_headers=add_h,
            remove_headers=remove_h,
            add_response_headers=add_h,
            remove_response_headers=remove_h,
            add_query=add_q,
            remove_query=remove_q,
            add_fields=add_f,
            remove_fields=remove_f,
            add_patterns=add_p,
            remove_patterns=remove_p,
        )


DEFAULT_REDACTION = RedactionConfig()


def is_redacted(value: str) -> bool:
    """True for the marker alone or after an auth scheme (`Bearer <REDACTED>`)."""
    return _REDACTED_VALUE.fullmatch(value) is not None


# -- finding secrets in bytes ----------------------------------------------------------------------

# A found secret: start, end (byte offsets) and why: ("shape", Shape label), ("name", place of the
# named value, e.g. "request header X-Api-Key"), ("echo", place the value was named in).
Reason = tuple[str, str]
Span = tuple[int, int, Reason]


class _Needles:
    """Literal needles -> positions, in one pass (Hyperscan's SIMD literal matcher where its
    wheel exists, else an Aho-Corasick DFA) or one `re` scan per needle. `caseless[i]`: needle
    i matches whatever the ASCII case of the bytes (Aho-Corasick searches those in a lowercased
    copy, which keeps every offset). `ordered`: hits come in the order of one overlapping
    Aho-Corasick search (by end, the longer first), whichever engine found them (the `re`
    fallback reports needle by needle)."""

    def __init__(self, needles: list[bytes], *, dfa: bool = False,
                 caseless: list[bool] | None = None) -> None:
        self.needles = needles
        self.lengths = [len(n) for n in needles]
        self._neg_lengths = [-n for n in self.lengths]
        self.caseless = caseless = caseless or [False] * len(needles)
        # A needle over _LONG_NEEDLE bytes (a long value named somewhere, hunted as an echo) is
        # found by bytes.find: an automaton's build time grows with the square of a needle's
        # length (ahocorasick-rs: 1.7 s for 10 KB, 28 s for 40 KB) and Hyperscan refuses one.
        self._long = [i for i, n in enumerate(needles) if len(n) > _LONG_NEEDLE]
        short = [i for i, n in enumerate(needles) if len(n) <= _LONG_NEEDLE]
        self._short = short
        self._ac: list[tuple[Any, list[int], bool]] = []  # (automaton, its needles, lowercased)
        # Hyperscan: ~4x the DFA's speed (0.4-0.6 vs 2.1-2.7 ms/MB for the ~120 default
        # needles, here), and it lets go of the GIL while it scans.
        self._hs = (hsmatch.matcher([needles[i] for i in short], literal=True,
                                    caseless=[caseless[i] for i in short])
                    if _USE_HS and short else None)
        if self._hs is None and _ac is not None and short and _USE_AC:
            # The DFA costs more to build (once per config) and scans random-looking bodies
            # (base64 images) about 3x faster than the default NFA.
            impl = _ac.Implementation.DFA if dfa else None
            for lower in (False, True):
                ids = [i for i in short if caseless[i] == lower]
                if ids:
                    ac = _ac.BytesAhoCorasick(
                        [needles[i].lower() if lower else needles[i] for i in ids],
                        implementation=impl)
                    self._ac.append((ac, ids, lower))
        self._res = [] if self.ordered else [
            re.compile(re.escape(n), re.IGNORECASE if c else 0)
            for n, c in zip(needles, caseless, strict=True)]

    @property
    def ordered(self) -> bool:
        # (needles all long: bytes.find reports them in order too)
        return bool(self._ac) or self._hs is not None or bool(self.needles and not self._short)

    def find(self, data: bytes) -> list[tuple[int, int]]:
        """(needle index, start) of every occurrence, overlapping ones included."""
        if not self.ordered:
            return self._find_each(data)
        if len(self._ac) == 1 and not self._long:
            ac, ids, lower = self._ac[0]
            return [(ids[i], s) for i, s, _ in ac.find_matches_as_indexes(
                data.lower() if lower else data, overlapping=True)]
        ends: list[tuple[int, int, int]] = []
        if self._hs is not None and data:
            add, neg, short = ends.append, self._neg_lengths, self._short
            self._hs.scan(data, lambda i, _s, end, _f, _c: add((end, neg[short[i]], short[i])))
        for ac, ids, lower in self._ac:
            ends += [(e, s - e, ids[i]) for i, s, e in ac.find_matches_as_indexes(
                data.lower() if lower else data, overlapping=True)]
        lowered = None
        for i in self._long:
            needle, hay = self.needles[i], data
            if self.caseless[i]:
                if lowered is None:
                    lowered = data.lower()
                needle, hay = needle.lower(), lowered
            at = hay.find(needle)
            while at >= 0:
                ends.append((at + len(needle), -len(needle), i))
                at = hay.find(needle, at + 1)
        ends.sort()  # (Aho-Corasick's order: by end; at one end, the longer needle first)
        return [(i, end + neg) for end, neg, i in ends]

    def _find_each(self, data: bytes) -> list[tuple[int, int]]:
        global _WARNED_SLOW
        if len(data) > 1 << 20 and not _WARNED_SLOW and _ac is None:
            _WARNED_SLOW = True
            log.warning(
                "redaction: ahocorasick-rs is not installed; large bodies are scanned needle by "
                "needle (about 30x slower: seconds per 50 MB, blocking the proxy). "
                "pip install ahocorasick-rs"
            )
        out = []
        for i, rx in enumerate(self._res):
            # Overlapping occurrences: a lookahead would be slower than restarting one byte on.
            pos = 0
            while (m := rx.search(data, pos)) is not None:
                out.append((i, m.start()))
                pos = m.start() + 1
        return out


_LONG_NEEDLE = 1024


class _Wait(Exception):
    """A `_Finder` name lookup (`field_at`, `xml_at`, `query_at`, and StreamScan's check of a
    query value) cannot tell yet: the bytes that decide come later in the stream."""


_USE_AC = True  # tests switch the fallbacks on to prove each gives the same spans
_USE_HS = True
_WARNED_SLOW = False


def _occurs(data: bytes, follows: tuple[bytes, int], start: int,
            cache: dict[bytes, list[int]]) -> bool:
    """Whether `follows`' literal occurs within its reach after `start` (its places in `data`
    found once per call: one pass, then a bisection per hit)."""
    literal, reach = follows
    places = cache.get(literal)
    if places is None:
        places = cache[literal] = [m.start() for m in re.finditer(re.escape(literal), data)]
    i = bisect_left(places, start)
    return i < len(places) and places[i] <= start + reach


# A key's form written by docs and generated code, no key: its prefix then x's (`ghp_xxxx...`,
# `AIzaSyXXXX...`, `sk-ant-api03-xxxx...`), or AWS's documented examples
# (`AKIAIOSFODNN7EXAMPLE`). A random key holds neither (a run of 8 x's: 1 in 10^14).
_STAND_IN = re.compile(rb"[A-Za-z0-9_-]{0,16}?(?:x{8,}|X{8,})")


def _is_stand_in(data: bytes, start: int, end: int) -> bool:
    return _STAND_IN.fullmatch(data, start, end) is not None \
        or data.find(b"EXAMPLE", start, end) >= 0


class _Finder:
    """Every shape and JSON field needle of one pattern set, compiled once (cached per config).
    `fields`: names added by the user, found in JSON too (as given, lowercase, Capitalised)."""

    def __init__(
        self, patterns: tuple[re.Pattern[str], ...], fields: frozenset[str] = frozenset()
    ) -> None:
        needles: list[bytes] = []
        caseless: list[bool] = []
        index_of: dict[tuple[bytes, bool], int] = {}
        self.custom: list[tuple[int, re.Pattern[bytes]]] = []
        self.labels: list[str] = []
        self.bytes_patterns: list[re.Pattern[bytes]] = []
        self.groups: list[int | str] = []
        # Per pattern: a byte outside its Shape.reach (None: not a shape, or any byte).
        self.stops: list[re.Pattern[bytes] | None] = []
        targets: dict[int, list[tuple[int, int]]] = {}
        # Per pattern: its needles at a match's start, longest first (what a finding may show).
        self.prefixes: list[list[bytes]] = []
        self.follows: list[tuple[bytes, int] | None] = []  # (Shape.follows)
        self.runs: list[re.Pattern[bytes] | None] = []  # (Shape.run)
        for pi, pattern in enumerate(patterns):
            bp = _bytes_pattern(pattern)
            self.bytes_patterns.append(bp)
            self.groups.append("secret" if "secret" in bp.groupindex else 0)
            self.labels.append(label_of(pattern))
            shape = _SHAPE_OF.get(pattern.pattern)
            self.follows.append(shape.follows if shape is not None else None)
            self.runs.append(re.compile(shape.run.encode()) if shape is not None and shape.run
                             else None)
            self.prefixes.append([] if shape is None or shape.caseless or "secret" in bp.groupindex
                                 else sorted((n.encode() for n, o in shape.needles if o == 0),
                                             key=len, reverse=True))
            if shape is None or shape.pattern.flags != pattern.flags:
                self.custom.append((pi, bp))
                self.stops.append(None)
                continue
            self.stops.append(None if shape.reach is None
                              else re.compile(b"[^" + re.escape(shape.reach) + b"]"))
            for literal, offset in shape.needles:
                key = (literal.encode(), shape.caseless)
                if key not in index_of:
                    index_of[key] = len(needles)
                    needles.append(key[0])
                    caseless.append(key[1])
                targets.setdefault(index_of[key], []).append((pi, offset))
        self.field_needles_from = len(needles)
        # The stems, and the names the user added (lowercase) that hold none of them.
        stems = sorted(set(CREDENTIAL_STEMS) | {
            f for f in fields if f and not any(stem in f for stem in CREDENTIAL_STEMS)})
        needles.extend([n.encode() for n in stems] + _ESCAPED_LETTER)
        caseless.extend([True] * len(stems) + [False] * len(_ESCAPED_LETTER))
        self.targets = targets
        self.needles = _Needles(needles, dfa=True, caseless=caseless)

    def shape_spans(self, data: bytes, fields: list[tuple[int, int]] | None = None,
                    hits: list[tuple[int, int]] | None = None) -> list[Span]:
        """Shapes found in `data`; JSON field needle hits go to `fields` (when given). `hits`:
        this finder's needle hits in `data` when a StreamScan found them already."""
        found: list[Span] = []
        seen: set[tuple[int, int]] = set()
        # Per pattern: the last match's start and end. A hit inside it is that same key (`sk-`
        # repeated inside a key's run): tried, each would scan the run's rest again, O(n^2).
        last: dict[int, tuple[int, int]] = {}
        dead: dict[int, int] = {}  # per pattern: where the run of its last failed attempt ends
        after: dict[bytes, list[int]] = {}  # Shape.follows literal -> where it occurs
        for ni, at in self.needles.find(data) if hits is None else hits:
            if ni >= self.field_needles_from:
                if fields is not None:
                    fields.append((ni, at))
                continue
            for pi, offset in self.targets[ni]:
                start = at - offset
                if start < 0 or (pi, start) in seen:
                    continue
                seen.add((pi, start))
                span = last.get(pi)
                if span is not None and span[0] <= start < span[1] or start < dead.get(pi, 0):
                    continue
                follows = self.follows[pi]
                if follows is not None and not _occurs(data, follows, start, after):
                    continue
                m = self.bytes_patterns[pi].match(data, start)
                if m is None and (run := self.runs[pi]) is not None:
                    ran = run.match(data, start)
                    if ran is not None:
                        dead[pi] = ran.end()
                if m is not None:
                    last[pi] = m.span()
                    s, e = m.span(self.groups[pi])
                    # (A stand-in holds no other start of its shape: a match from a header
                    # named in prose to a real key's end is no stand-in, though "EXAMPLE" is in
                    # it; the hits inside a match are not tried again.)
                    if e > s and not (_is_stand_in(data, s, e) and data.find(
                            self.needles.needles[ni], at + 1, m.end()) < 0):
                        found.append((s, e, ("shape", self._what(pi, data, s, e))))
        for pi, bp in self.custom:
            for m in bp.finditer(data):
                s, e = m.span(self.groups[pi])
                if e > s:
                    found.append((s, e, ("shape", self._what(pi, data, s, e))))
        return found

    def _what(self, pi: int, data: bytes, start: int, end: int) -> str:
        # A finding may show the provider's fixed prefix it starts with (`sk-`, `ghp_`), never a
        # character after it: none for a custom pattern, an Azure AD secret (`Q~` is inside
        # it), or a secret group after a scheme (`Bearer `).
        prefix = next((p for p in self.prefixes[pi] if data.startswith(p, start, end)), b"")
        if not prefix:
            return self.labels[pi]
        return f'{self.labels[pi]} starting "{prefix.decode("ascii")}"'

    def field_at(self, data: bytes, ni: int, at: int, final: bool = True
                 ) -> tuple[int, int, int, str] | None:
        """The JSON field name that field needle `ni`'s hit at `at` is in: (open quote, closing
        quote, `depth`: 0, or 1 for a key of JSON inside a JSON string, `\\"`, 2 for JSON in a
        JSON string in a JSON string, `\\\\\\"`, up to 3; the name, its escapes decoded) when a
        `:` follows it, else None. `final=False`: `data` may go on; raises `_Wait` when bytes
        past its end could change the answer."""
        start = at + self.needles.lengths[ni]
        # Most hits are words in text (`tokens` in a delta): the first quote after one, where
        # a name would close, has no `:` after it (nor a space or a `\\` that could lead to one).
        # (None at all within the furthest a name's closing quote can be: base64, prose.)
        limit = start + _NAME_SPAN
        q = data.find(b'"', start, limit)
        if q < 0:
            if not final and len(data) < limit:
                raise _Wait
            return None
        if q < len(data) - 1 and data[q + 1] not in _MAY_LEAD_TO_COLON:
            return None
        m = _NAME_REST.match(data, start)
        if m is None:  # (decided by the bytes up to that quote, all here)
            return None
        close, slashes = m.end() - 1, m.end(1) - m.start(1)
        depth = _DEPTH_OF.get(slashes)
        if depth is None:
            return None
        ws = _KEY_SPACE.match(data, close + 1).end()
        if ws == len(data) and not final:
            raise _Wait
        if data[ws : ws + 1] != b":":
            return None
        open_ = data.rfind(b'"', max(0, at - _NAME_MAX), at)
        if open_ < 0 or slashes and data[max(0, open_ - slashes) : open_] != b"\\" * slashes:
            return None
        raw = data[open_ + 1 : close - slashes]
        if b"\\" not in raw:
            return open_, close, depth, raw.decode("utf-8", "replace")
        # (`api\\u005fkey`; in JSON inside a JSON string, twice; and so on)
        return open_, close, depth, _json_string(raw, depth + 1)

    def xml_at(self, data: bytes, ni: int, at: int, final: bool = True
               ) -> tuple[int, int, str] | None:
        """The XML start tag whose name field needle `ni`'s hit at `at` is in: (its `<`, the
        end of its name, the name) when `>`, `/` or a space ends the name, else None.
        `final=False`: raises `_Wait` when bytes past `data`'s end could change the answer."""
        lt = data.rfind(b"<", max(0, at - _NAME_MAX), at)
        if lt < 0 or _XML_NAME_HEAD.fullmatch(data, lt + 1, at) is None:
            return None
        end = _XML_NAME_REST.match(data, at).end()
        if end == len(data) and not final and end - at < _NAME_MAX:
            raise _Wait
        if end < at + self.needles.lengths[ni] or data[end : end + 1] not in _XML_NAME_END:
            return None
        return lt, end, data[lt + 1 : end].decode("ascii")

    def query_at(self, data: bytes, ni: int, at: int, final: bool = True
                 ) -> tuple[int, str] | None:
        """The query parameter (of a URL in a body: after `?`, `#`, `&` or `&amp;`) whose name field
        needle `ni`'s hit at `at` is in: (where its `=` is, the name percent-decoded) when `=`
        follows (of a nested URL: `%3D`, the place of its last byte), else None. `final=False`
        as in `xml_at`."""
        lo = max(0, at - _NAME_MAX)
        if data.rfind(b"?", lo, at) < 0 and data.rfind(b"&", lo, at) < 0 \
                and data.rfind(b"#", lo, at) < 0 and data.rfind(b"\\u0026", lo, at) < 0 \
                and data.rfind(b"%", lo, at) < 0:
            return None  # (no query before it: most hits, words in text)
        end = _QUERY_NAME_REST.match(data, at).end()
        if end == len(data) and not final and end - at < _NAME_MAX:
            raise _Wait
        if end < at + self.needles.lengths[ni]:
            return None
        if data[end : end + 1] != b"=":
            # A URL nested percent-encoded in a parameter of this one (`?next=https%3A%2F%2F...
            # %3Ftoken%3D...`): its name ends before `%3D`, after `%3F`, `%26` or `%23` (or
            # these encoded once more, or more times: `%253D`, `%25253D`).
            m = _ENCODED_QUERY_NAME.search(data, max(0, at - _NAME_MAX), at)
            end = _ENCODED_NAME_REST.match(data, at).end()
            sep = _ENCODED_EQUALS.match(data, end)
            if m is None or end < at + self.needles.lengths[ni] or sep is None:
                return None
            return sep.end() - 1, data[m.start(1) : end].decode("ascii")
        m = _QUERY_NAME_HEAD.search(data, max(0, at - _NAME_MAX), at)
        if m is None:
            return None
        return end, unquote_plus(data[m.start(1) : end].decode("ascii"))

    def env_at(self, data: bytes, ni: int, at: int, final: bool = True
               ) -> tuple[int, str] | None:
        """The assignment in a config file or shell whose name field needle `ni`'s hit at `at` is
        in, at the start of a line (raw, or a JSON string's `\\n` or its start): `.env` and shell
        `NAME=value` (`export `), YAML `name: value` (`- `), `.npmrc` `//host/:name=value`; and
        `.netrc`'s `password value` after a `machine`: (where its value starts, the name),
        else None. `final=False` as in `xml_at`."""
        m = _ENV_NAME_REST.match(data, at)
        end = m.end()
        if end == len(data) and not final and end - at < _NAME_MAX + _ENV_SPACES:
            raise _Wait
        if m.end(1) < at + self.needles.lengths[ni]:
            return None
        sep = data[end : end + 1]
        if sep == b":":
            if (end + 1 == len(data) or data[end + 1 :] == b"\\") and not final:
                raise _Wait
            if data[end + 1 : end + 2] not in (b" ", b"\t", b"\n", b"\r") and \
                    data[end + 1 : end + 3] != b"\\t":  # (a tab, raw or as a JSON string's)
                return None  # (YAML's `: ` needs its space: `a:b` is no assignment; a raw
                # line break: the value is the block under it, `_env_value`)
        elif sep in (b'"', b"'", b"\\") and end > m.end(1):  # (`setx NAME "value"`: a space)
            head = _ENV_NAME_HEAD.search(data, max(0, at - _NAME_MAX), at)
            if head is None or head.group("setx") is None:
                return None
            return end, data[head.start(2) : m.end(1)].decode("ascii")
        elif sep != b"=":
            if end > m.end(1) and sep and data[at : m.end(1)].lower() in _NETRC_NAMES \
                    and (at == 0 or data[at - 1 : at] in _NETRC_SPACE) \
                    and _NETRC_MACHINE.search(data, max(0, at - 1024), at) is not None:
                return end, data[at : m.end(1)].decode("ascii")
            return None
        head = _ENV_NAME_HEAD.search(data, max(0, at - _NAME_MAX), at)
        if head is None:
            return None
        return end + 1, data[head.start(2) : m.end(1)].decode("ascii")


def _assignment_at(finder: _Finder, data: bytes, ni: int, at: int, final: bool = True
                   ) -> tuple[int, str] | None:
    """An upper-case variable assigned after a command on its line (a Dockerfile's `ENV
    API_TOKEN=...`, `docker run -e DB_PASSWORD=...`, `env NAME=... cmd`, `heroku config:set
    NAME=...`) whose name field needle `ni`'s hit at `at` is in: (where its value starts, the
    name), else None. Upper case with `=` after it is no word of prose; a lower-case name
    mid-line is (`the password=...`). `final=False` as in `_Finder.xml_at`."""
    m = _ENV_NAME_REST.match(data, at)
    end = m.end(1)
    if end == len(data) and not final:
        raise _Wait
    if end < at + finder.needles.lengths[ni] or data[end : end + 1] != b"=":
        return None
    head = _ASSIGNMENT_HEAD.search(data, max(0, at - _NAME_MAX), at)
    if head is None:
        return None
    name = data[head.start(1) : end]
    if _UPPER_NAME.fullmatch(name) is None:
        return None
    return end + 1, name.decode("ascii")


def _assignment_value(data: bytes, where: tuple[int, str]) -> Iterator[tuple[int, int, str]]:
    """`_assignment_at`'s value: quoted, or up to the next space (the command goes on)."""
    m = _ASSIGNMENT_VALUE.match(data, where[0])
    group = next(g for g in (1, 2, 3) if m.start(g) >= 0)
    vs, ve = m.span(group)
    text = data[vs:ve].decode("utf-8", "replace")
    if text and not is_redacted(text):
        yield vs, ve, text


# A name after a space or tab (what ran before it on the line: a command, `-e`, `ENV`), an
# option's `=` (`--from-literal=NAME=`, `--env=NAME=`) or a quote (`-e 'NAME=...'`).
_ASSIGNMENT_HEAD = re.compile(rb"[ \t=']([A-Za-z_][A-Za-z0-9_]*)?\Z")
_UPPER_NAME = re.compile(rb"[A-Z_][A-Z0-9_]*")
_ASSIGNMENT_VALUE = re.compile(
    rb"""\\?"((?:[^"\\\r\n]|\\[^"])*)\\?"|'([^'\r\n\\]*)'|([^\s"'\\]*)""")


def _pair_at(finder: _Finder, data: bytes, ni: int, at: int, final: bool = True
             ) -> tuple[int, str] | None:
    """The `Name=value` pair of a connection string (`Server=...;User ID=sa;Password=...;`:
    ADO.NET, ODBC, Azure Service Bus) whose name field needle `ni`'s hit at `at` is in: a name
    after a `;`, then `=`: (where its value starts, the name), else None. `final=False` as in
    `_Finder.xml_at`."""
    m = _ENV_NAME_REST.match(data, at)
    end = m.end(1)
    if end == len(data) and not final:
        raise _Wait
    if end < at + finder.needles.lengths[ni] or data[end : end + 1] != b"=":
        return None
    head = _PAIR_NAME_HEAD.search(data, max(0, at - _NAME_MAX), at)
    if head is None:
        return None
    return end + 1, data[head.start(1) : end].decode("ascii", "replace")


def _pair_value(data: bytes, where: tuple[int, str]) -> Iterator[tuple[int, int, str]]:
    """A connection string pair's value (`where`: `_pair_at`'s): up to its `;`, a quote or the
    end of the line."""
    at = where[0]
    m = _PAIR_VALUE.match(data, at)
    text = data[at : m.end()].decode("utf-8", "replace")
    if text and not is_redacted(text):
        yield at, m.end(), text


def _code_at(finder: _Finder, data: bytes, ni: int, at: int, final: bool = True
             ) -> tuple[int, int, str] | None:
    """A credential in code or a repr pasted as text, whose name field needle `ni`'s hit at
    `at` is in: a single-quoted mapping key (`{'password': '...'}`, PHP `'password' => '...'`)
    or a keyword argument (`Settings(api_key='...')`, `connect(password="...")`), its value
    quoted: (where the value's opening quote is, the backslashes before it: 1 when the code
    sits in a JSON string, `password=\\"...\\"`, the name), else None. (Double-quoted keys
    are JSON's: `field_at`.)"""
    m = _CODE_NAME.match(data, at)
    end = m.end()
    if end >= len(data) - 1 and not final:
        raise _Wait
    if end < at + finder.needles.lengths[ni] or _IDENTIFIER_BYTE.match(data, end):
        return None  # (no name: too short, or longer than a name is)
    head = _CODE_HEAD.search(data, max(0, at - _NAME_MAX), at)
    if head is None:
        return None
    after = {b"'": _CODE_AFTER_KEY, b'"': _CODE_AFTER_DQ_KEY}.get(head.group(1),
                                                               _CODE_AFTER_ARG)
    tail = after.match(data, end)
    if tail is None and head.group(1) == b'"':  # (the quote opened the string the code is in)
        tail = _CODE_AFTER_ASSIGN.match(data, end)
    if tail is None:
        return None
    if not tail.group(1) and data[tail.end() - 1] == 34 and (
            head.group(1) == b'"' or data[head.start()] == 92
            or _JSON_STRING_END.match(data, tail.end() - 1)):  # (34: `"`, 92: `\\`)
        # (The name is in a JSON string, after its opening quote or an escaped line break, or
        # JSON goes on after the quote (`password=", "...`): an unescaped `"` after `NAME=` is
        # the string's end, the value empty, and the next string's opening quote no value's
        # end.)
        return None
    if after is _CODE_AFTER_ARG and data[end:tail.start(1)].lstrip()[:1] == b":" \
            and _LOGPROB_KEY_BARE.search(data, max(0, at - 256), tail.end() + 256):
        return None  # (a logprobs entry as Node or Python prints it: `{ token: '...', logprob }`)
    start = at - len(head.group(2) or b"")  # (the name's start: the hit may be inside it)
    return tail.end() - 1, len(tail.group(1)), data[start:end].decode("ascii", "replace")


# A JSON string's closing quote, as what follows it shows: the next string or the object's or
# array's end (a quote that opens a value is followed by the value).
_JSON_STRING_END = re.compile(rb'"\s*(?:[}\]]|[,:]\s*["{\[])')


def _code_value(data: bytes, where: tuple[int, int, str]) -> Iterator[tuple[int, int, str]]:
    """The quoted value of `_code_at`'s name, without its quotes (up to the line's end, or
    for code in a JSON string, its closing quote escaped as its opening one is)."""
    at, escapes = where[0], where[1]
    quote = data[at : at + 1]
    if escapes:
        close = data.find(b"\\" * escapes + quote, at + 1)
        line = data.find(b"\n", at + 1)
        if close < 0 or 0 <= line < close:
            return
        raw = data[at + 1 : close]
        try:  # (the value as the code holds it: the JSON string's escapes undone)
            text = json.loads(b'"' + raw + b'"') if escapes == 1 else raw.decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            text = raw.decode("utf-8", "replace")
        if text and not is_redacted(text):
            yield at + 1, close, text
        return
    close = data.find(quote, at + 1)
    line = data.find(b"\n", at + 1)
    if close < 0 or (0 <= line < close) or data[close - 1 : close] == b"\\":
        return
    text = data[at + 1 : close].decode("utf-8", "replace")
    if text and not is_redacted(text):
        yield at + 1, close, text


# (At most _NAME_MAX: each credential-word hit reads its identifier on, and an unbounded run of
# `passwordpassword...` made that quadratic.)
_CODE_NAME = re.compile(rb"[A-Za-z0-9_]{0,128}")  # (128: _NAME_MAX, defined below)
# What comes before such a name: its opening quote (a mapping key), or a character no
# identifier holds (a keyword argument: `(api_key=`, `, api_key=`).
_IDENTIFIER_BYTE = re.compile(rb"[A-Za-z0-9_]")
_CODE_HEAD = re.compile(rb"(?:\\{0,3}(['\"])|[(,\s{\[]|\\[nrt])([A-Za-z_][A-Za-z0-9_]*)?\Z")
# After the name: a single-quoted key's `:`, `=>` or `] =` (a Python dict, PHP, `os.environ[...]
# =`); a double-quoted key's `=>` or `] =` only (its `:` is JSON's own field: `field_at`, which
# knows a logprobs `token` is no credential); a bare name's `=`, `:=` (Go) or `:` (a JS object).
# The value: a quote, maybe a string prefix (`b"..."`), maybe escaped (code in a JSON string:
# `=\"`; JSON within a JSON string, `=\\\"`).
_CODE_VALUE = rb"""[ \t]*(?:[bBrRuU]{1,2})?(\\\\\\|\\|)['"]"""
_CODE_AFTER_KEY = re.compile(rb"'[ \t]*(?::|=>|\][ \t]*=)" + _CODE_VALUE)
_CODE_AFTER_DQ_KEY = re.compile(rb'\\{0,3}"[ \t]*(?:=>|\][ \t]*=)' + _CODE_VALUE)
_CODE_AFTER_ARG = re.compile(rb"[ \t]*(?::?=|:)" + _CODE_VALUE)
_LOGPROB_KEY_BARE = re.compile(rb"\blog_?prob", re.IGNORECASE)
_CODE_AFTER_ASSIGN = re.compile(rb"[ \t]*:?=" + _CODE_VALUE)  # (a name at a string's start)


# A connection string's name: after a `;` (and spaces), letters, digits, `_`, ` `, `.`, `-`.
_PAIR_NAME_HEAD = re.compile(rb";[ \t]*((?:[A-Za-z][A-Za-z0-9_ .-]*)?)\Z")
_PAIR_VALUE = re.compile(rb"""[^;"'\r\n\\]*""")


# A shape hit whose bytes run on this far with none outside its reach is a suspect: the
# scan's tail would have to keep them all until one comes.
UNDECIDED_MAX = 1 << 16


class StreamScan:
    """The needle scan redaction makes of one body (key shapes and JSON field names), done piece
    by piece while the body streams, so that the recording waits only for the checks of what it
    found at its end. Each piece is searched together with the last bytes before it (as long
    as the longest needle): hits that end inside those bytes were reported by the previous
    search, the others are new, so `hits` is exactly, and in the same order, what one
    Aho-Corasick search of the whole body gives (an overlapping search reports the matches
    ending at each position, which only the bytes before it decide). `feed` may run in a worker
    thread (the search lets go of the GIL); pieces must come in order.

    Each key shape needle hit is also decided as it is found, by trying the shape's pattern
    where the hit puts its start, as `_Finder.shape_spans` will (random bytes, compressed audio
    or images, hold a few such hits per MB, `Q~` most, which are no key; prose holds `sk-` in
    `task-`). A shape's attempt looks at no byte past the first one outside its `reach`, so
    once the bytes up to that one (or the body's end) are here, its answer is the one the
    whole body gives. A JSON field name hit is decided once its closing quote and `:` (or what
    says it has none) are here, by the rule on the whole name. An SSE body's delta API is told
    from its first lines, and a look for literals says whether it may hold a key streamed back
    across its delta pieces (_SplitCandidates). `suspect`: some hit may change
    the body (a shape that matched or cannot be decided within UNDECIDED_MAX bytes, a field
    whose name says credential, an echo); until it is, `leaves_body` needs no body.
    """

    def __init__(self, config: RedactionConfig, echoes: list[bytes] | None = None) -> None:
        self.config = config
        self.finder = _finder(config.patterns, config.fields)
        needles = self.finder.needles
        self.usable = needles.ordered  # (the `re` fallback reports needle by needle)
        # `echoes`: the values named elsewhere (echo_variants) as known when the body started;
        # used at the end only if the pass has exactly these (nothing named later).
        self.echoes = list(echoes or ())
        self._echo_needles = _Needles(self.echoes) if self.echoes else None
        if self._echo_needles is not None and not self._echo_needles.ordered:
            self.usable = False
        self._searches = [(n, n.lengths, []) for n in (needles, self._echo_needles)
                          if n is not None]
        # The tail: the longest needle, and the byte before the earliest start a hit gives.
        offsets = [o for ts in self.finder.targets.values() for _, o in ts]
        # A field name hit also needs the name's bytes before it (to its opening quote).
        self._keep = max(max(lengths, default=1) for _, lengths, _ in self._searches) + max(
            [*offsets, _NAME_MAX]) + 1
        self.size = 0
        self._tail = b""
        self.suspect = bool(self.finder.custom)  # (a custom pattern searches the whole body)
        # Hits awaiting bytes: (pattern index, start) of a shape, (-1 - needle index, hit) of a
        # field name.
        self._undecided: list[tuple[int, int]] = []
        # An SSE body's delta API ("" until its first lines tell, None: no delta stream) and
        # whether it may hold a secret across its pieces (`_joined_spans`, _SplitCandidates).
        self._api: str | None = ""
        self._head: list[bytes] = []
        self._split = _SplitCandidates(self.finder, self.echoes)

    @property
    def hits(self) -> list[tuple[int, int]]:
        return self._searches[0][2]

    def state(self) -> tuple[Any, ...]:
        """What `feed` changed, to `restore` in another process's copy of this scan (made
        before the copy: the needles are the same); picklable."""
        return (self.size, self._tail, self.usable, [hits for _, _, hits in self._searches],
                self.suspect, self._undecided, self._api, self._head, self._split.found,
                self._split.tail)

    def restore(self, state: tuple[Any, ...]) -> None:
        (self.size, self._tail, self.usable, found, self.suspect, self._undecided, self._api,
         self._head, self._split.found, self._split.tail) = state
        for (_, _, hits), new in zip(self._searches, found, strict=True):
            hits[:] = new

    def feed(self, piece: bytes) -> None:
        if not self.usable or not piece:
            return
        if self._api == "":
            self._head.append(piece)
            head = b"".join(self._head)
            cut = head.rfind(b"\n") + 1
            if cut:
                self._api = _formats().delta_stream_api(head[:cut])[0]
            if self._api != "":
                self._head = []
        if self._api is not None:
            self._split.feed(piece)
        data = self._tail + piece
        base, old = self.size - len(self._tail), len(self._tail)
        for k, (needles, lengths, hits) in enumerate(self._searches):
            new = [(ni, base + at) for ni, at in needles.find(data) if at + lengths[ni] > old]
            hits += new
            if new and not self.suspect:
                self._note(new) if k == 0 else self._suspect()
        self.size += len(piece)
        keep = self._keep
        if self._undecided:
            self._decide(data, base, final=False)
            if self._undecided:  # (their bytes, and a field name's before its hit)
                keep = max(keep, self.size - min(s for _, s in self._undecided) + _NAME_MAX + 1)
        self._tail = data[-keep:]

    def _suspect(self) -> None:
        self.suspect = True
        self._undecided = []

    def _note(self, new: list[tuple[int, int]]) -> None:
        finder = self.finder
        for ni, at in new:
            if ni >= finder.field_needles_from:
                self._undecided.append((-1 - ni, at))
                continue
            for pi, offset in finder.targets[ni]:
                if finder.stops[pi] is None:
                    return self._suspect()
                if at >= offset:  # (else no match starts there: shape_spans skips it)
                    self._undecided.append((pi, at - offset))
        return None

    def _decide(self, data: bytes, base: int, final: bool) -> None:
        """Try the undecided hits whose bytes are all in `data` (the body from `base` on);
        `final`: `data` ends where the body does."""
        finder, end = self.finder, base + len(data)
        waiting = []
        for pi, start in self._undecided:
            at = start - base
            if pi < 0:  # a name (_NAME_KINDS) a credential's?
                wait = False
                for kind in _NAME_KINDS:
                    try:
                        if self._secret_name(kind, data, -1 - pi, at, final):
                            return self._suspect()
                    except _Wait:
                        wait = True
                if wait:
                    if end - start > UNDECIDED_MAX:
                        return self._suspect()
                    waiting.append((pi, start))
            elif not final and finder.stops[pi].search(data, at) is None:
                if end - start > UNDECIDED_MAX:
                    return self._suspect()
                waiting.append((pi, start))
            elif finder.bytes_patterns[pi].match(data, at) is not None:
                return self._suspect()
        self._undecided = waiting
        return None

    def _secret_name(self, kind: _NameKind, data: bytes, ni: int, at: int, final: bool) -> bool:
        # (a credential's name makes a suspect whatever its value, an XML start tag whether its
        # text and end tag follow or not, unless `kind.stream_value` tells: a query parameter)
        where = kind.locate(self.finder, data, ni, at, final)
        if where is None or not kind.secret(self.config, where[-1]):
            return False
        return kind.stream_value is None or kind.stream_value(data, where, final)

    def hits_for(self, finder: _Finder, data: bytes) -> list[tuple[int, int]] | None:
        """The hits, if this scan saw `data` (by its size: the caller fed every piece of it)
        with `finder`'s needles; None: search it."""
        if self.usable and finder is self.finder and self.size == len(data):
            return self.hits
        return None

    def changes(self) -> bool:
        """Whether `leaves_body` will say False whatever comes next (a `suspect` in what it saw
        so far, or it cannot tell): a body's streamed text would only be decoded back at its
        end, so the recorder makes none. Safe to call from another thread while `feed` runs: a
        stale answer only costs time."""
        return not self.usable or self.suspect

    def leaves_body(self, interaction: Interaction, config: RedactionConfig, size: int) -> bool:
        """Whether `redact_interaction` of `interaction` with the response body this scan saw
        (`size` bytes; `interaction` has an empty body in its place) leaves that body as it is,
        told without the body. True only when each step of the pass would find nothing in it:
        the scan saw all of it with `config`'s needles, and no key shape matched at any hit and
        no JSON field name found says credential (so no value named in it either), `config` has
        no pattern outside the needles (one searched by regex over the whole body), the
        response is not a form, multipart or AWS event stream (parsed, not found by needle)
        and names no content coding (the pass scans its decoding), the values the echo
        search looks for are none, or exactly the ones the scan searched and found nowhere,
        and the body's delta streams (`deltas`, joined as it streamed) hold no key shape or
        echo across their pieces (`_joined_spans`)."""
        if not self.usable or self.size != size or self.suspect:
            return False
        if self._undecided:
            self._decide(self._tail, self.size - len(self._tail), final=True)
            if self.suspect:
                return False
        finder = _finder(config.patterns, config.fields)
        if finder is not self.finder or finder.custom or config != self.config:
            return False
        ctype = first_header(interaction.response.headers, "content-type").lower()
        if _FORM_TYPE in ctype or "multipart/" in ctype or "eventstream" in ctype:
            return False  # (parsed, not found by needle; event-stream frames hold base64 events)
        if decoders.codings(first_header(interaction.response.headers, "content-encoding")):
            return False  # (the pass scans its decoding, which this scan did not see)
        variants = echo_variants(interaction, config)
        if variants and (variants != self.echoes or self._searches[1][2]):
            return False
        return not self.split_for(None)

    def split_for(self, data: bytes | None) -> bool | None:
        """Whether the body may hold a secret across the pieces of its delta streams
        (_SplitCandidates), if this scan saw `data` (None: the body it saw); None: look."""
        if not self.usable or (data is not None and self.size != len(data)):
            return None
        if self._api == "":
            self._api = _formats().delta_stream_api(b"".join(self._head), final=True)[0]
            self._head = []
        return bool(self._api) and (self._api in _formats().RAW_DELTA_APIS
                                    or self._split.candidate())

    def echo_hits_for(self, echoes: _Echoes, data: bytes) -> list[tuple[int, int]] | None:
        """The echo search's hits, if this scan saw `data` and searched exactly the variants
        `echoes` has, in the same order; None: search it."""
        if self.usable and self.size == len(data) and echoes.variants == self.echoes \
                and self.echoes:
            return self._searches[1][2]
        return None


@lru_cache(maxsize=32)
def _finder(
    patterns: tuple[re.Pattern[str], ...], fields: frozenset[str] = frozenset()
) -> _Finder:
    return _Finder(patterns, fields)


_WHY_RANK = {"name": 0, "shape": 1, "echo": 2}
# The reason of a span that becomes nothing: the rest of a secret after its first streamed
# piece (`_joined_spans`), whose first piece holds the marker.
JOINED = "joined"


def _within_pairs(data: bytes, spans: list[Span]) -> list[Span]:
    """Echo spans in an encoded form body (`a=1&b=2`), each ended at the `&` after its start: a
    form's value never holds a raw `&`, so an echo running over one is a value read too far
    elsewhere (a form echoed as text, read as a `.env` line to its end), which would cut the
    fields after it out of the body."""
    out: list[Span] = []
    for start, end, why in spans:
        amp = data.find(b"&", start, end)
        if amp >= 0:
            end = amp
        if end > start:
            out.append((start, end, why))
    return out


def _merge(spans: list[Span]) -> list[Span]:
    """Sorted, overlaps merged (the earliest-starting span's reason stays, but a JOINED span
    merged with another takes that one's reason: the union gets the marker)."""
    if len(spans) < 2:
        return spans
    # Same start: the longest first; same span: named before shaped before echoed.
    spans = sorted(spans, key=lambda s: (s[0], -s[1], _WHY_RANK.get(s[2][0], 3)))
    merged = [spans[0]]
    for start, end, why in spans[1:]:
        last_start, last_end, last_why = merged[-1]
        if start < last_end:
            merged[-1] = (last_start, max(last_end, end),
                          why if last_why[0] == JOINED else last_why)
        else:
            merged.append((start, end, why))
    return merged


def _replace_spans(data: bytes, spans: list[Span], marker: bytes = REDACTED_BYTES) -> bytes:
    pieces, pos = [], 0
    for start, end, why in spans:
        pieces += [data[pos:start], b"" if why[0] == JOINED else marker]
        pos = end
    pieces.append(data[pos:])
    return b"".join(pieces)


def _echo_variants(value: str) -> set[bytes]:
    """How a value shows up when echoed: raw, JSON-escaped, percent-encoded (both styles)."""
    out = {_utf8(value)[0]}
    out.add(_utf8(json.dumps(value, ensure_ascii=False)[1:-1])[0])
    out.add(json.dumps(value)[1:-1].encode())
    out.add(quote(value, safe="", errors="surrogatepass").encode())
    out.add(quote_plus(value, safe="", errors="surrogatepass").encode())
    return out


# At most this many values found by name are hunted down elsewhere (an interaction names a
# handful): URLs nested in each other's `sig=`, 2,500 deep, named 2,500 values, each repeated
# in the body, and the search took 48 s. Past it the shortest are kept (a redirect chain's
# innermost).
_MAX_ECHO_VALUES = 64


class _Echoes:
    """Values found by name, searched for everywhere else (one automaton for all of them)."""

    def __init__(self, values: dict[str, str]) -> None:
        if len(values) > _MAX_ECHO_VALUES:  # (hostile input: the shortest, the likeliest keys)
            values = {v: values[v] for v in sorted(values, key=len)[:_MAX_ECHO_VALUES]}
        self.values = dict(values)  # value -> where it was named
        variants: dict[bytes, str] = {}
        for value, where in self.values.items():
            for v in _echo_variants(value):
                if len(v) >= _MIN_ECHOED and REDACTED_BYTES not in v:
                    variants.setdefault(v, where)
        self.variants = list(variants)
        self.where = [variants[v] for v in self.variants]
        self.needles = _Needles(self.variants) if self.variants else None

    def spans(self, data: bytes, hits: list[tuple[int, int]] | None = None) -> list[Span]:
        """Every place a variant is in `data`; `hits`: its needle hits when a StreamScan found
        them already."""
        if self.needles is None:
            return []
        return [
            (at, at + len(self.variants[i]), ("echo", self.where[i]))
            for i, at in (self.needles.find(data) if hits is None else hits)
        ]


_MIN_ECHOED = 6  # shorter values of named secrets are not hunted down elsewhere


# -- a secret streamed back in pieces --------------------------------------------------------------

# Where a finding in a stream's joined deltas is reported: "response body (joined stream deltas)".
JOINED_PLACE = " (joined stream deltas)"


def _joined_findings(deltas: aiformats.DeltaPieces, finder: _Finder,
                     echoes: Callable[[bytes], list[Span]] | None,
                     names: Callable[[bytes], list[Span]] | None = None
                     ) -> dict[Any, list[Span]]:
    """Stream key -> the key shapes and `echoes` (the values named elsewhere) found in that
    stream's pieces joined (their raw JSON string contents, as the body's own scan sees them),
    and what `names` finds there (credential-named fields of a tool call's streamed
    arguments: JSON inside the JSON strings)."""
    out: dict[Any, list[Span]] = {}
    for key, (joined, _, _) in deltas.streams.items():
        data = bytes(joined)
        found = finder.shape_spans(data)
        if echoes is not None:
            found += echoes(data)
        if names is not None:
            found += names(data)
        if found:
            out[key] = found
    return out


def _joined_spans(deltas: aiformats.DeltaPieces, finder: _Finder,
                  echoes: Callable[[bytes], list[Span]] | None,
                  names: Callable[[bytes], list[Span]] | None = None) -> list[Span]:
    """Spans of the body over the secrets its streams hold across pieces: a key a model
    streams back a few characters per event (SSE deltas, `aiformats.DeltaPieces`), which no
    piece shows whole and every client joins. Each finding of `_joined_findings` is mapped back
    to the pieces it covers: its part in the first piece is a span with the finding's reason
    (the marker), its parts in the next pieces are JOINED spans (nothing), so the pieces joined
    read as the whole text redacted and no piece keeps more than a provider's prefix before
    the finding (a shape's own start). A finding inside one piece is the body scan's to find
    (it is there whole)."""
    out: list[Span] = []
    for key, spans in _joined_findings(deltas, finder, echoes, names).items():
        _, starts, ends = deltas.streams[key]
        at = list(accumulate((e - s for s, e in zip(starts, ends, strict=True)), initial=0))
        for a, z, why in _merge(spans):
            first, last = bisect_right(at, a) - 1, bisect_left(at, z) - 1
            if first >= last:
                continue
            for k in range(first, last + 1):
                lo, hi = starts[k] + max(a - at[k], 0), starts[k] + min(z, at[k + 1]) - at[k]
                if hi > lo:
                    out.append((lo, hi, why if k == first else (JOINED, why[1])))
    return out


_SPLIT_ECHO_MAX = 512  # a longer value named somewhere makes every delta stream a candidate
_SPLIT_LITERAL_MAX = 32


@lru_cache(maxsize=16)
def _split_literals(finder: _Finder, echoes: tuple[bytes, ...], use_hs: bool, use_ac: bool
                    ) -> tuple[Any, frozenset[int], tuple, int]:
    """_SplitCandidates' literals, compiled once per needles and echoes (20-30 ms): (their
    matcher or None, the ids that make a candidate alone, (piece starts, piece ends) id pairs,
    the bytes a piece's scan keeps of the one before)."""
    if finder.custom or any(len(v) > _SPLIT_ECHO_MAX for v in echoes):
        # No matcher then (every delta stream is a candidate): no literals to build either. A
        # literal per suffix of a long echo, each a copy of its rest, took the square of its
        # length (a 1.2 MB `password=` form field: minutes, while its client waited).
        return None, frozenset(), (), 0
    literals: dict[tuple[bytes, bool], int] = {}
    alone: set[int] = set()
    pairs: list[tuple[frozenset[int], frozenset[int]]] = []

    def lit(text: bytes, caseless: bool) -> int:
        return literals.setdefault((text[:_SPLIT_LITERAL_MAX], caseless), len(literals))

    needles = finder.needles
    shapes = [(needles.needles[i], needles.caseless[i]) for i in range(finder.field_needles_from)]
    alone.update(lit(n, c) for n, c in shapes)
    for needle, caseless in shapes + [(v, False) for v in echoes]:
        for j in range(1, len(needle)):
            starts = [lit(sep + needle[j:], caseless) for sep in _formats().DELTA_STARTS]
            if len(needle) - j > 1 or len(needle) == 2:
                alone.update(starts)
            else:
                pairs.append((frozenset(starts), frozenset((
                    lit(b'"' + needle[j - 1 : j] + b'"', caseless),
                    lit(needle[j - 2 : j] + b'"', caseless)))))
    items = sorted(literals, key=literals.__getitem__)
    keep = max(len(t) for t, _ in items) - 1
    matcher: hsmatch.Matcher | _Needles | None = None
    if not finder.custom and all(len(v) <= _SPLIT_ECHO_MAX for v in echoes):
        texts, caseless = [t for t, _ in items], [c for _, c in items]
        matcher = hsmatch.matcher(texts, literal=True, single_match=True,
                                  caseless=caseless) if use_hs else None
        if matcher is None and use_ac:  # (each hit reported: slower where pieces start alike)
            found = _Needles(texts, caseless=caseless)
            matcher = found if found.ordered else None
    return matcher, frozenset(alone), tuple(pairs), keep


class _SplitCandidates:
    """Whether a body may hold a secret across the delta pieces of a stream, told by one
    Hyperscan pass for literals that each report their first match only (about 0.07 s per
    50 MB), so a stream is taken apart (`aiformats.DeltaPieces`: 0.35 s) only then. A key
    shape that crosses from one piece into the next either holds its needle whole in one
    piece (then the needle is in the body), or its needle crosses too: then the last piece
    starting inside the needle (at j >= 1) holds all of its rest `needle[j:]`, right after
    `:"` or `: "` (`DELTA_STARTS`); when that rest is one character (common at a piece's start:
    the `a` of `AIza`), the piece before ends with the needle's character before it: `"z"` (a
    piece of one character) or `iz"`. Each value the echo search hunts likewise (one whole in
    one piece is the body's echo search's to find). `feed` the body in order. Without
    Hyperscan (no wheel) the Aho-Corasick automaton looks, reporting every hit; without
    either, with a custom pattern (no needles) or an echo over _SPLIT_ECHO_MAX bytes, every
    delta stream is a candidate."""

    def __init__(self, finder: _Finder, echoes: list[bytes]) -> None:
        self.found: set[int] = set()
        self.tail = b""
        self._matcher, self._alone, self._pairs, self.keep = _split_literals(
            finder, tuple(echoes), _USE_HS, _USE_AC)

    def feed(self, piece: bytes) -> None:
        """The next bytes of the body."""
        if self._matcher is None or not piece:
            return
        data = self.tail + piece
        if isinstance(self._matcher, _Needles):
            self.found.update(i for i, _ in self._matcher.find(data))
        else:
            self._matcher.scan(data, lambda i, _s, _e, _f, _c: self.found.add(i))
        self.tail = data[-self.keep :]

    def candidate(self) -> bool:
        """Whether what `feed` saw may hold a secret across delta pieces."""
        if self._matcher is None:
            return True
        found = self.found
        return not found.isdisjoint(self._alone) or any(
            not found.isdisjoint(starts) and not found.isdisjoint(ends)
            for starts, ends in self._pairs)


# -- JSON, form and multipart fields ---------------------------------------------------------------

_AFTER_KEY = re.compile(rb'\s*:\s*"((?:[^"\\]|\\.)*)"', re.DOTALL)
# A field name's bytes after a stem hit, to its closing quote (`\\"` in JSON inside a JSON
# string: group 1 holds the backslash); a name runs at most _NAME_MAX bytes either side of it.
_NAME_MAX = 128
_NAME_REST = re.compile(rb'(?:[^"\\\x00-\x1f]|\\{1,8}u[0-9A-Fa-f]{4}){0,%d}(\\{0,7})"' % _NAME_MAX)
# JSON nested in JSON strings: the backslashes before a quote -> the depth (2**depth - 1).
_DEPTH_OF = {0: 0, 1: 1, 3: 2, 7: 3}
# A letter or `_` of a name written as a JSON escape (`\\u0061`): no stem may show then.
_ESCAPED_LETTER = [b"\\u004", b"\\u005", b"\\u006", b"\\u007"]
_KEY_SPACE = re.compile(rb"(?:\s|\\+[nrt])*")
# The most bytes _NAME_REST can take before its quote: _NAME_MAX units of `\\\\{1,8}uXXXX`, then
# up to 7 backslashes.
_NAME_SPAN = _NAME_MAX * 13 + 8
_MAY_LEAD_TO_COLON = frozenset(b":\\ \t\n\r\x0b\x0c")
# An XML start tag's name around a field needle hit (`<SecretAccessKey>`, `<aws:Token a="">`):
# the name's bytes before the hit, after it, and what may end it.
_XML_NAME_HEAD = re.compile(rb"(?:[A-Za-z_][A-Za-z0-9_.:-]*)?")
_XML_NAME_REST = re.compile(rb"[A-Za-z0-9_.:-]{0,%d}" % _NAME_MAX)
_XML_NAME_END = (b">", b"/", b" ", b"\t", b"\r", b"\n")
# After the name: the rest of the start tag (not `/>`), then the element's text (group 1: in a
# CDATA section, group 2: plain) and its end tag (group 3: the name).
_XML_TEXT = re.compile(
    rb"[^<>]*(?<!/)>\s*(?:<!\[CDATA\[(.*?)\]\]>|([^<]*?))\s*</([A-Za-z0-9_.:-]+)\s*>", re.DOTALL)
# A query parameter's name in a URL in a body: after `?`, `&`, `&amp;` (HTML, XML) or `\u0026`
# (Go's encoding/json writes `&` so), to `=`;
# its value runs to what ends a URL's query in text, JSON or markup.
# (`#`: a fragment's parameters, `#access_token=...&state=` of an OAuth implicit redirect.)
_QUERY_NAME_HEAD = re.compile(rb"(?:[?&#]|&amp;|\\u0026)([A-Za-z0-9_.~%+-]*)\Z")
_QUERY_NAME_REST = re.compile(rb"[A-Za-z0-9_.~%%+-]{0,%d}" % _NAME_MAX)
_QUERY_VALUE = re.compile(rb"""[^&#\s"'<>\\]*""")
# (a nested URL's: its name after an encoded `?`, `&` or `#`; its value up to an encoded `&`/`#`)
# (encoded once more at each level of nesting: `%253D`, `%25253D`...)
_ENCODED_QUERY_NAME = re.compile(rb"%(?:25)*(?:3[Ff]|26|23)([A-Za-z0-9_.~-]*)\Z")
_ENCODED_EQUALS = re.compile(rb"%(?:25)*3[Dd]")
_ENCODED_NAME_REST = re.compile(rb"[A-Za-z0-9_.~-]{0,%d}" % _NAME_MAX)
_ENCODED_QUERY_VALUE = re.compile(rb"""(?:[^&#%\s"'<>\\]|%(?!(?:25)*2[36]))*""")
# An assignment in a config file or shell in a body (a file attached as text, a multipart
# upload, code in a chat): the name's bytes after a stem hit, spaces, then `=` or YAML's `: `;
# what the name starts after: a line's start (raw, or `\n` in a JSON string) or a JSON
# string's, maybe `export `, a YAML list's `- ` or an .npmrc's `//registry.example/:`. Its value
# runs to the end of the line (raw or escaped, at any depth of JSON in JSON strings) or of the
# string, its quotes left out.
_ENV_SPACES = 16  # (at most, between a name and its `=` or `:`)
_ENV_NAME_REST = re.compile(rb"([A-Za-z0-9_.-]{0,%d})[ \t]{0,%d}" % (_NAME_MAX, _ENV_SPACES))
_ENV_NAME_HEAD = re.compile(
    rb'(?:\A|[\r\n"]|\\[nr])[ \t]*(?:export[ \t]+|-[ \t]+|//[^\s"\\]{1,%d}/:'
    # (Windows: PowerShell's `$env:NAME = "..."`, cmd's `set NAME=...` and `setx NAME "..."`)
    rb"|\$env:|(?i:set)[ \t]+|(?P<setx>(?i:setx)[ \t]+))?"
    rb"((?:[A-Za-z_][A-Za-z0-9_.-]*)?)\Z" % _NAME_MAX)
# A .netrc's password (`machine api.example.com login deploy password <value>`).
_NETRC_NAMES = (b"password", b"passwd")
_NETRC_SPACE = (b" ", b"\t", b"\n", b"\r")
_NETRC_MACHINE = re.compile(rb'(?:^|[\s"]|\\[nr])machine\s', re.MULTILINE)
_ENV_VALUE = re.compile(
    # (inside quotes: dotenv's escaped quote or backslash, `\"` `\\`, at the quotes' own depth
    # of JSON escaping, k backslashes before the quote: 2k + 1 before an escaped one)
    rb"""[ \t]*(?:(?P<q>(?P<bs>\\*)(?P<qc>["']))(?P<quoted>(?:(?P=bs)\\(?P=bs)(?:(?P=qc)|\\)"""
    rb"""|(?!(?P=q))[^\r\n\\]|\\+[^nr"\\])*+)(?P=q)"""  # (*+: no backtracking)
    rb"""|(?P<plain>(?:[^\r\n"\\]|\\+[^nr"\\])*))""")
# The same in JSON text that is itself the value of a JSON string (`{\"api_key\": \"...\"}`):
# the inner quotes are `\"`, an inner escape starts with `\\`, and inner whitespace may be
# escaped (`\n`). Group 1: the inner value as the outer string holds it (RFC 8259 section 7).
_AFTER_ESCAPED_KEY = re.compile(
    rb'(?:\s|\\[nrt])*:(?:\s|\\[nrt])*\\"((?:[^"\\]|\\[^"\\]|\\\\(?:\\[\\"]|[^"\\]))*)\\"')
# Deeper (depth 2, 3): quotes are `\\\\\\"` (2**depth - 1 backslashes), a quote inside the value has
# more backslashes before it.
_AFTER_DEEP_KEY = [re.compile(
    rb'(?:\s|\\+[nrt])*:(?:\s|\\+[nrt])*\\{%d}"((?:[^"\\]|\\+[^"\\]|\\{%d,}")*?)(?<!\\)\\{%d}"'
    % (n, n + 1, n), re.DOTALL) for n in (3, 7)]
# The key that makes a `token` field beside it a token's text (see _json_values).
_LOGPROB_KEY = re.compile(rb'\\?"log_?prob(?:ability)?\\?"', re.IGNORECASE)
# An array value's start, and one string item with what ends it (group 2: `,` or `]`).
_ARRAY = re.compile(rb"\s*:\s*\[")
_ITEM = re.compile(rb'\s*"((?:[^"\\]|\\.)*)"\s*([,\]])', re.DOTALL)
_ESCAPED_ARRAY = re.compile(rb"(?:\s|\\[nrt])*:(?:\s|\\[nrt])*\[")
_ESCAPED_ITEM = re.compile(
    rb'(?:\s|\\[nrt])*\\"((?:[^"\\]|\\[^"\\]|\\\\(?:\\[\\"]|[^"\\]))*)\\"(?:\s|\\[nrt])*([,\]])')
_FORM_TYPE = "application/x-www-form-urlencoded"
# What a form encoder never writes raw (`+`, `%0A`, `%3B`): text sent with the form type.
_NOT_ENCODED = re.compile(rb"[ \t\r\n;]")


def _value_span(name: str, data: bytes, start: int, end: int) -> int:
    """Where the secret part of a named value starts: after `Bearer ` for an authorization."""
    if name.lower().endswith("authorization"):
        m = _AUTH_SCHEME_B.match(data, start, end)
        if m:
            return m.end()
    return start


def _json_string(inner: bytes, times: int = 1) -> str:
    """The text of a JSON string from what is between its quotes (as it is, if that is not
    valid JSON); `times`: that many strings nested (JSON text in a JSON string's value...)."""
    for _ in range(times):
        try:
            text = json.loads(b'"' + inner + b'"')
        except ValueError:
            return inner.decode("utf-8", "replace")
        inner = text.encode("utf-8", "surrogatepass")
    return text


def _distinct_names(data: bytes, hits: list[tuple[int, int]], finder: _Finder,
                    locate: Callable[..., tuple | None], key: int) -> Iterator[tuple]:
    """What `locate(finder, data, needle index, at)` (a `_Finder` lookup) finds for each field
    needle hit, once per name: several stems of one name (`auth_token`) hit it, told apart by
    its `key`-th item (a position)."""
    done: set[int] = set()
    for ni, at in hits:
        where = locate(finder, data, ni, at)
        if where is not None and where[key] not in done:
            done.add(where[key])
            yield where


def _json_values(data: bytes, where: tuple[int, int, int, str]
                 ) -> Iterator[tuple[int, int, str]]:
    """The string values of a JSON field named as a credential (`where`: `_Finder.field_at`'s),
    each (start, end, its text): one string, or each string of an array of them."""
    open_, close, depth, name = where
    found = _field_values(data, close + 1, depth)
    if not found:
        return
    if name_words(name) == ("token",) and _LOGPROB_KEY.search(
            data, max(0, data.rfind(b"{", max(0, open_ - 4096), open_)),
            max(0, data.find(b"}", found[-1][1], found[-1][1] + 4096))):
        # `token` beside a `logprob` in one object is a token's text: OpenAI's
        # `logprobs.content[].token`, `top_logprobs[].token`; Gemini's `candidates[].token`
        # beside `logProbability`. Elsewhere it is a credential (an MCP tool's headers).
        return
    for vs, ve in found:
        if is_redacted(data[vs:ve].decode("utf-8", "replace")) \
                or data[vs:ve] == XML_REDACTED_BYTES:  # (the marker in markup)
            continue
        vs = _value_span(name, data, vs, ve)
        yield vs, ve, _json_string(data[vs:ve], depth + 1)


def _xml_value(data: bytes, where: tuple[int, int, str]) -> Iterator[tuple[int, int, str]]:
    """The text of an XML element named as a credential (`where`: `_Finder.xml_at`'s), as
    (start, end, its text), when its end tag follows; in any body, so XML quoted in a JSON
    string (a tool's result) is covered too."""
    lt, end, _ = where
    m = _XML_TEXT.match(data, end)
    if m is None or m.group(3) != data[lt + 1 : end]:
        return
    group = 1 if m.start(1) >= 0 else 2
    vs, ve = m.span(group)
    text = html.unescape(data[vs:ve].decode("utf-8", "replace")) if ve > vs else ""
    if text and not is_redacted(text):
        yield vs, ve, text


def _query_value(data: bytes, where: tuple[int, str]) -> Iterator[tuple[int, int, str]]:
    """The value of a query parameter named as a secret in a URL inside a body (`where`:
    `_Finder.query_at`'s), as (start, end, its text), as the request URL's lose."""
    value = _QUERY_VALUE if data[where[0]] == 61 else _ENCODED_QUERY_VALUE  # (61: `=`)
    vs, ve = value.match(data, where[0] + 1).span()
    text = unquote_plus(data[vs:ve].decode("utf-8", "replace"))
    if text and not is_redacted(text):
        yield vs, ve, text


def _query_value_follows(data: bytes, where: tuple[int, str], final: bool) -> bool:
    """For StreamScan: whether a secret query parameter's value (`where`: `_Finder.query_at`'s)
    is not empty (an empty value is left as it is). `final=False` as in `_Finder.xml_at`."""
    if where[0] + 1 == len(data) and not final:
        raise _Wait
    value = _QUERY_VALUE if data[where[0]] == 61 else _ENCODED_QUERY_VALUE
    return value.match(data, where[0] + 1).end() > where[0] + 1


def _env_value(data: bytes, where: tuple[int, str]) -> Iterator[tuple[int, int, str]]:
    """The value of a `.env` or shell assignment named as a credential (`where`:
    `_Finder.env_at`'s), as (start, end, its text): a `.env` a request attaches as text, uploads
    as a file part, or a chat quotes."""
    at, name = where
    m = _ENV_VALUE.match(data, at)
    group = "quoted" if m.start("quoted") >= 0 else "plain"
    if group == "quoted" and not m.group("bs") and m.group("qc") == b'"' and (
            _in_json_line(data, m.start("q")) or _JSON_STRING_END.match(data, m.start("q"))):
        # (An empty value at a JSON string's end: that quote closes the string, and the next
        # string's opening quote is no value's end; a quoted value there is written `\\"`.)
        return
    vs, ve = m.span(group)
    ve = vs + len(data[vs:ve].rstrip(b" \t"))
    if group == "plain" and data[at - 1 : at] == b":" and data[ve : ve + 1] in (
            b"\n", b"\r", b"") and _BLOCK_START.fullmatch(data, vs, ve):
        # YAML's value on the lines under its key (`password: |`, `>-`, or nothing after the
        # colon): the block indented deeper than the key's line (YAML 1.2 8.1, 7.3.3).
        vs, ve = _yaml_block(data, at, ve)
    stop = m.end(group)
    if group == "plain" and stop < len(data) and data[stop] in b'"\\' and ve > vs:
        # Code (`os.getenv("KEY", "...")`, `process.env.KEY || "..."`): an unquoted value that
        # reaches a quote goes on to its line's end, as dotenv reads it; else the default after
        # the reference was kept and the reference alone lost its start.
        ve = _code_value_end(data, vs, stop)
    if group == "plain" and ve > vs and _in_json_line(data, vs):
        # A JSON string holding a urlencoded form (a server's echo of the request, a logged
        # one): `password=...&grant_type=...` is a form's pairs, no `.env` line, and its value
        # ends at the `&` before the next name=, as a form body's does (in_forms); running on
        # cut the fields after it, here and, as an echo, in the form body itself. (Go's
        # encoding/json writes that `&` as `\\u0026`.)
        pair = _FORM_PAIR_AFTER.search(data, vs, ve)
        if pair is not None and not _SPACE_OR_ESCAPE.search(data, vs, ve):
            ve = pair.start()
    if group == "plain" and data.startswith((b"{{", b"${{"), vs):
        # A template (Helm, Jinja, GitHub Actions) holds quotes, where a plain value stops:
        # the value is the whole `{{ ... }}`, its default (`| default "..."`) included.
        ve = _template_end(data, vs, ve)
    vs = _value_span(name, data, vs, ve)  # (`Authorization: Bearer <token>`)
    text = _json_string(data[vs:ve]) if b"\\" in data[vs:ve] else \
        data[vs:ve].decode("utf-8", "replace")
    if text and not is_redacted(text):
        yield vs, ve, text


# `&NAME=` in a value (a urlencoded form's next pair; `\\u0026NAME=` as Go's JSON writes it),
# and what a form's text never holds (any other escape, a space).
_FORM_PAIR_AFTER = re.compile(rb"(?:&|\\u0026)[A-Za-z0-9_.%\[\]-]+=")
_SPACE_OR_ESCAPE = re.compile(rb"\s|\\(?!u0026)")


def _in_json_line(data: bytes, start: int) -> bool:
    """Whether the assignment whose value starts at `start` is in a JSON string: its line holds
    a quote or an escaped line break before it (its name followed one)."""
    line = _line_start(data, start)
    return data.find(b'"', line, start) >= 0 or data.find(b"\\n", line, start) >= 0


def _line_start(data: bytes, at: int, escaped: bool = False) -> int:
    """Where the line holding `at` starts: after a raw line break (`escaped`: or after a JSON
    string's `\\n` / `\\r`)."""
    line = max(data.rfind(b"\n", 0, at), data.rfind(b"\r", 0, at)) + 1
    if escaped:
        for escape in (b"\\n", b"\\r"):
            found = data.rfind(escape, line, at)
            if found >= 0:
                line = max(line, found + 2)
    return line


def _code_value_end(data: bytes, start: int, stop: int) -> int:
    """Where an unquoted value that stopped at a quote at `stop` ends: its line's end. In raw
    text, a trailing comment left out; in a JSON string (at any depth), before an escaped line
    break or a quote with fewer backslashes than the one at `stop` (the string's end); `stop`
    when that quote is the string's end itself."""
    n = len(data)
    if not _in_json_line(data, start):
        m = _RAW_LINE_REST.match(data, stop)
        return m.end()
    q = stop
    while q < n and data[q] == 92:
        q += 1
    if q >= n or data[q] != 34 or q == stop:  # (34: `"`; with no backslash: the string's end)
        return stop
    quote = q - stop
    if quote <= _string_depth(data, start):
        return stop  # (the quote that closes the string holding the value: `\"note\": \"K=v\"`)
    i = stop
    while i < n:
        c = data[i]
        if c in (10, 13, 34):
            break
        if c == 92:
            k = i
            while k < n and data[k] == 92:
                k += 1
            if k >= n or data[k] in b"nr" or (data[k] == 34 and k - i < quote):
                break
            i = k + 1
            continue
        i += 1
    while i > stop and data[i - 1] in b" \t":
        i -= 1
    return i


def _string_depth(data: bytes, start: int) -> int:
    """The backslashes before the quote that opened the JSON string holding `start` (0 for a
    body's own string, 1 for one in JSON text inside it...): the last quote before `start` on
    its line, a line starting after a raw or an escaped line break."""
    line = _line_start(data, start, escaped=True)
    opening = data.rfind(b'"', line, start)
    if opening < 0:
        return 0
    k = opening
    while k > line and data[k - 1] == 92:
        k -= 1
    return opening - k


# The rest of a raw line, a trailing comment left out.
_RAW_LINE_REST = re.compile(rb"[^\r\n]*?(?=[ \t]+(?:#|//)[^\r\n]*|[ \t]*(?:[\r\n]|\Z))")


def _template_end(data: bytes, start: int, end: int) -> int:
    """Where the template value starting at `start` ends: after its own `}}` (the first outside
    a quoted literal; a quote may be escaped, `\\"` in a JSON string) on the same line (a JSON
    string's `\\n` ends a line too), or `end` when it has none. (Not the line's last `}}`: at a
    JSON string's end the line runs on through the next strings, another message's `{{ }}`.)"""
    line_end = len(data)
    for stop in (b"\n", b"\r", b"\\n", b"\\r"):
        at = data.find(stop, start, line_end)
        if at >= 0:
            line_end = at
    quote = 0
    i = data.index(b"{{", start) + 2
    while i < line_end:
        c = data[i]
        if c == 92:  # (`\\`: what the backslashes escape, a quote among them)
            while i < line_end and data[i] == 92:
                i += 1
            if i >= line_end:
                break
            c = data[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in b"\"'`":
            quote = c
        elif c == 125 and data[i + 1 : i + 2] == b"}":  # (`}}`)
            return i + 2 if i + 2 > end else end
        i += 1
    return end


# What may follow a YAML key's colon when its value is the block under it: a block scalar's
# indicator (`|`, `>`, chomping and indentation), or nothing.
_BLOCK_START = re.compile(rb"(?:[|>](?:[+-]?[1-9]?|[1-9][+-]))?")


def _yaml_block(data: bytes, key_at: int, after: int) -> tuple[int, int]:
    """(start, end) of the raw lines after `after`'s line that are indented deeper than the
    line holding `key_at` (blank lines inside included, trailing ones not); (after, after) when
    none is."""
    line_start = data.rfind(b"\n", 0, key_at) + 1
    indent = len(data[line_start:key_at]) - len(data[line_start:key_at].lstrip(b" "))
    start = end = data.find(b"\n", after)
    if start < 0:
        return after, after
    at, first = start + 1, -1
    while at < len(data):
        nl = data.find(b"\n", at)
        line = data[at : nl if nl >= 0 else len(data)].rstrip(b"\r")
        if line.strip():
            if len(line) - len(line.lstrip(b" ")) <= indent:
                break
            if first < 0:
                first = at + len(line) - len(line.lstrip(b" "))
            end = at + len(line)
        if nl < 0:
            break
        at = nl + 1
    return (first, end) if first >= 0 else (after, after)


def _may_hold_assignment(data: bytes) -> bool:
    # (a few memchr-fast passes: most SSE bodies hold none of them)
    return b"=" in data or b": " in data or b":\t" in data or b":\\t" in data \
        or b":\n" in data or b":\r" in data or b"machine" in data


@dataclass(frozen=True)
class _NameKind:
    """A kind of name a field needle hit may be in, and what becomes of its value: both
    `_named_fields` (the pass over a body) and StreamScan (which tells, as the body streams,
    whether the pass may change it) go through `_NAME_KINDS`."""

    label: str  # (a finding's reason: `<place> <label> <name>`)
    # The `_Finder` lookup, unbound: (finder, data, needle index, at, final) -> a tuple whose
    # last item is the name, or None.
    locate: Callable[..., tuple | None]
    key: int  # (the item of the lookup's tuple that tells names apart: `_distinct_names`)
    secret: Callable[[RedactionConfig, str], bool]  # (the rule that says a name is a secret's)
    # (data, the lookup's tuple) -> the value's (start, end, text) to redact, if any.
    values: Callable[[bytes, Any], Iterator[tuple[int, int, str]]]
    # Whether `data` may hold one at all (None: look for each hit).
    present: Callable[[bytes], bool] | None = None
    # For StreamScan: whether a secret name's value makes the body change, else None: the name
    # alone does (as long as that is told, raises `_Wait` when `final` is False).
    stream_value: Callable[[bytes, Any, bool], bool] | None = None
    # Whether a urlencoded form's body is read for it too (a `.env` line or a connection
    # string's pair would run over the form's `&` into the fields after it).
    in_forms: bool = True


_NAME_KINDS = (
    # A JSON field, by the JSON field rule.
    _NameKind("field", _Finder.field_at, 1, lambda config, name: config.secret_field(
        name, json=True), _json_values),
    # An XML element (`<SecretAccessKey>...</SecretAccessKey>`, STS): the name's local part goes
    # through the JSON field rule.
    _NameKind("element", _Finder.xml_at, 0, lambda config, name: config.secret_field(
        name.rpartition(":")[2], json=True), _xml_value),
    # A query parameter of a URL (`secret_query`: `sig=`, `X-Amz-Security-Token=`).
    _NameKind("URL query parameter", _Finder.query_at, 0, RedactionConfig.secret_query,
              _query_value, stream_value=_query_value_follows),
    # A `.env` or shell assignment (`DB_PASSWORD=...`), by the JSON field rule.
    _NameKind("line", _Finder.env_at, 0, lambda config, name: config.secret_field(
        name, json=True), _env_value, present=_may_hold_assignment, in_forms=False),
    # An upper-case variable assigned after a command on its line (`ENV API_TOKEN=...`).
    _NameKind("assignment", _assignment_at, 0, lambda config, name: config.secret_field(
        name, json=True), _assignment_value, present=lambda data: b"=" in data),
    # A single-quoted mapping key or a keyword argument (`'password': '...'`, `api_key='...'`).
    _NameKind("code", _code_at, 0, lambda config, name: config.secret_field(
        name, json=True), _code_value, present=lambda data: b"'" in data or b"=" in data),
    # A connection string's pair (`...;Password=...;`), by the JSON field rule.
    _NameKind("connection string part", _pair_at, 0, lambda config, name: config.secret_field(
        name, json=True), _pair_value, present=lambda data: b";" in data, in_forms=False),
)


_FORM_NAME_KINDS = tuple(k for k in _NAME_KINDS if k.in_forms)


# A value named as a credential that holds none: what docs and generated code write in its
# place. A reference to where the secret is kept (`${{ secrets.GITHUB_TOKEN }}`, `$OPENAI_API_KEY`,
# `${DB_PASSWORD}`, `%API_KEY%`, `{{ .Values.apiKey }}`, `process.env.OPENAI_API_KEY`,
# `os.getenv("OPENAI_API_KEY")`, `os.environ["..."]`, `getpass.getpass()`), or a stand-in
# (`<your-api-key>`, `YOUR_API_KEY`, `your-key-here`, `sk-...`, `xxxxxxxx`, `****`). Kept, so a
# recorded answer still says what the model wrote; a default beside a reference
# (`${KEY:-value}`, `os.getenv("KEY", "value")`) may be real and is not one.
_ENV_NAME = r"""(?:(['"])[A-Za-z_][A-Za-z0-9_.-]*\1|[A-Za-z_][A-Za-z0-9_]*)"""
_PLACEHOLDER = re.compile(
    r"\$\{\{[^{}\n]*\}\}|\{\{[^{}\n]*\}\}"
    # (`$NAME`: words and `_`, digits only at a word's end, `$S3_SECRET_KEY`: `$K9QW2ZP7`
    # may be a password)
    r"|\$(?:env:)?_?[A-Z]+[0-9]*(?:_[A-Z]+[0-9]*)*_?[0-9]*"
    r"|\$\{(?:env:)?[A-Za-z_][A-Za-z0-9_]*\}|%[A-Za-z_][A-Za-z0-9_]*%"
    r"|(?:process\.env|import\.meta\.env)\.[A-Za-z_][A-Za-z0-9_]*"
    r"|(?:process\.env|os\.environ|ENV)\[\s*" + _ENV_NAME + r"\s*\]"
    r"|(?:os\.(?:getenv|environ\.get)|getenv|env|ENV\.fetch|System\.getenv|Deno\.env\.get"
    r"|Environment\.GetEnvironmentVariable|userdata\.get)\(\s*" + _ENV_NAME.replace("\\1", "\\2")
    + r"\s*\)"
    r"|getpass(?:\.getpass)?\(\)"
    r"|<[A-Za-z][A-Za-z0-9 _.-]{0,62}>"
    r"|(?:your|YOUR|Your)(?:[-_ ][A-Za-z]+)+|(?:your|Your)(?:[A-Z][a-z]+)+"
    r"|[A-Za-z0-9_-]{0,16}(?:\.\.\.|\u2026)[A-Za-z0-9_-]{0,8}"
    r"|(?:sk-(?:[a-z]{2,8}-)?)?(?:x{8,}|X{8,}|\*{3,}|\u2022{3,})"
)


# A stand-in's words: letters, digits only at a word's end (`<api-key-2>`, `${S3_BUCKET}`,
# `.Values.apiKey`), as `$NAME`'s: a name with digits inside a word (`${K9QW2ZP7xq}`,
# `<Zq8hunter2Secret77>`, `Zq8hunter2Secret...`) may be a real password in those marks.
_STAND_IN_WORD = re.compile(r"[A-Za-z]*[0-9]*")
_WORD = re.compile(r"[A-Za-z0-9]+")
# A name looked up by path or call (`secrets.K8S_TOKEN`, `.Values.k8sToken`, `getenv("E2E_X")`,
# `ENV['K8S_TOKEN']`): where a secret is kept, never one, whatever its words (not the words of
# an ellipsis, `Zq8...hunter2`).
# (After a word or a template's start, `.Values`: `{{ Zq8.K9QW2ZP7xq }}` looks nothing up.)
_LOOKED_UP = re.compile(
    r"""(?:(?<=[A-Za-z\s{])\.(?!\.)|(?<=[A-Za-z])[\[(]\s*['"`]?)[A-Za-z_][A-Za-z0-9_]*""")


# A quoted literal in a template names where the secret is (`{{ env "API_KEY" }}`, Ansible's
# `{{ lookup('env', 'API_KEY') }}`, `${{ secrets['API_KEY'] }}`); any other is a default,
# `{{ .Values.pw | default "..." }}`, `${{ secrets.X || '...' }}`, which may be real.
_QUOTED = re.compile(r"""(['"`])(.*?)\1""")
_QUOTED_NAME = re.compile(r"[A-Z][A-Z0-9_]*|env")
# What a default follows, whatever its case (`| default "PROD_PASS_2024"`, `default('...')`,
# `|| '...'`, `?? "..."`, `or "..."`): a name there is no env name but the value itself.
_DEFAULT_BEFORE = re.compile(r"(?:\bdefault\s*\(?|\|\||\?\?|\bor)\s*\Z")


def _looked_up_out(value: str) -> str:
    """`value` without the names it looks up (`_LOOKED_UP`; in a template, its quoted names
    too: `{{ env "K8S_TOKEN" }}`), whose words need not look like words. (A stand-in, `<...>`
    or cut with an ellipsis, looks nothing up: `<Zq8.K9QW2ZP7xq>` may be a password.)"""
    if value.startswith("<") or "..." in value or "\u2026" in value:
        return value
    if "{{" in value:
        value = _QUOTED.sub(lambda m: "" if _QUOTED_NAME.fullmatch(m[2]) else m[0], value)
    return _LOOKED_UP.sub("", value)


def is_placeholder(value: str) -> bool:
    """Whether a value named as a credential is a reference or a stand-in (`_PLACEHOLDER`;
    a `,` or `;` after it ends a line of code): its words look like words (`_STAND_IN_WORD`),
    a template's quoted literals are names (`_QUOTED_NAME`)."""
    value = value.strip().rstrip(",;")
    if _PLACEHOLDER.fullmatch(value) is None or not all(
            _STAND_IN_WORD.fullmatch(w) for w in _WORD.findall(_looked_up_out(value))):
        return False
    return "{{" not in value or all(
        _QUOTED_NAME.fullmatch(m[2]) and _DEFAULT_BEFORE.search(value, 0, m.start()) is None
        for m in _QUOTED.finditer(value))


def _named_fields(
    data: bytes,
    hits: list[tuple[int, int]],
    finder: _Finder,
    config: RedactionConfig,
    place: str,
    values: dict[str, str],
    kinds: tuple[_NameKind, ...] = _NAME_KINDS,
) -> list[Span]:
    """Values named as credentials where a field needle hit is in a name: a JSON field, an XML
    element, a query parameter of a URL, a `.env` or shell assignment (`kinds`, `_NAME_KINDS`
    in that order); each value's text goes to `values` (first name kept) too."""
    # (Each hit costs a bounded look around it: cheaper than a search of a large body for
    # `</` or `=` first.)
    spans: list[Span] = []
    for kind in kinds:
        if kind.present is not None and not kind.present(data):
            continue
        # A name inside the last value found goes with it: a value may run to the end of a
        # run of URLs (`?token=https://...?token=...`), and each name after it would take the
        # rest of the run again, O(n^2) (400 KB: 30 s).
        covered = -1
        for where in _distinct_names(data, hits, finder, kind.locate, kind.key):
            name = where[-1]
            if where[0] < covered or not kind.secret(config, name):
                continue
            what = f"{place} {kind.label} {name}"
            for vs, ve, text in kind.values(data, where):
                if is_placeholder(text):
                    continue
                spans.append((vs, ve, ("name", what)))
                values.setdefault(text, what)
                covered = max(covered, ve)
    return spans


def _field_values(data: bytes, at: int, depth: int) -> list[tuple[int, int]]:
    """Where the string value(s) of the JSON field whose name's closing quote is before `at`
    are, between their quotes: one string, or each string of an array of them (`"api_keys":
    ["k1", "k2"]`, at depth 0 or 1); none for another value or an empty string. `depth`: as
    `_Finder.field_at` says."""
    m = (_AFTER_KEY, _AFTER_ESCAPED_KEY, *_AFTER_DEEP_KEY)[depth].match(data, at)
    if m is not None:
        return [m.span(1)] if m.end(1) > m.start(1) else []
    if depth > 1:
        return []
    escaped = depth == 1
    m = (_ESCAPED_ARRAY if escaped else _ARRAY).match(data, at)
    if m is None:
        return []
    item = _ESCAPED_ITEM if escaped else _ITEM
    spans, pos = [], m.end()
    while (m := item.match(data, pos)) is not None:
        if m.end(1) > m.start(1):
            spans.append(m.span(1))
        pos = m.end()
        if m.group(2) != b",":
            break
    return spans


def _encoded_shape(raw: str | bytes, finder: _Finder | None) -> str | None:
    """The shape a percent-encoded form or query value holds once decoded (`1%2F%2F0...`,
    `Bearer+...`), else None: the encoding hides it from the scan of the raw text."""
    if finder is None:
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if "%" not in text and "+" not in text:
        return None
    decoded = unquote_plus(text).encode("utf-8", "surrogateescape")
    found = finder.shape_spans(decoded)
    return found[0][2][1] if found else None


def _encoded_named(raw: str | bytes, config: RedactionConfig) -> list[str]:
    """The values named as credentials in a percent-encoded form or query value once decoded:
    JSON in a form field (`payload={"password": ...}`), a URL in a query parameter (`?next=`
    holding `access_token=`), GraphQL's `variables=`. The encoding hides their names from
    every name rule; the caller masks the whole value, and these join the echo search."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if "%" not in text and "+" not in text:
        return []
    decoded = unquote_plus(text)
    lowered = decoded.lower()
    if not any(stem in lowered for stem in CREDENTIAL_STEMS):
        return []
    return _text_secrets(decoded, config)


def _text_exchange(data: bytes) -> Interaction:
    """An exchange whose request body is `data`, as text: a text read as a text body is."""
    from .cassette import Interaction, Request, Response

    return Interaction(0, Request(method="POST", url="http://text/", body=data,
                                  headers={"Content-Type": ["text/plain"]}), Response())


def _text_secrets(text: str, config: RedactionConfig) -> list[str]:
    """The secrets a text holds, read as a text body is (values under credential names, key
    shapes): a decoded form value, a UTF-16 file part."""
    data = text.encode("utf-8", "surrogateescape")
    p = _Pass(config, None)
    _named_values(_text_exchange(data), p, None)
    found = [v for v in p.values if v and not is_redacted(v)]
    found += [data[a:z].decode("utf-8", "replace") for a, z, _ in p.finder.shape_spans(data)]
    return found


def _utf16(raw: bytes) -> tuple[str, str, int] | None:
    """(`raw` as text, its codec without BOM, the BOM's length) when it is UTF-16 (a BOM, or
    ASCII with a NUL after each byte: what Windows PowerShell 5.1 writes by default), else
    None."""
    if raw[:2] == b"\xff\xfe":
        codec, bom = "utf-16-le", 2
    elif raw[:2] == b"\xfe\xff":
        codec, bom = "utf-16-be", 2
    elif len(raw) >= 8 and raw[1:16:2] == b"\0" * len(raw[1:16:2]) and b"\0" not in raw[0:16:2]:
        codec, bom = "utf-16-le", 0
    else:
        return None
    try:
        return raw[bom:].decode(codec), codec, bom
    except UnicodeDecodeError:
        return None


def _utf16_text(raw: bytes) -> str | None:
    """`raw` as text when it is UTF-16 (`_utf16`), else None."""
    found = _utf16(raw)
    return found[0] if found is not None else None


def _utf16_spans(data: bytes, place: str, config: RedactionConfig, values: dict[str, str]
                 ) -> list[Span]:
    """A UTF-16 text body's secrets (`_text_secrets` of its text), as spans of its bytes:
    `_rewrite` puts the marker there encoded as the body is, so it stays UTF-16 text."""
    found = _utf16(data)
    if found is None:
        return []
    text, codec, bom = found
    spans: list[Span] = []
    what = f"{place} (UTF-16 text)"
    for v in dict.fromkeys(_text_secrets(text, config)):  # (each value once: it is searched)
        values.setdefault(v, what)
        size = len(v.encode(codec))
        i, last, at = text.find(v), 0, bom  # (byte offsets counted on, not from the start)
        while i >= 0:
            at += len(text[last:i].encode(codec))
            spans.append((at, at + size, ("name", what)))
            last, at = i + len(v), at + size
            i = text.find(v, last)
    return spans


def _form_spans(
    data: bytes,
    secret: Callable[[str], bool],
    place: str,
    values: dict[str, str],
    finder: _Finder | None = None,
    config: RedactionConfig | None = None,
) -> list[Span]:
    """`a=1&password=x` -> the span of `x` (names decoded, case-insensitive); a value that holds
    a key shape once decoded is masked whole."""
    spans: list[Span] = []
    pos = 0
    for part in data.split(b"&"):
        name, eq, value = part.partition(b"=")
        vstart = pos + len(name) + 1
        pos += len(part) + 1
        if not eq or not value:
            continue
        text_name = unquote_plus(name.decode("utf-8", "replace"))
        text_value = unquote_plus(value.decode("utf-8", "replace"))
        if is_redacted(text_value):
            continue
        if not secret(text_name):
            shape = _encoded_shape(value, finder)
            if shape is not None:
                spans.append((vstart, vstart + len(value), ("shape", shape)))
                values.setdefault(text_value, f"{place} field {text_name}")  # echoed encoded
                continue
            inner = _encoded_named(value, config) if config is not None else []
            if inner:
                spans.append((vstart, vstart + len(value), ("name", f"{place} field {text_name}")))
                for v in inner:
                    values.setdefault(v, f"{place} field {text_name}")
            continue
        spans.append((vstart, vstart + len(value), ("name", f"{place} field {text_name}")))
        values.setdefault(text_value, f"{place} field {text_name}")
    return spans


_BOUNDARY = re.compile(r'boundary="?([^";,]+)"?', re.IGNORECASE)
# A part's field name (RFC 7578 section 4.2): quoted, or as lenient parsers also take it a bare
# token, or RFC 5987's `name*=utf-8''api%5Fkey`.
_PART_NAME = re.compile(rb'(?<![\w*-])name(\*?)\s*=\s*(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)
_PART_BREAK = re.compile(rb"\r?\n")


def _part_name(head: bytes) -> str | None:
    m = _PART_NAME.search(head)
    if m is None:
        return None
    raw = (m.group(2) if m.group(2) is not None else m.group(3)).decode("utf-8", "replace")
    if m.group(1):  # (charset'language'percent-encoded)
        raw = unquote_plus(raw.split("'", 2)[-1].replace("+", "%2B"))
    return raw


def _multipart_spans(
    data: bytes, boundary: str, config: RedactionConfig, place: str, values: dict[str, str]
) -> list[Span]:
    """Parts of multipart/form-data whose field name is a credential (a file part too: its
    content is what the name says). Line breaks may be CRLF or, as lenient servers take them,
    LF."""
    spans: list[Span] = []
    delim = b"--" + boundary.encode("latin-1", "replace")
    pos = data.find(delim)
    while pos >= 0:
        head_start = pos + len(delim)
        nxt = data.find(b"\n" + delim, head_start)
        if nxt < 0:
            break
        end = nxt - 1 if data[nxt - 1 : nxt] == b"\r" else nxt  # (the break before is not its)
        head_end = _HEAD_END.search(data, head_start, end)
        if head_end is not None:
            name = _part_name(data[head_start : head_end.start()])
            vs, ve = head_end.end(), end
            value = data[vs:ve].decode("utf-8", "replace")
            if name is not None and ve > vs and config.secret_field(name) \
                    and not is_redacted(value):
                spans.append((vs, ve, ("name", f"{place} field {name}")))
                values.setdefault(value, f"{place} field {name}")
            elif ve > vs and (text := _utf16_text(data[vs:ve])) is not None:
                # A UTF-16 file part (a .env saved by Windows PowerShell 5.1): no scan of the
                # bytes reads it. A secret in it masks the whole part.
                inner = _text_secrets(text, config)
                if inner:
                    spans.append((vs, ve, ("name", f"{place} part {name or '?'} (UTF-16 text "
                                                   f"holding a secret)")))
                    for v in inner:
                        values.setdefault(v, f"{place} part {name or '?'}")
        pos = nxt + 1
    return spans


_HEAD_END = re.compile(rb"\r?\n\r?\n")


# A curl command's credentials (an agent's bash tool call, a README pasted into a chat): a
# `-H 'Name: value'` header (single quotes: a double-quoted one is a `.env`-style line to the
# assignment rule) and `-u user:password`.
_CURL_HEADER = re.compile(
    rb"""(?:-H|--header)[ \t]+'([A-Za-z0-9!#$%&*+.^_`|~-]+):[ \t]*([^'\r\n]*)'""")
_CURL_USER = re.compile(rb"""(?:-u|--user)(?:[ \t]+|=)['"]?[^:\s'"\\]*:([^\s'"\\]+)""")


def _curl_spans(data: bytes, config: RedactionConfig, place: str, values: dict[str, str]
                ) -> list[Span]:
    spans: list[Span] = []
    for m in _CURL_HEADER.finditer(data):
        name = m.group(1).decode("ascii", "replace")
        if config.secret_header(name, response=False):
            vs = _value_span(name, data, m.start(2), m.end(2))
            text = data[vs:m.end(2)].decode("utf-8", "replace")
            if m.end(2) > vs and not is_redacted(text) and not is_placeholder(text):
                spans.append((vs, m.end(2), ("name", f"{place} curl header {name}")))
                values.setdefault(text, f"{place} curl header {name}")
    for m in _CURL_USER.finditer(data):
        text = m.group(1).decode("utf-8", "replace")
        if not is_redacted(text) and not is_placeholder(text):
            spans.append((m.start(1), m.end(1), ("name", f"{place} curl password")))
            values.setdefault(text, f"{place} curl password")
    return spans


def _body_name_spans(
    data: bytes,
    headers: Headers,
    hits: list[tuple[int, int]],
    finder: _Finder,
    config: RedactionConfig,
    place: str,
    values: dict[str, str],
) -> list[Span]:
    ctype = first_header(headers, "content-type").lower()
    # (A urlencoded form's pairs are the form pass's: read as a `.env` line or a connection
    # string's pair, a credential first in the form took every field after it, `&` included.
    # Only a body an encoder wrote, though: one with a raw space, line break or `;` is text sent
    # with the form type, `curl -d @.env` or a connection string, its lines and pairs read too.)
    kinds = _FORM_NAME_KINDS if _FORM_TYPE in ctype and _NOT_ENCODED.search(data) is None \
        else _NAME_KINDS
    spans = _named_fields(data, hits, finder, config, place, values, kinds) if hits else []
    if b"curl" in data and len(data) < _PAIRS_MAX:  # (under what the stream scan decides)
        spans += _curl_spans(data, config, place, values)
    if b'"grant_type"' in data and len(data) < _PAIRS_MAX:
        _json_oauth_codes(data, place, values)
    if b"code=" in data and len(data) < _PAIRS_MAX and _FORM_TYPE not in ctype:
        spans += _url_oauth_code_spans(data, place, values)
    if len(data) < _PAIRS_MAX and b"\0" in data[:64]:
        # A UTF-16 text body (.NET's Encoding.Unicode, Windows PowerShell 5.1): no scan of the
        # bytes reads it.
        spans += _utf16_spans(data, place, config, values)
    if _FORM_TYPE in ctype:
        spans += _form_spans(data, with_oauth_code(config.secret_field, data), place, values,
                             finder, config)
    elif "multipart/" in ctype:
        m = _BOUNDARY.search(first_header(headers, "content-type"))
        if m:
            spans += _multipart_spans(data, m.group(1), config, place, values)
    return spans


# -- headers, URLs -------------------------------------------------------------------------------


def _header_secret_values(lower: str, value: str) -> list[str]:
    """The secret parts of a named header's value, for the echo search."""
    out = []
    m = _AUTH_SCHEME.match(value) if lower.endswith("authorization") else None
    out.append(value[m.end() :] if m else value)
    if "cookie" in lower:
        for part in value.split(";"):
            out.append(part.partition("=")[2].strip())
    return out


# Headers whose value is a URL (RFC 9110): their query parameters and password are redacted by
# name as the request URL's are. In any other header, the absolute URLs its value holds are
# (`Link: <...?sig=...>; rel="next"`, `Refresh: 0; url=...`, an API's own upload URL header):
# `_header_urls`.
_URL_HEADERS = frozenset({"location", "content-location", "referer"})


# Relative URLs in a header are found where the header's syntax puts one: a `Link` target
# (RFC 8288: `</v1/items?token=...>; rel="next"`), `Refresh`'s `url=`; a header named `*-url`,
# `*-uri` or `*-location` is one.
_HEADER_URL_SPOT = re.compile(r"""(?<=<)[^<>\s]*[?#][^<>\s]*(?=>)|(?i:(?<=url=))[^\s'"<>;,]+""")
_URL_NAME_ENDS = ("-url", "-uri", "-location")


def _header_urls(name: str, value: str, config: RedactionConfig, values: dict[str, str] | None,
                 changed: list[str] | None, finder: _Finder | None, place: str) -> str:
    """`value` of header `name` with the URLs in it redacted by `_url_named`."""
    lower = name.lower()
    if lower in _URL_HEADERS or lower.endswith(_URL_NAME_ENDS):
        return _url_named(value, config, values, changed, finder, place)
    if "://" not in value and "<" not in value and "url=" not in value.lower():
        return value

    def named(url: str) -> str:
        return _url_named(url, config, values, changed, finder, place)

    return _sub_urls(_HEADER_URL_SPOT.sub(lambda m: named(m.group(0)), value), named)


# Where a browser cannot set headers, WebSocket APIs take the key as a subprotocol (RFC 6455
# section 11.3.4: a comma-separated list): Deepgram's `token, <key>`, OpenAI's
# `openai-insecure-api-key.<key>`, Kubernetes' `base64url.bearer.authorization.k8s.io.<token>`.
_SUBPROTOCOL = "sec-websocket-protocol"


def _subprotocol_secrets(value: str) -> list[tuple[int, int]]:
    """Spans of `value` (a Sec-WebSocket-Protocol header) that hold a credential: an item after
    one the rule calls a credential name (`token`, `bearer`, `api-key`), and what follows the
    first `.` that ends such a name inside an item."""
    spans: list[tuple[int, int]] = []
    prev = ""
    at = 0
    for item in value.split(","):
        start = at + len(item) - len(item.lstrip())
        word = item.strip()
        end = start + len(word)
        at += len(item) + 1
        named = len(spans)
        holds = False  # (a `name.value` item: its value is its own, redacted or not)
        if word and not is_redacted(word):
            if prev and is_credential_name(prev):
                spans.append((start, end))
            else:
                dot = word.find(".")
                while dot > 0:
                    if is_credential_name(word[:dot]):
                        holds = True
                        if dot + 1 < len(word) and not is_redacted(word[dot + 1:]):
                            spans.append((start + dot + 1, end))
                        break
                    dot = word.find(".", dot + 1)
        # (a key names nothing after it; nor does an item that held its own value, such as
        # `openai-insecure-api-key.<REDACTED>` as recording writes it)
        prev = word if len(spans) == named and not holds else ""
    return spans


def _mask_header_value(lower_name: str, value: str) -> str:
    if not value or is_redacted(value):
        return value
    if lower_name.endswith("authorization"):
        m = _AUTH_SCHEME.match(value)
        if m:
            return f"{m.group(1)} {REDACTED}"
    return REDACTED


def redact_query_string(
    query: str, names: frozenset[str] | Callable[[str], bool], finder: _Finder | None = None
) -> str:
    """`a=1&key=secret` -> `a=1&key=<REDACTED>` for secret names (a set of lowercase names or a
    predicate), and values holding a key shape once decoded (with `finder`); the rest keeps its
    exact encoding. Empty values stay empty."""
    if not query:
        return query
    secret = names if callable(names) else (lambda n: n.lower() in names)
    parts = query.split("&")
    changed = False
    for i, part in enumerate(parts):
        name, eq, value = part.partition("=")
        if not eq or not value or is_redacted(unquote_plus(value)):
            continue
        if secret(unquote_plus(name)) or _encoded_shape(value, finder) is not None:
            parts[i] = f"{name}={REDACTED}"
            changed = True
    return "&".join(parts) if changed else query


_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:?#]*):([^/@?#]+)@")


# An OAuth 2.0 authorization code (RFC 6749 1.3.1: "a credential representing the resource
# owner's authorization") is named `code`, a word too common to be a credential name alone: it
# is one beside `state` (the redirect that delivers it, 4.1.2) or in a token request
# (`grant_type=authorization_code`, 4.1.3).
_OAUTH_CODE_CONTEXT = re.compile(r"(?:^|&)(?:state=|grant_type=authorization_code(?:&|$))")


# The same token request as JSON (Auth0's /oauth/token, GitHub and Atlassian accept it too).
_JSON_GRANT = re.compile(rb'"grant_type"\s*:\s*"authorization_code"')


def _json_oauth_codes(data: bytes, place: str, values: dict[str, str]) -> None:
    """The `code` of a JSON OAuth token request (RFC 6749 4.1.3 in a JSON body): of each object
    whose `grant_type` is `authorization_code`, its own string `code` (a code tool's `code`
    elsewhere in the body is a program) goes to `values`: the echo search masks it wherever
    it is, escaped or not."""
    if _JSON_GRANT.search(data) is None:
        return
    try:
        pending = [json.loads(data)]
    except (ValueError, RecursionError):
        return
    what = f"{place} field code"
    while pending:
        obj = pending.pop()
        if isinstance(obj, list):
            pending.extend(obj)
        elif isinstance(obj, dict):
            code = obj.get("code")
            if obj.get("grant_type") == "authorization_code" and isinstance(code, str) \
                    and code and not is_redacted(code):
                values.setdefault(code, what)
            pending.extend(v for v in obj.values() if isinstance(v, dict | list))


# A `code` parameter of a URL in a body; what ends that URL's query or fragment; what makes it an
# OAuth redirect or token request there (`_OAUTH_CODE_CONTEXT`'s, as bytes after `?#&`).
_URL_CODE = re.compile(rb"[?#&]code=")
_URL_QUERY_END = re.compile(rb"""[\s"'<>\\]""")
_URL_OAUTH_CONTEXT = re.compile(
    rb"[?#&](?:state=|grant_type=authorization_code(?=[&#\s\"'<>\\]|\Z))")
_URL_QUERY_SPAN = 4096  # bytes a query is looked at around a `code=` (a longer one is not read)


def _url_oauth_code_spans(data: bytes, place: str, values: dict[str, str]) -> list[Span]:
    """The `code` of an OAuth redirect or token request written as a URL in a body (`...cb?
    code=...&state=...`, a login redirect pasted into a chat), as spans: the URL's query or
    fragment decides, as with_oauth_code does for the request's own (no needle finds `code`:
    the word is too common to be a credential name alone). Linear: each query is read once."""
    context = [m.start() for m in _URL_OAUTH_CONTEXT.finditer(data)]
    if not context:
        return []
    spans: list[Span] = []
    what = f"{place} URL query parameter code"
    skip_to = -1  # (the end of a query found to be no OAuth one: its other `code=` too)
    for m in _URL_CODE.finditer(data):
        if m.start() < skip_to:
            continue
        lo = max(0, m.start() - _URL_QUERY_SPAN)
        start = max(data.rfind(b"?", lo, m.start() + 1), data.rfind(b"#", lo, m.start() + 1))
        hi = min(len(data), m.end() + _URL_QUERY_SPAN)
        stop = _URL_QUERY_END.search(data, m.end(), hi)
        end = stop.start() if stop is not None else hi
        i = bisect_left(context, max(start, 0))
        if i == len(context) or context[i] >= end:
            skip_to = end
            continue
        vs = m.end()
        ve = _QUERY_VALUE.match(data, vs, end).end()
        text = unquote_plus(data[vs:ve].decode("utf-8", "replace"))
        if text and not is_redacted(text):
            spans.append((vs, ve, ("name", what)))
            values.setdefault(text, what)
    return spans


def with_oauth_code(secret: Callable[[str], bool], pairs: str | bytes
                    ) -> Callable[[str], bool]:
    """`secret`, or (when the query or form `pairs` is an OAuth redirect or token request)
    `secret` that also takes `code`."""
    text = pairs.decode("latin-1") if isinstance(pairs, bytes | bytearray) else pairs
    if "code=" not in text or _OAUTH_CODE_CONTEXT.search(text) is None:
        return secret
    return lambda name: name.lower() == "code" or secret(name)


def _form_secret(config: RedactionConfig, form: dict[str, list[str]] | None
                 ) -> Callable[[str], bool]:
    """config.secret_field for a request's recorded `form` (with_oauth_code's `code` too)."""
    pairs = "&".join(f"{k}={v}" for k, vs in (form or {}).items() for v in vs)
    return with_oauth_code(config.secret_field, pairs)


def _named_params(query: str, kind: str, config: RedactionConfig,
                  values: dict[str, str] | None, changed: list[str] | None,
                  finder: _Finder | None, place: str) -> str:
    """`query` (a URL's query, or a fragment in its form) with named parameters' values and
    key shapes masked; as `_url_named` says of them."""
    secret = with_oauth_code(config.secret_query, query)
    encoded: set[str] = set()  # (names whose encoded value names a credential inside)
    for part in query.split("&"):
        name, _, value = part.partition("=")
        name = unquote_plus(name)
        if value and not secret(name) and not is_redacted(unquote_plus(value)):
            inner = _encoded_named(value, config)
            if inner:
                encoded.add(name)
                for v in inner:
                    if values is not None:
                        values.setdefault(v, f"{place} {kind} {name}")
        if value and (secret(name) or name in encoded) and not is_redacted(unquote_plus(value)):
            if values is not None:
                values.setdefault(unquote_plus(value), f"{place} {kind} {name}")
            if changed is not None:
                changed.append(f"{kind} {name}")
        elif value and not is_redacted(unquote_plus(value)):
            shape = _encoded_shape(value, finder)
            if shape is not None and changed is not None:
                changed.append(f"{kind} {name} holds {shape}")
            if shape is not None and values is not None:
                values.setdefault(unquote_plus(value), f"{place} {kind} {name}")
    if encoded:
        secret = (lambda base: lambda n: base(n) or n in encoded)(secret)
    return redact_query_string(query, secret, finder)


def _url_named(
    url: str,
    config: RedactionConfig,
    values: dict[str, str] | None = None,
    changed: list[str] | None = None,
    finder: _Finder | None = None,
    place: str = "request URL",
) -> str:
    """Named query (and query-form fragment) parameters and a URL password masked; their
    values go to `values` (named after `place`), the names of what changed to `changed`."""
    base, hash_, fragment = url.partition("#")
    path, question, query = base.partition("?")
    m = _USERINFO.match(path)
    if m and not is_redacted(unquote_plus(m.group(2))):
        if values is not None:
            values.setdefault(unquote_plus(m.group(2)), f"{place} password")
        if changed is not None:
            changed.append("password")
        path = f"{m.group(1)}:{REDACTED}@{path[m.end():]}"
    if question:
        query = _named_params(query, "query parameter", config, values, changed, finder, place)
        base = f"{path}?{query}"
    else:
        base = path
    if "=" in fragment:
        # A fragment in query form carries credentials too: OAuth 2.0's implicit grant
        # (RFC 6749 4.2.2: #access_token=...&token_type=...), Supabase's magic links.
        fragment = _named_params(fragment, "fragment parameter", config, values, changed,
                                 finder, place)
    return base + hash_ + fragment


# -- one pass over an interaction ------------------------------------------------------------------


@dataclass
class _Report:
    """What a pass changed: (place, reason) in order, without repeats."""

    findings: dict[tuple[str, Reason], None] = field(default_factory=dict)
    # Bodies searched as stored because they decode to too much (decoders.TooLarge): place ->
    # why. Secrets in them may have been missed.
    undecoded: dict[str, str] = field(default_factory=dict)

    def add(self, place: str, spans: Iterable[Span]) -> None:
        for _, _, why in spans:
            if why[0] != JOINED:  # (its secret's first piece is reported)
                self.findings.setdefault((place, why), None)


def _scrub_bytes(
    data: bytes, finder: _Finder, echoes: _Echoes | None, extra: list[Span] = ()
) -> tuple[bytes, list[Span], list[Span]]:
    """(new data, merged spans, raw spans) for shapes + echoes + `extra` spans."""
    raw = [*extra, *finder.shape_spans(data)]
    if echoes is not None:
        raw += echoes.spans(data)
    if not raw:
        return data, [], []
    merged = _merge(raw)
    return _replace_spans(data, merged), merged, raw


def _utf8(text: str) -> tuple[bytes, str]:
    """(bytes, error handler that decodes them back to `text`).

    Text from bytes that were not UTF-8 holds surrogateescape's U+DC80-U+DCFF; text from a JSON
    string may hold any lone surrogate (`"\\ud800"` is valid JSON: a client cut a string
    mid-emoji), which surrogateescape cannot encode: those take surrogatepass, which round-trips
    every surrogate (key shapes are ASCII, so matching them is unaffected)."""
    try:
        return text.encode("utf-8", "surrogateescape"), "surrogateescape"
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass"), "surrogatepass"


def _scrub_str(text: str, finder: _Finder, echoes: _Echoes | None) -> tuple[str, list[Span]]:
    if not text:
        return text, []
    data, errors = _utf8(text)
    new, merged, _ = _scrub_bytes(data, finder, echoes)
    return (new.decode("utf-8", errors) if merged else text), merged


class _Pass:
    def __init__(self, config: RedactionConfig, report: _Report | None) -> None:
        self.config = config
        self.finder = _finder(config.patterns, config.fields)
        self.report = report
        self.values: dict[str, str] = {}  # named secret value -> where it was named

    def note(self, place: str, spans: Iterable[Span]) -> None:
        if self.report is not None:
            self.report.add(place, spans)

    def collect_headers(self, headers: Headers | None, kind: str, response: bool) -> None:
        for name, values in (headers or {}).items():
            if name.lower() == _SUBPROTOCOL and name.lower() not in self.config._kept:
                for v in values:
                    for s, e in _subprotocol_secrets(v):
                        # (and what ends a dotted one: `authorization.k8s.io.<token>`)
                        for part in {v[s:e], v[s:e].rpartition(".")[2]} - {""}:
                            self.values.setdefault(part, f"{kind} {name}")
            elif not self.config.secret_header(name, response=response):
                for v in values:
                    _header_urls(name, v, self.config, self.values, None, self.finder,
                                 f"{kind} {name}")
            else:
                for v in values:
                    if v and not is_redacted(v):
                        for part in _header_secret_values(name.lower(), v):
                            self.values.setdefault(part.strip(), f"{kind} {name}")

    def headers(self, headers: Headers, kind: str, response: bool, echoes: _Echoes) -> Headers:
        out: Headers = {}
        for name, values in headers.items():
            place = f"{kind} {name}"
            if self.config.secret_header(name, response=response):
                new = [_mask_header_value(name.lower(), v) for v in values]
                if new != values:
                    self.note(place, [(0, 0, ("name", place))])
                out[name] = new
            else:
                scrubbed = []
                for v in values:
                    if name.lower() == _SUBPROTOCOL and name.lower() not in self.config._kept:
                        named = _subprotocol_secrets(v)
                        if named:
                            self.note(place, [(0, 0, ("name", place))])
                        for start, end in reversed(named):
                            v = v[:start] + REDACTED + v[end:]
                    changed: list[str] = []
                    v = _header_urls(name, v, self.config, None, changed, self.finder, place)
                    for what in changed:
                        self.note(place, [(0, 0, ("name", f"{place} {what}"))])
                    s, spans = _scrub_str(v, self.finder, echoes)
                    self.note(place, spans)
                    scrubbed.append(s)
                out[name] = scrubbed
        return out

    def url(self, url: str, place: str, echoes: _Echoes) -> str:
        changed: list[str] = []
        named = _url_named(url, self.config, None, changed, self.finder)
        for what in changed:
            param, holds, shape = what.partition(" holds ")
            if holds:  # a key shape hidden by percent-encoding
                self.note(f"{place} {param}", [(0, 0, ("shape", shape))])
            else:
                self.note(place, [(0, 0, ("name", f"{place} {what}"))])
        new, spans = _scrub_str(named, self.finder, echoes)
        self.note(place, spans)
        return new


    def collect_payload(self, data: str | bytes, place: str) -> None:
        """Values a WebSocket message or close reason names (JSON fields, XML elements, query
        parameters) go to `values`, for the echo search."""
        raw = data if isinstance(data, bytes) else _utf8(data)[0]
        hits: list[tuple[int, int]] = []
        self.finder.shape_spans(raw, hits)
        if hits:
            _named_fields(raw, hits, self.finder, self.config, place, self.values)

    def payload(self, data: str | bytes, echoes: _Echoes, place: str,
                joined: list[Span] | None = None) -> str | bytes:
        """A WebSocket message or close reason: shapes, JSON fields, echoes, and `joined`: the
        spans `_ws_joined_spans` found for it."""
        raw, errors = (data, "") if isinstance(data, bytes) else _utf8(data)
        hits: list[tuple[int, int]] = []
        spans = self.finder.shape_spans(raw, hits)
        if hits:
            spans += _named_fields(raw, hits, self.finder, self.config, place, {})
        spans += echoes.spans(raw)
        if not spans and not joined:
            return data
        merged = _merge(spans)
        self.note(place, merged)
        if joined:
            self.note(place + JOINED_PLACE, joined)
            merged = _merge(spans + joined)
        new = _replace_spans(raw, merged)
        return new if isinstance(data, bytes) else new.decode("utf-8", errors)


def _named_value_ok(value: str) -> bool:
    """Whether a value found by name is hunted down elsewhere: long, or mixing letters with digits
    or symbols, so a Cookie's `consent=granted` does not scrub every "granted" of the answer."""
    if len(value) < _MIN_ECHOED or REDACTED in value:
        return False
    if len(value) >= 16:
        return True
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if has_digit and has_alpha:
        return True
    return len(value) >= 8 and not value.isalpha() and not value.isdigit()


def _redact_ws_session(raw: Any, scrub: Callable[[str | bytes], str | bytes]) -> Any:
    """WEBSOCKET_KEY's value (websocket.py's session shape) with `scrub` applied to every
    payload and close reason."""
    if not isinstance(raw, dict):
        return raw
    out = dict(raw)
    messages = raw.get("messages")
    if isinstance(messages, list):
        out["messages"] = [
            {**m, "data": scrub(m["data"])}
            if isinstance(m, dict) and isinstance(m.get("data"), str | bytes) else m
            for m in messages
        ]
    close = raw.get("close")
    if isinstance(close, dict) and isinstance(close.get("reason"), str):
        out["close"] = {**close, "reason": scrub(close["reason"])}
    return out


def _redact_interaction_in_place(
    i: Interaction, config: RedactionConfig, report: _Report | None = None,
    scan: StreamScan | None = None,
) -> None:
    p = _Pass(config, report)
    bodies = _named_values(i, p, scan)
    values = {v: w for v, w in p.values.items() if _named_value_ok(v)}
    echoes = _Echoes(values)
    _rewrite(i, p, echoes, bodies, scan)


def echo_variants(i: Interaction, config: RedactionConfig) -> list[bytes]:
    """The texts the echo search of `redact_interaction(i, config)` looks for (in order), for a
    StreamScan made before the response body is there."""
    p = _Pass(config, None)
    _named_values(i, p, None)
    return _Echoes({v: w for v, w in p.values.items() if _named_value_ok(v)}).variants


# JSON bodies up to this size are read for name/value pairs (smaller than a body the stream
# scan decides: what the pairs add, it cannot know).
_PAIRS_MAX = 1 << 20
_PAIR_NAMES = ("name", "key")
_YAML_PAIR = re.compile(
    rb"""(?m)^[ \t]*(?:-[ \t]+)?(?i:name|key):[ \t]*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?"""
    rb"""[ \t]*\r?\n[ \t]*(?i:value):[ \t]*([^\r\n]+)""")


def _name_value_pairs(data: bytes, config: RedactionConfig, kind: str,
                      values: dict[str, str]) -> None:
    """Secrets written as a name/value pair in JSON: `{"key": "DATABASE_PASSWORD", "value":
    "..."}` (Vercel's env API), `{"name": "DB_PASSWORD", "value": ...}` (a Kubernetes env
    list), `{"name": "Authorization", "value": ...}` (a HAR's headers): the value of an object
    whose `name` or `key` is a credential name joins `values`, masked wherever it is (the echo
    search). Also in a JSON string of the body: JSON (a tool call's `arguments`) or YAML (a
    manifest in a chat message)."""
    if b"alue:" in data:  # (YAML: `- name: DB_PASSWORD` then `  value: ...`, a manifest)
        for m in _YAML_PAIR.finditer(data):
            name = m.group(1).decode("utf-8", "replace")
            value = m.group(2).decode("utf-8", "replace").strip().strip("'\"")
            if value and not is_redacted(value) and config.secret_field(name, json=True):
                values.setdefault(value, f"{kind} pair {name}")
    if b"Value=" in data and b"=" in data[:256]:  # (an AWS query form's `...Key=`/`...Value=`)
        _form_pairs(data, config, kind, values)
    if data.lstrip()[:1] not in (b"{", b"["):
        return
    try:
        pending = [json.loads(data)]
    except (ValueError, RecursionError):
        return
    inner = 0  # JSON strings read as JSON (a tool call's `arguments`), a few at most
    while pending:
        obj = pending.pop()
        if isinstance(obj, str):
            if obj[:1] in ("{", "["):
                if inner < _INNER_JSON_MAX and "alue" in obj:
                    inner += 1
                    try:
                        pending.append(json.loads(obj))
                    except (ValueError, RecursionError):
                        pass
            elif "alue:" in obj:  # (a manifest in a chat message: its YAML pairs)
                _name_value_pairs(obj.encode("utf-8", "surrogatepass"), config, kind, values)
            continue
        if isinstance(obj, list):
            pending.extend(obj)
        elif isinstance(obj, dict):
            # (any case: AWS's JSON APIs write `Name`/`Value`, `Key`/`Value`: SSM PutParameter,
            # tags)
            keyed = {k.lower(): v for k, v in obj.items() if isinstance(k, str)}
            _pair_secrets(keyed, config, kind, values, headers=True)
            pending.extend(v for v in obj.values() if isinstance(v, dict | list | str))


_INNER_JSON_MAX = 64  # JSON strings a pair search parses as JSON, per body


def _pair_secrets(keyed: dict[str, Any], config: RedactionConfig, kind: str,
                  values: dict[str, str], headers: bool) -> None:
    """The pairs of one lower-cased object (or form): each `<prefix>value` string whose
    `<prefix>name` or `<prefix>key` is a credential name (`headers`: or a secret header's, a
    HAR entry) joins `values`. `value` (a Kubernetes env item), `parametervalue`
    (CloudFormation's ParameterKey / ParameterValue), `optionvalue`..."""
    for k, value in keyed.items():
        if not (k.endswith("value") and isinstance(value, str) and value
                and not is_redacted(value) and not is_placeholder(value)):
            continue
        for key in _PAIR_NAMES:
            name = keyed.get(k[:-5] + key)
            if isinstance(name, str) and name and (
                    config.secret_field(name, json=True)
                    or headers and config.secret_header(name, response=False)):
                values.setdefault(value, f"{kind} pair {name}")
                break


def _form_pairs(data: bytes, config: RedactionConfig, kind: str, values: dict[str, str]) -> None:
    """`_name_value_pairs` of an AWS query form: `Parameters.member.1.ParameterKey=DBPassword&
    Parameters.member.1.ParameterValue=...` (CloudFormation), `Tags.member.1.Key=...&...Value=`:
    fields whose names differ only in their last part's `Key`/`Name` and `Value`."""
    try:
        fields = dict(parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True))
    except ValueError:
        return
    _pair_secrets({k.lower(): v for k, v in fields.items()}, config, kind, values,
                  headers=False)


def _named_values(i: Interaction, p: _Pass, scan: StreamScan | None) -> list:
    """Steps 1 and 2 of a pass: values named anywhere go to `p.values`; each body with the
    spans of its shapes and named values."""
    config = p.config
    req, resp = i.request, i.response
    # 1. Values named in the small fields (headers, URL, form), for the echo search.
    p.collect_headers(req.headers, "request header", False)
    p.collect_headers(req.trailer, "request trailer", False)
    p.collect_headers(resp.headers, "response header", True)
    p.collect_headers(resp.trailer, "response trailer", True)
    _url_named(req.url, config, p.values, None, p.finder)
    form_secret = _form_secret(config, req.form)
    for name, values in (req.form or {}).items():
        if form_secret(name):
            for v in values:
                if v and not is_redacted(v):
                    p.values.setdefault(v, f"request form field {name}")
    # 2. Bodies: one needle scan each for shapes and field names; field values join the echoes.
    bodies = []
    for kind, msg in (("request body", req), ("response body", resp)):
        try:
            data, coded = _plain_body(msg)
        except decoders.TooLarge as e:  # (its bytes are searched as stored: said, not hidden)
            data, coded = msg.body_bytes, False
            if p.report is not None:
                p.report.undecoded[kind] = str(e)
        hits: list[tuple[int, int]] = []
        found = (scan.hits_for(p.finder, data) if scan is not None and msg is resp and not coded
                 else None)
        shapes = p.finder.shape_spans(data, hits, found) if data else []
        named = (
            _body_name_spans(data, msg.headers, hits, p.finder, config, kind, p.values)
            if data
            else []
        )
        if msg is req and data:  # (a request only: a response's needle scan runs as it streams)
            named += _base64_text_spans(data, p, kind)
        if data and len(data) < _PAIRS_MAX:
            _name_value_pairs(data, config, kind, p.values)
        bodies.append((kind, msg, data, shapes + named, coded))
    # 3. WebSocket messages: a value one names (an MCP tool's `authorization` in session.update)
    # is hunted down in the others (a user's text quoting it, the server's echo of the item).
    ws = resp.extra.get(WEBSOCKET_KEY)
    if isinstance(ws, dict) and isinstance(ws.get("messages"), list):
        for n, m in enumerate(ws["messages"], 1):
            if isinstance(m, dict) and isinstance(m.get("data"), str | bytes):
                p.collect_payload(m["data"], f"WebSocket message {n}")
    return bodies


# A base64 JSON string (or data URL: OpenAI's `file_data`) a request attaches a document as
# (Anthropic's `document` source, Gemini's `inlineData`): a text one may hold keys base64 hides.
# (Found by its start; its end is the next `"`, and the whole must be base64: a long regex run
# over a 50 MB image costs 20 times what the rest of the pass does.)
_B64_STRING = re.compile(rb'"(?:data:[a-z]+/[-+.\w]*;base64,)?[A-Za-z0-9+/]{32}')


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(data) - 3:  # (a prefix may end mid-character)
            return False
        text = data[: e.start].decode("utf-8")
    return not any(c < " " and c not in "\t\n\r" for c in text)


def _base64_text_spans(data: bytes, p: _Pass, kind: str) -> list[Span]:
    """Spans of `data` over what base64 text documents in it (JSON strings, see _B64_STRING,
    that decode to UTF-8 text) hold as secrets: key shapes, JSON fields, XML elements, query
    parameters and `.env` lines named as credentials, each widened to whole base64 quanta (3
    bytes: 4 characters), so the rest of the document stays as sent and the marker in it is a
    wildcard to the matcher. Images and other binary documents are told by their first 3 KiB."""
    if b'"' not in data:
        return []
    out: list[Span] = []
    pos = 0
    while (m := _B64_STRING.search(data, pos)) is not None:
        start = m.end() - 32
        end = data.find(b'"', start)
        if end < 0:
            break
        pos = end + 1
        if (end - start) % 4:
            continue
        try:
            if not _is_text(base64.b64decode(data[start : min(end, start + 4096)], validate=True)):
                continue
            text = base64.b64decode(data[start:end], validate=True)
        except ValueError:
            continue
        if not _is_text(text):
            continue
        place = f"{kind} base64 document"
        hits: list[tuple[int, int]] = []
        spans = p.finder.shape_spans(text, hits)
        spans += _named_fields(text, hits, p.finder, p.config, place, p.values)
        for s, e, why in _merge(spans):
            out.append((start + s // 3 * 4, end if e >= len(text) else start + -(-e // 3) * 4,
                        why))
    return out


XML_REDACTED_BYTES = html.escape(REDACTED).encode()  # `&lt;REDACTED&gt;`
_MARKUP_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*<[?!A-Za-z]")


def _is_markup(msg: Request | Response, data: bytes) -> bool:
    """Whether a body is XML or HTML (by its Content-Type, or its first character)."""
    ctype = first_header(msg.headers, "content-type").lower()
    if "xml" in ctype or "html" in ctype:
        return True
    return "json" not in ctype and _MARKUP_START.match(data) is not None


def _plain_body(msg: Request | Response) -> tuple[bytes, bool]:
    """(the body to scan, whether it is decoded): decoded per the Content-Encoding its headers
    still name (go-vcr stores a body as it was read: the gzip bytes when the client asked for
    them itself), or its readable start when it was cut short, else as it is (when nothing of
    it decodes: its bytes are scanned then).
    Raises decoders.TooLarge for one that decodes to more than decoders.MAX_DECODED (a bomb in
    a hostile cassette): the caller scans its bytes and says so."""
    data = msg.body_bytes
    coding = first_header(msg.headers, "content-encoding")
    if not data or not decoders.codings(coding):
        return data, False
    try:
        return decoders.decode(data, coding), True
    except decoders.TooLarge:
        raise
    except ValueError:
        pass
    # (Cut short: go-vcr's stored bytes of a cancelled stream. Its readable start is what a
    # client read, and what recording keeps, decoded: searched, and stored so if redacted.)
    try:
        prefix = decoders.decode_prefix(data, coding)
    except (decoders.TooLarge, ValueError):
        prefix = b""
    # (A readable start is text; bytes that only look encoded decode to noise: those are
    # scanned as they are.)
    return (prefix, True) if prefix and _is_text(prefix[:4096]) else (data, False)


def _store_decoded(msg: Request | Response, data: bytes) -> None:
    """Keep `data`, the redacted decoding of `msg`'s encoded body, as recording would have kept
    it (flows.response_to_model): no Content-Encoding nor Content-Length, `uncompressed: true`
    (like Go's transport after transparent gunzip); the encoded body's chunk timings go."""
    try:
        msg.body = data.decode("utf-8")
    except UnicodeDecodeError:
        msg.body = data
    msg.headers = {k: v for k, v in msg.headers.items()
                   if k.lower() not in ("content-encoding", "content-length")}
    msg.content_length = -1
    if isinstance(msg, Response):
        msg.uncompressed = True
        msg.extra.pop(CHUNKS_KEY, None)


# Extra keys of our own, redacted by their own rules (WebSocket sessions) or holding none
# (stream timings).
_MODELLED_EXTRAS = frozenset({WEBSOCKET_KEY, CHUNKS_KEY})


def _scrub_value(value: Any, p: _Pass, echoes: _Echoes, place: str) -> Any:
    """A kept value (text, or lists and mappings of it, as YAML gives them) with key shapes and
    echoes masked; what changed is noted at `place`."""
    if isinstance(value, str):
        new, spans = _scrub_str(value, p.finder, echoes)
        p.note(place, spans)
        return new
    if isinstance(value, list):
        return [_scrub_value(v, p, echoes, place) for v in value]
    if isinstance(value, dict):  # (a mapping's key names are its text too: `notes: {sk-...: x}`)
        return _scrub_mapping(value, p, echoes, place, lambda _: place)
    return value


def _scrub_mapping(value: dict[Any, Any], p: _Pass, echoes: _Echoes, names_place: str,
                   place: Callable[[Any], str]) -> dict[Any, Any]:
    """A kept mapping with its key names and values scrubbed (`_scrub_value`): a name's changes
    noted at `names_place`, a value's at `place(its masked name)`. Names masked alike (`{sk-a:
    x, sk-b: y}`) keep every entry, the later ones named `<REDACTED> (2)`, ..."""
    out: dict[Any, Any] = {}
    for k, v in value.items():
        masked = name = _scrub_value(k, p, echoes, names_place)
        n = 1
        while name in out:
            n += 1
            name = f"{masked} ({n})"
        out[name] = _scrub_value(v, p, echoes, place(name))
    return out


def renamed_keys(order: list[str] | None, old: dict[str, Any], new: dict[Any, Any]
             ) -> list[str] | None:
    """A loaded key order with the extra keys of `old` named as in `new` (`_scrub_mapping`'s,
    in the same order), so a renamed key keeps its place in the file."""
    if order is None:
        return None
    names = {k: str(n) for k, n in zip(old, new, strict=True)}
    return [names.get(k, k) for k in order]


def redact_extra(extra: dict[str, Any], config: RedactionConfig = DEFAULT_REDACTION
                 ) -> tuple[dict[str, Any], list[str]]:
    """A cassette's top-level keys the model does not know (`notes:`), key shapes masked, and
    a line per key that held one (as `find_secrets` says them)."""
    report = _Report()
    p = _Pass(config, report)
    echoes = _Echoes({})
    out = _scrub_mapping(extra, p, echoes, "top-level key name", lambda k: f"top-level key {k}")
    return out, [f"{place} holds {detail}" for place, (kind, detail) in report.findings]


def unkept_secrets(raw: bytes, kept: bytes, config: RedactionConfig = DEFAULT_REDACTION
                   ) -> list[str]:
    """Key shapes in a cassette file's text (`raw`) that its model does not hold (`kept`: the
    model written out): a YAML comment, which no field redaction visits and a rewrite drops.
    One line each: "line N holds <what>, outside every field (a comment)"."""
    finder = _finder(config.patterns, config.fields)
    held = {kept[s:e] for s, e, _ in finder.shape_spans(kept)}  # (one pass each, not one a key)
    out = []
    for s, e, (_, detail) in finder.shape_spans(raw):
        if raw[s:e] not in held:
            line = raw.count(b"\n", 0, s) + 1
            out.append(f"line {line} holds {detail}, outside every field (a comment)")
    return out


def _rewrite(i: Interaction, p: _Pass, echoes: _Echoes, bodies: list,
             scan: StreamScan | None) -> None:
    config = p.config
    req, resp = i.request, i.response
    # 3. Rewrite every field: names, shapes, echoes.
    req.headers = p.headers(req.headers, "request header", False, echoes)
    if req.trailer:
        req.trailer = p.headers(req.trailer, "request trailer", False, echoes)
    req.url = p.url(req.url, "request URL", echoes)
    if req.request_uri:
        req.request_uri = p.url(req.request_uri, "request URI", echoes)
    if req.form:
        form = {}
        form_secret = _form_secret(config, req.form)
        for raw_name, vals in req.form.items():
            # A name is text of the body too (a body that is no name=value pair is one field
            # named after all of it: `curl -d` of a prompt, or of JSON without a Content-Type).
            name, spans = _scrub_str(raw_name, p.finder, echoes)
            place = f"request form field {name}"
            p.note(f"request form field name {name if len(name) <= 60 else name[:57] + '...'}",
                   spans)
            if form_secret(raw_name):
                new = [REDACTED if v and not is_redacted(v) else v for v in vals]
                if new != vals:
                    p.note(place, [(0, 0, ("name", place))])
            else:
                new = []
                for v in vals:
                    s, spans = _scrub_str(v, p.finder, echoes)
                    p.note(place, spans)
                    new.append(s)
            form.setdefault(name, []).extend(new)  # (two names may now read the same)
        req.form = form
    resp.headers = p.headers(resp.headers, "response header", True, echoes)
    if resp.status:  # (a reason phrase is the upstream's to write: `401 Invalid key sk-...`)
        resp.status, spans = _scrub_str(resp.status, p.finder, echoes)
        p.note("response status", spans)
    if resp.trailer:
        resp.trailer = p.headers(resp.trailer, "response trailer", True, echoes)
    # Fields redaction otherwise never looks at: go-vcr's Host override, and keys the model does
    # not know (an interaction's `comment:` someone added), kept and written back.
    if req.host:
        req.host = _scrub_value(req.host, p, echoes, "request host")
    for where, obj in (("interaction", i), ("request", req), ("response", resp)):
        kept = {k: v for k, v in obj.extra.items() if k not in _MODELLED_EXTRAS}
        if kept:
            new = _scrub_mapping(kept, p, echoes, f"{where} key name",
                                 lambda k, where=where: f"{where} key {k}")
            obj.key_order = renamed_keys(obj.key_order, kept, new)
            names = dict(zip(kept, new, strict=True))
            obj.extra = {names.get(k, k): new[names[k]] if k in names else v
                         for k, v in obj.extra.items()}
    if WEBSOCKET_KEY in resp.extra:  # WebSocket payloads: the same rules as bodies
        count = iter(range(1, 1 << 62))  # messages in order, then the close reason
        joined = _ws_joined_spans(resp.extra[WEBSOCKET_KEY], p.finder, echoes)
        session = resp.extra[WEBSOCKET_KEY]
        messages = session.get("messages") if isinstance(session, dict) else None
        sent = sum(1 for m in messages if isinstance(m, dict) and isinstance(
            m.get("data"), str | bytes)) if isinstance(messages, list) else 0

        def scrub(payload: str | bytes) -> str | bytes:
            n = next(count)
            place = f"WebSocket message {n}" if n <= sent else "WebSocket close reason"
            return p.payload(payload, echoes, place, joined.get(n))

        resp.extra[WEBSOCKET_KEY] = _redact_ws_session(resp.extra[WEBSOCKET_KEY], scrub)
    for kind, msg, data, spans, coded in bodies:
        if not data:
            continue
        found = (scan.echo_hits_for(echoes, data) if scan is not None and msg is resp
                 and not coded else None)
        echoed = echoes.spans(data, found)
        if msg is req and echoed and _FORM_TYPE in (first_header(msg.headers, "content-type")
                                                    or "").lower() \
                and _NOT_ENCODED.search(data) is None:
            echoed = _within_pairs(data, echoed)
        raw = spans + echoed
        deltas = _response_deltas(data, coded, scan, p.finder, echoes) if msg is resp \
            else None
        def names(joined: bytes, kind: str = kind) -> list[Span]:
            return _named_fields(joined, p.finder.needles.find(joined), p.finder, config, kind,
                                 {})

        split = _joined_spans(deltas, p.finder, echoes.spans, names) if deltas is not None \
            else []
        if msg is resp and _formats().is_eventstream(first_header(msg.headers, "content-type"),
                                                     data):
            merged = _merge(raw)
            if merged:
                p.note(kind, merged)
            framed = _eventstream_rewrite(data, merged, p, echoes, kind)
            if framed is not None:
                if framed[0] != data:
                    _set_body(msg, data, framed[0], framed[1], coded)
                continue
        if not raw and not split:
            continue
        merged = _merge(raw)
        p.note(kind, merged)
        if split:
            p.note(kind + JOINED_PLACE, split)
            merged = _merge(raw + split)
        # A replayed XML or HTML answer must still parse (botocore's STS client): the marker as
        # character references there. A request keeps `<REDACTED>`, the matcher's wildcard.
        marker = XML_REDACTED_BYTES if msg is resp and _is_markup(msg, data) else REDACTED_BYTES
        if b"\0" in data[:64] and (utf16 := _utf16(data)) is not None:
            marker = REDACTED.encode(utf16[1])  # (the body stays UTF-16 text: _utf16_spans)
        _set_body(msg, data, _replace_spans(data, merged, marker),
                  _replacements(merged, len(marker)), coded)


def _set_body(msg: Request | Response, data: bytes, new: bytes,
              replaced: list[tuple[int, int, int]], coded: bool) -> None:
    """`msg`'s body `data` (decoded, when `coded`) becomes `new`; `replaced`: (start, end, new
    length) of each change, in order, for the recorded chunks' sizes."""
    if coded:
        _store_decoded(msg, new)
        return
    msg.body = new if isinstance(msg.body, bytes) else new.decode("utf-8", "surrogateescape")
    if isinstance(msg, Response) and msg.chunks is not None:
        msg.extra[CHUNKS_KEY] = adjust_chunks(msg.extra[CHUNKS_KEY], replaced)
    _fix_length(msg, msg.headers, len(data), len(new))


# A Bedrock InvokeModelWithResponseStream frame's payload: `{"bytes": "<base64 of the model's
# event JSON>", "p": ...}` (the Bedrock runtime API reference, PayloadPart).
_EVENT_BYTES = re.compile(rb'"bytes"\s*:\s*"([A-Za-z0-9+/]*={0,2})"')


def _eventstream_rewrite(data: bytes, spans: list[Span], p: _Pass, echoes: _Echoes, kind: str
                         ) -> tuple[bytes, list[tuple[int, int, int]]] | None:
    """An event-stream body (aiformats.eventstream_layout) with `spans` (merged, over `data`)
    replaced inside its frames' payloads and the base64 event a payload carries redacted as a
    WebSocket message is (`_Pass.payload`: shapes, JSON fields, echoes; noted as `kind (event-
    stream frame N)`), each changed frame made anew with its lengths and CRCs, so a replayed
    stream still decodes (botocore checks both CRCs). Returns (body, replacements as
    `_set_body` takes them), or None when `data` starts with no frame. A span's bytes outside
    any payload (prelude, headers, CRCs) stay; those after the last whole frame are replaced."""
    formats = _formats()
    layout = formats.eventstream_layout(data)
    if not layout:
        return None
    out: list[bytes] = []
    replaced: list[tuple[int, int, int]] = []
    # Each frame's payload with the body's spans replaced, and the event it carries: its base64
    # `bytes` decoded (InvokeModel), else the payload itself (ConverseStream).
    payloads, events = [], []
    i = 0  # (spans are merged, so in order: each frame looks at its own)
    for start, total, hlen in layout:
        first, last = start + 12 + hlen, start + total - 4
        while i < len(spans) and spans[i][1] <= first:
            i += 1
        inner = []
        j = i
        while j < len(spans) and spans[j][0] < last:
            s, e, why = spans[j]
            inner.append((max(s, first) - first, min(e, last) - first, why))
            j += 1
        payload = data[first:last]
        payloads.append(_replace_spans(payload, inner) if inner else payload)
        m = _EVENT_BYTES.search(payloads[-1])
        events.append(base64.b64decode(m.group(1)) if m is not None and len(m.group(1)) % 4 == 0
                      else None if m is not None else payloads[-1])
    split = _eventstream_split(events, p, echoes, kind)
    for n, (start, total, hlen) in enumerate(layout, 1):
        first, last = start + 12 + hlen, start + total - 4
        payload, new = data[first:last], payloads[n - 1]
        if (m := _EVENT_BYTES.search(new)) is not None and len(m.group(1)) % 4 == 0:
            event = base64.b64decode(m.group(1))
            joined = _replace_spans(event, split[n - 1]) if n - 1 in split else event
            clean = p.payload(joined, echoes, f"{kind} (event-stream frame {n})")
            if clean != event:
                new = new[:m.start(1)] + base64.b64encode(clean) + new[m.end(1):]
        elif n - 1 in split:
            new = _replace_spans(new, split[n - 1])
        if new == payload:
            out.append(data[start:start + total])
            continue
        frame = formats.eventstream_frame(data[start + 12:first], new)
        replaced.append((start, start + total, len(frame)))
        out.append(frame)
    end = layout[-1][0] + layout[-1][1]
    rest = [(s - end, e - end, why) for s, e, why in spans if s >= end]
    if rest:
        out.append(_replace_spans(data[end:], rest))
        replaced += _replacements([(s + end, e + end, why) for s, e, why in rest],
                                  len(REDACTED_BYTES))
    else:
        out.append(data[end:])
    return b"".join(out), replaced


# The text a streamed event carries: Anthropic's `text_delta` / `input_json_delta` /
# `thinking_delta` (InvokeModel), Converse's `delta.text` / `toolUse.input` / `reasoningContent`.
# Other model families in InvokeModel's chunks: Llama's `generation`, Titan's `outputText`,
# Claude 2's `completion`, OpenAI's `delta.content`, Mistral's and Cohere's `text`.
_FRAME_DELTA = re.compile(rb'"(?:text|partial_json|thinking|input|generation|outputText|completion'
                          rb'|content)"\s*:\s*"((?:[^"\\]|\\.)*)"')
_FRAME_INDEX = re.compile(rb'"(?:index|contentBlockIndex)"\s*:\s*(\d+)')


class _FramePieces:
    """The delta pieces of an event stream's frames, shaped as aiformats.DeltaPieces' `streams`
    (per content block: its pieces joined, where each is), in the frames' events laid end to
    end: what `_joined_spans` takes."""

    def __init__(self) -> None:
        self.streams: dict[Any, tuple[bytearray, list[int], list[int]]] = {}


def _eventstream_split(events: list[bytes | None], p: _Pass, echoes: _Echoes, kind: str
                       ) -> dict[int, list[Span]]:
    """Frame index -> spans over its event (the marker where a secret starts, nothing in the
    next pieces) for secrets a model streamed across frames' deltas, as `_joined_spans` does for
    SSE; noted as `kind (joined stream deltas)`."""
    pieces, offsets, at = _FramePieces(), [], 0
    for event in events:
        offsets.append(at)
        if event is None:
            continue
        if (m := _FRAME_DELTA.search(event)) is not None:
            index = _FRAME_INDEX.search(event)
            joined, starts, ends = pieces.streams.setdefault(
                index.group(1) if index is not None else b"", (bytearray(), [], []))
            joined += m.group(1)
            starts.append(at + m.start(1))
            ends.append(at + m.end(1))
        at += len(event)
    if not any(len(starts) > 1 for _, starts, _ in pieces.streams.values()):
        return {}
    found = _joined_spans(pieces, p.finder, echoes.spans)  # type: ignore[arg-type]
    if not found:
        return {}
    p.note(kind + JOINED_PLACE, found)
    out: dict[int, list[Span]] = {}
    for s, e, why in _merge(found):
        k = bisect_right(offsets, s) - 1
        out.setdefault(k, []).append((s - offsets[k], e - offsets[k], why))
    return out


def _response_deltas(data: bytes, coded: bool, scan: StreamScan | None, finder: _Finder,
                     echoes: _Echoes) -> aiformats.DeltaPieces | None:
    """The delta pieces of a response body that may hold a secret across them (None: it is no
    delta stream, or holds none): a body from SCAN_FROM on is taken apart only when the scan
    that saw it as it streamed, or a look for the same literals, says it may."""
    may = scan.split_for(data) if scan is not None and not coded else None
    if may is None and len(data) >= SPLIT_LOOK_FROM:
        api = _formats().delta_stream_api(data[: data.rfind(b"\n", 0, 1 << 20) + 1])[0]
        if api is None:
            return None
        look = _SplitCandidates(finder, echoes.variants)
        look.feed(data)
        may = api in _formats().RAW_DELTA_APIS or look.candidate()
    if may is False:
        return None
    deltas = _formats().delta_pieces(data)
    return deltas if deltas.api else None


SPLIT_LOOK_FROM = 1 << 20  # (a smaller body is taken apart at once: ~7 ms per MB)


def _ws_joined_spans(session: Any, finder: _Finder, echoes: _Echoes
                     ) -> dict[int, list[Span]]:
    """Message number (from 1) -> `_joined_spans` in it, over the text messages the server
    sent in a WebSocket session (WEBSOCKET_KEY's value): the Realtime API's
    `response.output_text.delta`, `response.audio_transcript.delta`, ... events."""
    messages = session.get("messages") if isinstance(session, dict) else None
    if not isinstance(messages, list):
        return {}
    formats = _formats()
    served = [(n, _utf8(m["data"])[0] if isinstance(m["data"], str) else bytes(m["data"]))
              for n, m in enumerate(messages, 1)
              if isinstance(m, dict) and m.get("from") == "server"
              and isinstance(m.get("data"), str | bytes)]
    # Gemini Live's server messages (often binary frames of JSON) stream `serverContent`'s
    # `modelTurn.parts[].text`, as Gemini's SSE streams `parts[].text`.
    gemini = any(b'"serverContent"' in raw or b'"server_content"' in raw for _, raw in served)
    deltas = formats.DeltaPieces(formats.GEMINI if gemini else formats.OPENAI_RESPONSES)
    bases: list[int] = []
    numbers: list[int] = []
    pos = 0
    for n, raw in served:
        deltas.feed_message(raw, pos)
        bases.append(pos)
        numbers.append(n)
        pos += len(raw) + 1
    out: dict[int, list[Span]] = {}
    for start, end, why in _joined_spans(deltas, finder, echoes.spans):
        k = bisect_right(bases, start) - 1
        out.setdefault(numbers[k], []).append((start - bases[k], end - bases[k], why))
    return out


# -- lengths and chunk timings ---------------------------------------------------------------------


def _replacements(spans: list[Span], marker_len: int) -> list[tuple[int, int, int]]:
    """(start, end, new length) of each replaced span: `marker_len`, none for a JOINED span."""
    return [(start, end, 0 if isinstance(why, tuple) and why[0] == JOINED else marker_len)
            for start, end, why in spans]


def _map_offset(pos: int, replaced: list[tuple[int, int, int]]) -> int:
    """Where byte offset `pos` of the old body lands in the new one (`replaced`: (start, end,
    new length), in order). An offset inside a replaced range moves to the end of what replaced
    it; one at a range's start stays before it."""
    delta = 0
    for start, end, length in replaced:
        if pos <= start:
            break
        if pos < end:
            return start + delta + length
        delta += length - (end - start)
    return pos + delta


def adjust_chunks(raw: list, replaced: list[tuple[int, int, int]]) -> list:
    """CHUNKS_KEY entries with sizes moved through the replacements ((start, end, new length),
    in order): every chunk boundary maps to its place in the new body, so the sizes still sum
    to the body length. Offsets are kept."""
    out, boundary, previous = [], 0, 0
    for at, size in raw:
        boundary += int(size)
        mapped = _map_offset(boundary, replaced)
        out.append([at, mapped - previous])
        previous = mapped
    return out


def _fix_length(message: Request | Response, headers: Headers, old: int, new: int) -> None:
    # content_length records what went over the wire. It is only ours to change when it describes
    # the body we hold (it equals the old body length); when it differs (a decoded body, -1 for
    # a stream, 0 for unknown) it says something else and stays as recorded.
    if old == new:
        return
    if message.content_length == old:
        message.content_length = new
    for name, values in headers.items():
        if name.lower() == "content-length":
            headers[name] = [str(new) if v.strip() == str(old) else v for v in values]


# -- public functions ----------------------------------------------------------------------------


def redact_document(text: str, config: RedactionConfig = DEFAULT_REDACTION) -> str:
    """A whole text (a cassette file that does not load, shown as it is) redacted as a text
    body is: values under credential names (`Api-Key:` and its `- value`, `"password": ...`,
    `.env` lines), key shapes, their echoes; then `redact_text` (URLs)."""
    text = _mask_yaml_header_lists(text, config)
    # (surrogatepass: a lone surrogate a view shows escaped)
    i = _text_exchange(text.encode("utf-8", "surrogatepass"))
    _redact_interaction_in_place(i, config)
    body = i.request.body
    if isinstance(body, bytes | bytearray):
        body = bytes(body).decode("utf-8", "surrogatepass")
    return redact_text(body if isinstance(body, str) else text, config)


_YAML_KEY_LINE = re.compile(r"""(?:"([^"]*)"|'([^']*)'|([^\s:#][^:]*)):[ \t]*$""")


def _mask_yaml_header_lists(text: str, config: RedactionConfig) -> str:
    """go-vcr's header lists (`Api-Key:` then `- value` lines at its column or deeper) with
    each value under a secret header's name masked, as recording masks them."""
    out, under = [], -1
    for line in text.split("\n"):
        item = line.lstrip(" ")
        column = len(line) - len(item)
        if under >= 0 and column >= under and item.startswith("- "):
            out.append(f"{line[:column]}- {REDACTED}")
            continue
        under = -1
        m = _YAML_KEY_LINE.match(item)
        if m is not None:
            name = next(g for g in m.groups() if g is not None).strip()
            if name and config.secret_header(name, response=False):
                under = column
        out.append(line)
    return "\n".join(out)


def scrub_text(text: str, config: RedactionConfig = DEFAULT_REDACTION) -> str:
    """`text` with every key-shaped string replaced by the marker."""
    return _scrub_str(text, _finder(config.patterns), None)[0]


def redact_url(url: str, config: RedactionConfig = DEFAULT_REDACTION) -> str:
    """Named query parameters and a URL password masked, then key-shaped strings scrubbed (path
    included).

    The marker is written unencoded (`?key=<REDACTED>`): readable, and accepted by Go's url.Parse
    and Python's urlsplit. The matcher accepts it percent-encoded as well.
    """
    finder = _finder(config.patterns)
    return _scrub_str(_url_named(url, config, None, None, finder), finder, None)[0]


# (The marker may be in it already: a parameter masked by an earlier pass, e.g. a key shape
# before a named one, `?key=<REDACTED>&tenant_ref=...`; the URL goes on after it.)
_URL_IN_TEXT = re.compile(
    r"[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^\s\"'<>]|<REDACTED>)[^\s\"'<>]*(?:<REDACTED>[^\s\"'<>]*)*")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_SCHEME_MAX = 64  # characters of a URL scheme looked at before its `://`


def _sub_urls(text: str, replace: Callable[[str], str]) -> str:
    """`_URL_IN_TEXT.sub` with `replace(url)`, tried only where a `://` is: the pattern tried at
    every position of a long run of letters and digits scanned each to the run's end (a 200 KB
    hex string took 7.6 s through every view). A scheme is at most _SCHEME_MAX characters."""
    out, pos = [], 0
    at = text.find("://")
    while at >= 0:
        start = at
        while start > max(pos, at - _SCHEME_MAX) and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        while start < at and not (text[start].isascii() and text[start].isalpha()):
            start += 1
        m = _URL_IN_TEXT.match(text, start) if start < at else None
        if m is None:
            at = text.find("://", at + 3)
            continue
        out += [text[pos:m.start()], replace(m.group(0))]
        pos = m.end()
        at = text.find("://", pos)
    return "".join(out) + text[pos:] if out else text


# The loggers whose records quote what clients and servers send: mitmproxy's (a request line it
# refuses, with a Gemini `?key=`; an error naming a URL), ours, asyncio's (a failed task's repr
# may hold a request) and tornado's (mitmweb's server: `200 GET /flows?token=...`).
_LOGGERS_REDACTED = ("mitmproxy", "vcrproxy", "asyncio", "tornado")
# A request target with a query in a log line (`GET /flows?token=...`: no scheme, so not a URL
# to redact_text).
_TARGET_QUERY = re.compile(r"""(/[^\s?#"'<>]*)\?([^\s#"'<>]+)""")
_log_redaction_on = False
# The rules log text is masked with: each proxy's in this process (its registry's, with the
# names and patterns its user gave), by owner; the defaults while none has said.
_session_rules: weakref.WeakKeyDictionary[object, RedactionConfig] = weakref.WeakKeyDictionary()
_log_rules: tuple[RedactionConfig, ...] = ()
_rules_lock = threading.Lock()


def use_for_logs(owner: object, config: RedactionConfig) -> None:
    """Mask log text (`log_text`) with `config` too: the rules of `owner`'s session (a proxy's
    SessionRegistry), kept while `owner` lives. Several proxies in one process: each one's."""
    global _log_rules
    with _rules_lock:
        _session_rules[owner] = config
        _log_rules = tuple(dict.fromkeys(_session_rules.values()))


def log_text(text: str) -> str:
    """`text` as it may leave the proxy through a log (or a line about no one flow): redacted
    with every live session's rules (`use_for_logs`), not only the defaults; a bytes literal in
    it (`b'...'`: protocol bytes) as the text body it holds (`_redact_bytes_literals`)."""
    binary = "b'" in text or 'b"' in text
    for config in _log_rules or (DEFAULT_REDACTION,):
        text = _redact_bytes_literals(text, config) if binary else redact_text(text, config)
        if "?" in text:
            text = _TARGET_QUERY.sub(functools.partial(_target_query, config), text)
    return text


def _target_query(config: RedactionConfig, m: re.Match[str]) -> str:
    return f"{m.group(1)}?" + redact_query_string(m.group(2), config.secret_query,
                                                  _finder(config.patterns))


def redact_logs() -> None:
    """Make every log record of the loggers in _LOGGERS_REDACTED carry its message as
    `log_text` leaves it (the sessions' rules), from the moment it is
    made (logging.setLogRecordFactory, wrapping
    the factory in place): whatever handler gets it then (the CLI's, mitmdump's terminal,
    mitmweb's event log, pytest's captured log in a failure report) never sees a key. Once per
    process; other loggers' records are left as they are (a host's own logs)."""
    global _log_redaction_on
    if _log_redaction_on:
        return
    _log_redaction_on = True
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if record.name.startswith(_LOGGERS_REDACTED):
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a broken record is its handler's to report
                return record
            # (A record quoting protocol bytes, mitmproxy's proxy_debug `DataReceived(client,
            # b'POST ...')`, holds headers and bodies: read as a text body is, names too.)
            clean = log_text(message)
            # A traceback (exc_info, stack_info) is formatted by each handler from the
            # exception itself, past this: formatted here, masked and made part of the message
            # (mitmproxy's formatter reads exc_info, not a preformatted exc_text).
            extra = []
            if record.exc_info:
                extra.append(logging.Formatter().formatException(record.exc_info))
            elif record.exc_text:
                extra.append(record.exc_text)
            if record.stack_info:
                extra.append(record.stack_info)
            if extra:
                clean = "\n".join([clean, *(log_text(e) for e in extra)])
                record.exc_info = record.exc_text = record.stack_info = None
            if clean != message:
                record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(factory)


# (mitmproxy cuts a long one short with `…` in place of its end, maybe inside an escape.)
_BYTES_LITERAL = re.compile(
    r"""\bb(?:'(?:[^'\\\u2026]|\\[^\u2026])*\\?(?:'|\u2026)"""
    r"""|"(?:[^"\\\u2026]|\\[^\u2026])*\\?(?:"|\u2026))""")
# A byte of logged protocol data that text holds none of (controls but tab, CR, LF; bytes that
# are not UTF-8, escaped as lone surrogates).
_LOGGED_BINARY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")
# A header as h2 logs it: `(b'api-key', b'...')`.
_BYTES_HEADER = re.compile(r"""\(b'([^'\\]{1,256})', b'((?:[^'\\]|\\.)*)'\)""")
# A header line of a logged HTTP/1 head, or of a printed flow (indented): `X-Tenant: ...`.
_HEAD_LINE = re.compile(r"^([ \t]*)([!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}):[ \t]*([^\r\n]+)",
                        re.MULTILINE)
# A colour or weight a printer puts in its text (SGR: mitmdump's dumper on a terminal).
_SGR = re.compile(r"\x1b\[[0-9;]*m")
# A run of key characters a printer cut short with `…` (mitmdump's URL cut to the terminal),
# back to the URL's last `/` (a key is a path segment or a query value, no `/` in it: else the
# whole URL went, host and path).
_CUT_RUN = re.compile(
    "[" + re.escape(bytes(sorted(TOKEN_BYTES - {ord("/")})).decode()) + "]+\u2026")


def _mask_head_lines(text: str, config: RedactionConfig) -> str:
    """Header lines (`Name: value`) whose name `config` holds secret, with the value masked."""
    def one(m: re.Match[str]) -> str:
        if config.secret_header(m.group(2), response=False) and not is_redacted(m.group(3)):
            return f"{m.group(1)}{m.group(2)}: {REDACTED}"
        return m.group()

    return _HEAD_LINE.sub(one, text) if ":" in text else text


def output_text(text: str) -> str:
    """Text about flows another addon prints itself, not through logging (mitmdump's dumper:
    request lines, headers, bodies), as it may be shown: masked as a text body
    (`redact_document`) with every live session's rules (`use_for_logs`), header lines by the
    sessions' names; a run of key characters the printer cut short (`…`) is left out. Masked as
    shown: a text in colour codes (mitmdump on a terminal styles header names and each JSON
    token apart, which no rule reads across) is, when anything in it is masked, given without
    them."""
    shown = _SGR.sub("", text) if "\x1b" in text else text
    masked = _CUT_RUN.sub("\u2026", shown)
    for config in _log_rules or (DEFAULT_REDACTION,):
        masked = redact_document(_mask_head_lines(masked, config), config)
    return text if masked == shown else masked


def _redact_bytes_literals(message: str, config: RedactionConfig = DEFAULT_REDACTION) -> str:
    """A log message with each Python bytes literal in it (`b'...'`: protocol bytes) redacted
    as the text body it holds (`redact_document`, on the bytes it stands for: a JSON string's
    escapes are then the body's own), the rest as `redact_text`; with `config`'s rules."""
    import ast

    def header(m: re.Match[str]) -> str:
        name = m.group(1)
        if config.secret_header(name, response=False) and m.group(2) \
                and not is_redacted(m.group(2)):
            return f"(b'{name}', b'{REDACTED}')"
        return m.group()

    def one(m: re.Match[str]) -> str:
        literal, cut = m.group(), m.group().endswith("\u2026")
        body = literal[:-1]
        if cut and (len(body) - len(body.rstrip("\\"))) % 2:
            body = body[:-1]  # (cut inside an escape)
        try:
            text = ast.literal_eval(body + literal[1] if cut else literal).decode(
                "utf-8", "surrogateescape")
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return redact_document(literal, config)
        sent, text = text, _mask_head_lines(text, config)  # (the session's header names)
        binary = _LOGGED_BINARY.search(text)
        if binary is not None:
            # Bytes that are not text (HTTP/2 frames, whose header values are HPACK-Huffman
            # coded; a gzip, br or deflate body; WebSocket frames) hold keys in a form redaction
            # cannot read and any tool reverses: only the whole lines of text before them stay.
            kept = text[: text.rfind("\n", 0, binary.start()) + 1]
            rest = len(text[len(kept):].encode("utf-8", "surrogateescape"))
            return (repr(redact_document(kept, config).encode("utf-8", "surrogateescape"))
                    + f" + <{rest} bytes{' or more' if cut else ''} not shown: not text>")
        clean = redact_document(text, config)
        if clean == sent:
            return literal
        return repr(clean.encode("utf-8", "surrogateescape"))[:-1] + "\u2026" if cut \
            else repr(clean.encode("utf-8", "surrogateescape"))

    return redact_text(_BYTES_LITERAL.sub(one, _BYTES_HEADER.sub(header, message)), config)


def redact_text(
    text: str, config: RedactionConfig | None = DEFAULT_REDACTION, values: Iterable[str] = ()
) -> str:
    """Any text leaving the proxy (a live line, a warning, a summary, a miss explanation, the
    web UI): URLs in it lose named query parameters and passwords, key shapes are scrubbed, and
    `values` (the named secrets of the request concerned, see `secret_values`) are replaced
    wherever they appear. `config=None` (recording with redaction off) still redacts text with
    the defaults: logs are never the place for a key."""
    config = config or DEFAULT_REDACTION
    finder = _finder(config.patterns)
    if "://" in text:
        text = _sub_urls(text, lambda url: _url_named(url, config, None, None, finder))
    values = {v: "" for v in values if _named_value_ok(v)}
    return _scrub_str(text, finder, _Echoes(values) if values else None)[0]


def secret_values(
    request: Request, config: RedactionConfig | None = DEFAULT_REDACTION
) -> list[str]:
    """The values `request` carries under credential names (headers, URL, form, body fields),
    longest first: what `redact_text` must hide from text about this request."""
    config = config or DEFAULT_REDACTION
    p = _Pass(config, None)
    p.collect_headers(request.headers, "request header", False)
    _url_named(request.url, config, p.values, None, p.finder)
    form_secret = _form_secret(config, request.form)
    for name, values in (request.form or {}).items():
        if form_secret(name):
            p.values.update((v, "") for v in values if v)
    try:
        data = _plain_body(request)[0]
    except decoders.TooLarge:
        data = request.body_bytes
    if data:
        hits: list[tuple[int, int]] = []
        p.finder.shape_spans(data, hits)
        _body_name_spans(data, request.headers, hits, p.finder, config, "body", p.values)
    return sorted((v for v in p.values if _named_value_ok(v)), key=len, reverse=True)


def payload_secret_values(
    data: str | bytes, config: RedactionConfig | None = DEFAULT_REDACTION
) -> list[str]:
    """The values a WebSocket message names as credentials, longest first: what `redact_text`
    must hide from text about it (a replay miss), as `secret_values` for a request."""
    p = _Pass(config or DEFAULT_REDACTION, None)
    p.collect_payload(data, "WebSocket message")
    return sorted((v for v in p.values if _named_value_ok(v)), key=len, reverse=True)


def redact_interaction(
    interaction: Interaction, config: RedactionConfig = DEFAULT_REDACTION,
    scan: StreamScan | None = None,
) -> Interaction:
    """A redacted copy of `interaction`; the input is never changed. `scan`: the response
    body's needle scan, made while it streamed (the same result, sooner)."""
    i = copy.deepcopy(interaction)
    _redact_interaction_in_place(i, config, scan=scan)
    return i


# -- auditing ------------------------------------------------------------------------------------


_PLACES = (
    "request header", "request trailer", "request URL", "request URI", "request form",
    "request body", "response header", "response trailer", "response body", "WebSocket",
)


def _place_rank(place: str) -> int:
    return next((i for i, p in enumerate(_PLACES) if place.startswith(p)), len(_PLACES))


def find_secrets(
    interaction: Interaction, config: RedactionConfig = DEFAULT_REDACTION
) -> list[str]:
    """What `redact_interaction` would change, one line per place and reason, e.g.
    "interaction 3: request header Authorization holds an unredacted secret" or
    'interaction 3: response body holds a Together AI key (tgp_v1_...)'. Same rules, same pass:
    an empty list means redaction changes nothing. A finding never shows a secret. A body too
    large to decode (decoders.MAX_DECODED: a bomb) is a line too (`audit`): redaction searched
    its stored bytes only."""
    secrets, undecoded = audit(interaction, config)
    return secrets + undecoded


def audit(
    interaction: Interaction, config: RedactionConfig = DEFAULT_REDACTION
) -> tuple[list[str], list[str]]:
    """(`find_secrets` lines for what redaction changes, lines for bodies too large to decode:
    searched as stored, so secrets in them can be missed), e.g. "interaction 3: response body
    not searched decoded: gzip body decodes to more than 256 MiB (its stored bytes were)"."""
    report = _Report()
    _redact_interaction_in_place(copy.deepcopy(interaction), config, report)
    where = f"interaction {interaction.id}"
    undecoded = [f"{where}: {place} not searched decoded: {why} (its stored bytes were)"
                 for place, why in report.undecoded.items()]
    out = []
    for place, (kind, detail) in sorted(report.findings, key=lambda f: _place_rank(f[0])):
        if kind == "shape":
            out.append(f"{where}: {place} holds {detail}")
        elif kind == "echo":
            out.append(f"{where}: {place} repeats the secret of {detail}")
        elif detail == place:
            out.append(f"{where}: {place} holds an unredacted secret")
        else:
            out.append(f"{where}: {detail} holds an unredacted secret")
    return out, undecoded
