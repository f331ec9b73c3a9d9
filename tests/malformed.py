"""A generated corpus of malformed go-vcr cassettes (hostile or careless input).

`write_corpus(folder)` writes >= 200 files and returns their paths: truncations and byte flips of
the reference cassettes, wrong types, huge numbers, alias bombs, self-referencing aliases,
schema errors (missing request/url/method/status, bad codes, duplicate ids, unknown keys),
versions 1 and 3, empty and non-text files, deep nesting. Deterministic (seeded).
"""

from __future__ import annotations

import os
import random

REFERENCE = os.path.join(os.path.dirname(__file__), "..", "cassettes")

BASE = """\
---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    host: ""
    body: '{}'
    headers:
      Content-Type:
      - application/json
    url: https://api.openai.com/v1/chat/completions
    method: POST
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: -1
    body: |
      data: {"choices":[{"delta":{"content":"hi"}}]}

      data: [DONE]
    headers:
      Content-Type:
      - text/event-stream
    status: 200 OK
    code: 200
    duration: 12.5ms
    vcrproxy_chunks: [[1.5, 48], [2.5, 13]]
- id: 1
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: ""
    url: https://api.openai.com/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    body: '[]'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 1ms
- id: 2
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: ""
    url: https://api.anthropic.com/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    body: '{}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 2ms
"""

# (name, old text in BASE, new text): one targeted corruption each.
EDITS = [
    # a repeated key: yaml.v3 refuses the file, so go-vcr cannot load it (not "last one wins")
    ("duplicate-body", "    body: '[]'\n", "    body: '[]'\n    body: '{}'\n"),
    ("duplicate-version", "version: 2\n", "version: 2\nversion: 3\n"),
    ("duplicate-header", "      Content-Type:\n      - text/event-stream\n",
     "      Content-Type:\n      - text/event-stream\n      Content-Type:\n      - text/plain\n"),
    ("code-minus-one", "code: 200\n    duration: 12.5ms", "code: -1\n    duration: 12.5ms"),
    ("code-zero", "code: 200\n    duration: 1ms", "code: 0\n    duration: 1ms"),
    ("code-1000", "code: 200\n    duration: 1ms", "code: 1000\n    duration: 1ms"),
    ("code-99", "code: 200\n    duration: 1ms", "code: 99\n    duration: 1ms"),
    ("code-string", "code: 200\n    duration: 1ms", "code: two hundred\n    duration: 1ms"),
    ("code-list", "code: 200\n    duration: 1ms", "code: [200]\n    duration: 1ms"),
    ("code-float", "code: 200\n    duration: 1ms", "code: 200.5\n    duration: 1ms"),
    ("code-bool", "code: 200\n    duration: 1ms", "code: true\n    duration: 1ms"),
    ("code-missing", "    code: 200\n    duration: 1ms", "    duration: 1ms"),
    ("status-missing", "    status: 200 OK\n    code: 200\n    duration: 1ms",
     "    code: 200\n    duration: 1ms"),
    ("status-map", "status: 200 OK\n    code: 200\n    duration: 1ms",
     "status: {a: 1}\n    code: 200\n    duration: 1ms"),
    ("url-missing", "    url: https://api.openai.com/v1/models\n", ""),
    ("url-empty", "url: https://api.openai.com/v1/models", "url: ''"),
    ("url-relative", "url: https://api.openai.com/v1/models", "url: /v1/models"),
    ("url-int", "url: https://api.openai.com/v1/models", "url: 42"),
    ("url-ftp", "url: https://api.openai.com/v1/models", "url: ftp://example.com/x"),
    ("url-space", "url: https://api.openai.com/v1/models", "url: https://api.openai.com/v1 /x"),
    ("method-missing", "    method: GET\n", ""),
    ("method-empty", "method: GET", "method: ''"),
    ("method-space", "method: GET", "method: 'G T'"),
    ("method-list", "method: GET", "method: [GET]"),
    ("request-missing", BASE[BASE.index("- id: 1\n") + 8: BASE.index("  response:", BASE.index(
        "- id: 1\n"))], ""),
    ("response-missing", BASE[BASE.index("  response:\n    proto: HTTP/1.1\n    proto_major: 1\n"
                                         "    proto_minor: 1\n    content_length: 2"):
                              BASE.index("- id: 2\n")], ""),
    ("request-int", "- id: 1\n  request:\n", "- id: 1\n  request: 5\n  xrequest:\n"),
    ("response-string", "  response:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n"
     "    content_length: 2", "  response: nope\n  xresponse:\n    proto: HTTP/1.1\n"
     "    proto_major: 1\n    proto_minor: 1\n    content_length: 2"),
    ("id-duplicate", "- id: 1\n", "- id: 0\n"),
    ("id-missing", "- id: 1\n  request:", "- request:"),
    ("id-string", "- id: 1\n", "- id: one\n"),
    ("id-negative", "- id: 1\n", "- id: -5\n"),
    ("id-float", "- id: 1\n", "- id: 1.5\n"),
    ("interactionz", "interactions:\n", "interactionz:\n"),
    ("interactions-map", "interactions:\n- id: 0", "interactions: {a: 1}\nx:\n- id: 0"),
    ("interactions-string", "interactions:\n- id: 0", "interactions: lots\nx:\n- id: 0"),
    ("unknown-top-key", "version: 2\n", "version: 2\nrecorded_by: me\n"),
    ("headers-string", "    headers:\n      Content-Type:\n      - application/json\n    url",
     "    headers: nope\n    url"),
    ("headers-values-map", "      Content-Type:\n      - application/json\n    url",
     "      Content-Type: {a: b}\n    url"),
    ("header-name-space", "      Content-Type:\n      - application/json\n    status",
     "      'Content Type':\n      - application/json\n    status"),
    ("header-value-newline", "      - application/json\n    status",
     "      - \"application/json\\r\\nX-Evil: 1\"\n    status"),
    ("header-name-empty", "      Content-Type:\n      - application/json\n    status",
     "      '':\n      - x\n    status"),
    ("duration-negative", "duration: 1ms", "duration: -5s"),
    ("duration-int", "duration: 1ms", "duration: 1000"),
    ("duration-garbage", "duration: 1ms", "duration: soon"),
    ("duration-huge", "duration: 1ms", "duration: 99999999999999999999999h"),
    ("duration-absurd", "duration: 12.5ms", "duration: 2000000h"),
    ("chunks-inf", "[[1.5, 48], [2.5, 13]]", "[[1.5, .inf], [2.5, 13]]"),
    ("chunks-nan", "[[1.5, 48], [2.5, 13]]", "[[.nan, 47], [2.5, 13]]"),
    ("chunks-negative", "[[1.5, 48], [2.5, 13]]", "[[1.5, -48], [2.5, 109]]"),
    ("chunks-absurd-time", "[[1.5, 48], [2.5, 13]]", "[[1.5, 48], [1e300, 13]]"),
    ("chunks-string", "[[1.5, 48], [2.5, 13]]", "lots"),
    ("chunks-ragged", "[[1.5, 48], [2.5, 13]]", "[[1.5], [2.5, 13, 4]]"),
    ("chunks-float-size", "[[1.5, 48], [2.5, 13]]", "[[1.5, 47.5], [2.5, 13.5]]"),
    ("chunks-huge-size", "[[1.5, 48], [2.5, 13]]", "[[1.5, 1e300], [2.5, 13]]"),
    ("content-length-string", "content_length: 2\n    host", "content_length: two\n    host"),
    ("proto-major-list", "proto_major: 1\n    proto_minor: 1\n    content_length: 0",
     "proto_major: [1]\n    proto_minor: 1\n    content_length: 0"),
    ("body-map", "body: '[]'", "body: {a: 1}"),
    ("body-list", "body: '[]'", "body: [1, 2]"),
    ("body-binary-bad", "body: '[]'", "body: !!binary '***'"),
    ("uncompressed-string", "content_length: -1\n    body", "content_length: -1\n"
     "    uncompressed: maybe\n    body"),
    ("python-tag", "body: '[]'", "body: !!python/object/apply:os.system ['true']"),
    ("unknown-tag", "body: '[]'", "body: !whatever x"),
    ("set-tag", "body: '[]'", "body: !!set {a, b}"),
    ("merge-key", "  response:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n"
     "    content_length: 2", "  response:\n    <<: {code: 500}\n    proto: HTTP/1.1\n"
     "    proto_major: 1\n    proto_minor: 1\n    content_length: 2"),
    ("tab-indent", "    method: GET\n", "\tmethod: GET\n"),
    ("duplicate-key", "    method: GET\n", "    method: GET\n    method: POST\n"),
]

HUGE = [
    ("int-5000-digits-code", "code: 200\n    duration: 1ms", "code: " + "9" * 5000
     + "\n    duration: 1ms"),
    ("int-5000-digits-id", "- id: 1\n", "- id: " + "7" * 5000 + "\n"),
    ("int-5000-digits-unknown", "version: 2\n", "version: 2\nbig: " + "1" * 5000 + "\n"),
    ("int-5000-digits-version", "version: 2\n", "version: " + "2" * 5000 + "\n"),
    ("int-100k-digits-length", "content_length: 2\n    host",
     "content_length: " + "3" * 100_000 + "\n    host"),
    ("int-1m-digits-key", "version: 2\n", "version: 2\n" + "8" * 1_000_000 + ": x\n"),
    ("hex-100k-digits", "version: 2\n", "version: 2\nx: 0x" + "f" * 100_000 + "\n"),
    ("octal-100k-digits", "version: 2\n", "version: 2\nx: 0o" + "7" * 100_000 + "\n"),
    ("binary-100k-digits", "version: 2\n", "version: 2\nx: 0b" + "1" * 100_000 + "\n"),
    ("underscore-int", "version: 2\n", "version: 2\nx: 1" + "_0" * 50_000 + "\n"),
    ("float-1m-digits", "version: 2\n", "version: 2\nx: 1." + "1" * 1_000_000 + "\n"),
    ("float-exp-huge", "duration: 1ms", "duration: 1e999999999ms"),
    ("int-code-2**64", "code: 200\n    duration: 1ms", f"code: {2**64}\n    duration: 1ms"),
    ("int-code-2**63", "code: 200\n    duration: 1ms", f"code: {2**63}\n    duration: 1ms"),
    ("id-2**70", "- id: 1\n", f"- id: {2**70}\n"),
    ("content-length-2**63", "content_length: 2\n    body: '[]'",
     f"content_length: {2**63 - 1}\n    body: '[]'"),
    ("duration-digits", "duration: 1ms", "duration: " + "9" * 5000 + "ns"),
    ("long-key", "version: 2\n", "version: 2\n" + "k" * 2_000_000 + ": 1\n"),
]


def _alias_bomb(levels: int, width: int) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    return "\n".join(lines)


def _bombs() -> list[tuple[str, str]]:
    bomb = _alias_bomb(9, 9)
    nested = "  " + _alias_bomb(9, 9).replace("\n", "\n  ")
    return [
        ("alias-bomb-unknown-key", BASE.replace("version: 2\n", "version: 2\nbomb:\n"
                                                + nested + "\n")),
        ("alias-bomb-top", bomb + "\n" + BASE.replace("---\n", "")),
        ("alias-bomb-in-extra", BASE.replace("    method: GET\n", "    method: GET\n    x:\n"
                                             + "    " + _alias_bomb(8, 10).replace(
                                                 "\n", "\n    ") + "\n")),
        ("alias-bomb-10x10", BASE.replace("version: 2\n", "version: 2\nb:\n  " + _alias_bomb(
            10, 10).replace("\n", "\n  ") + "\n")),
        ("alias-reuse-headers", BASE.replace(
            "    headers:\n      Content-Type:\n      - application/json\n    url",
            "    headers: &h\n      Content-Type:\n      - application/json\n    url").replace(
            "    headers:\n      Content-Type:\n      - application/json\n    status",
            "    headers: *h\n    status")),
        ("alias-body", BASE.replace("body: '{}'", "body: &b '{}'").replace("body: '[]'",
                                                                           "body: *b")),
        ("alias-interaction", BASE.replace("- id: 0\n", "- &i0\n  id: 0\n", 1)
         + "- *i0\n"),
        ("alias-key", BASE.replace("version: 2\n", "version: 2\n&k kk: 1\n? *k\n: 2\n")),
        ("alias-undefined", BASE.replace("body: '[]'", "body: *nope")),
        ("self-alias-seq", BASE.replace("version: 2\n", "version: 2\nx: &s [*s]\n")),
        ("self-alias-map", BASE.replace("version: 2\n", "version: 2\nx: &m {a: *m}\n")),
        ("self-alias-interactions", BASE.replace("interactions:\n", "interactions: &all\n")
         + "- *all\n"),
        ("self-alias-deep", BASE.replace("version: 2\n", "version: 2\nx: &d [[[[{a: *d}]]]]\n")),
        ("self-alias-headers", BASE.replace(
            "    headers:\n      Content-Type:\n      - application/json\n    url",
            "    headers: &hh\n      Content-Type: *hh\n    url")),
        ("self-alias-cassette", "&c\nversion: 2\nself: *c\n" + BASE.replace(
            "---\nversion: 2\n", "")),
    ]


def _versions() -> list[tuple[str, str]]:
    out = []
    for v in ("1", "3", "'2'", "2.0", "null", "[2]", "-2", "0x2", "true", "two"):
        out.append((f"version-{v.strip(chr(39))}", BASE.replace("version: 2\n",
                                                                 f"version: {v}\n")))
    out.append(("version-missing", BASE.replace("version: 2\n", "")))
    return out


def _empties() -> list[tuple[str, bytes]]:
    return [
        ("empty", b""), ("newline", b"\n"), ("spaces", b"   \n\t\n"), ("doc-start", b"---\n"),
        ("doc-end", b"...\n"), ("null", b"null\n"), ("list", b"[]\n"), ("int", b"42\n"),
        ("string", b"hello\n"), ("two-docs", BASE.encode() + b"---\nversion: 2\n"),
        ("nul-bytes", b"\x00" * 64), ("binary", bytes(range(256)) * 4),
        ("latin1", BASE.replace("hi", "h\xe9").encode("latin-1")),
        ("utf16", BASE.encode("utf-16")), ("bom-only", b"\xef\xbb\xbf"),
        ("only-version", b"version: 2\n"), ("interactions-null", b"version: 2\ninteractions:\n"),
        ("deep-seq", b"version: 2\nx: " + b"[" * 50_000 + b"]" * 50_000 + b"\n"),
        ("deep-map", b"version: 2\nx: " + b"{a: " * 20_000 + b"1" + b"}" * 20_000 + b"\n"),
        ("deep-block", b"version: 2\nx:\n" + b"".join(b" " * i + b"- \n" for i in range(0, 6000,
                                                                                    2))),
        ("deep-unclosed", b"version: 2\nx: " + b"[" * 100_000 + b"\n"),
        ("long-line", b"version: 2\nx: '" + b"a" * 3_000_000 + b"'\n"),
    ]


def corpus() -> list[tuple[str, bytes]]:
    """(name, content) of every malformed cassette (FIFOs excepted: see write_corpus)."""
    rng = random.Random(14)
    items: list[tuple[str, bytes]] = []
    for name, old, new in EDITS + HUGE:
        assert old in BASE, name
        items.append((name, BASE.replace(old, new, 1).encode()))
    items += [(n, t.encode()) for n, t in _bombs()]
    items += [(n, t.encode()) for n, t in _versions()]
    items += _empties()
    refs = sorted(f for f in os.listdir(REFERENCE) if f.endswith(".yaml"))
    sources = [("base", BASE.encode())] + [
        (f[:-5], open(os.path.join(REFERENCE, f), "rb").read()) for f in refs
    ]
    for src, data in sources:  # truncations: 6 cuts of each file, incl. mid-character
        for k in range(1, 7):
            cut = len(data) * k // 7 + rng.randrange(-5, 5)
            items.append((f"cut-{src}-{cut}", data[:cut]))
    for src, data in sources:  # byte flips: 7 single flips + 2 bursts of each file
        for _ in range(7):
            pos = rng.randrange(len(data))
            b = bytearray(data)
            b[pos] = rng.choice(b"\x00\xff\n:-[]{}&*!|>'\"%@`#\t ")
            items.append((f"flip-{src}-{pos}", bytes(b)))
        for _ in range(2):
            pos = rng.randrange(len(data) - 40)
            b = bytearray(data)
            for j in range(pos, pos + 40):
                b[j] = rng.randrange(256)
            items.append((f"burst-{src}-{pos}", bytes(b)))
    return items


def write_corpus(folder: str, fifos: int = 2) -> list[str]:
    """Write the corpus (plus `fifos` FIFOs, where the OS has them) into `folder`; return paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for n, (name, data) in enumerate(corpus()):
        path = os.path.join(folder, f"{n:03d}-{name}.yaml")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    if hasattr(os, "mkfifo"):
        for n in range(fifos):
            path = os.path.join(folder, f"fifo-{n}.yaml")
            os.mkfifo(path)
            paths.append(path)
    return paths
