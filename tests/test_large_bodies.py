"""Large bodies are written through a bytes path of their own (codec.interaction_parts,
yamlv3.binary_parts / scalar_parts): it must write exactly what the text emitter writes."""

from __future__ import annotations

import itertools
import os

import pytest

from vcrproxy.cassette import Cassette, Interaction, Request, Response
from vcrproxy.codec import (
    cassette_parts,
    dumps_cassette,
    dumps_interaction,
    interaction_parts,
    loads_cassette,
)
from vcrproxy.store import CassetteWriter, load_cassette, save_cassette
from vcrproxy.yamlv3 import (
    _LINE_START_RE,
    LARGE_SCALAR,
    _binary,
    _literal_body,
    binary_parts,
    utf8_text,
)

BIG = LARGE_SCALAR + 4321  # over the threshold, not a multiple of anything


def _repeat(unit: bytes, size: int = BIG) -> bytes:
    return (unit * (size // len(unit) + 1))[:size]


SSE = b'data: {"id":"c1","choices":[{"delta":{"content":"hi there"}}]}\n\n'
BODIES = {
    "sse": _repeat(SSE),
    "text lines, runs of empty lines": _repeat(b"a line\n\n\nnext\n  indented\n\n"),
    "starts with a break": b"\n" + _repeat(b"x\n"),
    "starts with a space": b" " + _repeat(b"x\n"),
    "starts with a tab": b"\t" + _repeat(b"x\n"),
    "no final break": _repeat(b"x\n") + b"tail",
    "two final breaks": _repeat(b"x\n") + b"\n\n",
    # (double-quoted bodies: one escape per line at most, or the old emitter takes seconds)
    "space before a break (double-quoted)": _repeat(b"some words \n" + b"x" * 200 + b"\n"),
    "control character (double-quoted)": _repeat(b"a\x01" + b"b" * 200 + b"\n"),
    "one JSON line (single-quoted)": b'{"pad":"' + _repeat(b"x'y ") + b'"}',
    "one plain line": _repeat(b"plain words "),
    "tab (double-quoted)": _repeat(b"a\t" + b"b" * 200),
    "non-ASCII text": _repeat("h\u00e9llo w\u00f6rld \u2603\n".encode(), 2 * BIG),
    "non-ASCII with a control character": _repeat(("\u00e9" * 100 + "\x02\n").encode(),
                                                  2 * BIG),
    "line separator": _repeat("a\u2028b\n".encode(), BIG * 8 // 5),
    "binary (bytes 0..255)": _repeat(bytes(range(256))),
    "not UTF-8 after 64 KiB": _repeat(b"text\n", 1 << 17) + b"\xff" + _repeat(b"more\n"),
    "UTF-8 cut at 64 KiB": b"x" * ((1 << 16) - 1) + _repeat("\u00e9\n".encode(), BIG * 8 // 5),
    "binary, short tail": bytes(range(256)) * 4097 + b"\xff\xfe",
}


def _interaction(body: bytes | str, request_body: bytes | str = "") -> Interaction:
    return Interaction(
        id=3,
        request=Request(proto="HTTP/1.1", proto_major=1, proto_minor=1, host="",
                        url="https://api.example.test/v1/x", method="POST", body=request_body,
                        headers={"Content-Type": ["application/json"]}),
        response=Response(proto="HTTP/2.0", proto_major=2, proto_minor=0, content_length=-1,
                          body=body, headers={"Content-Type": ["text/event-stream"]},
                          status="200 OK", code=200, duration_ns=1_500_000),
    )


@pytest.mark.parametrize("layout", ["compact", "indented"])
@pytest.mark.parametrize("name", list(BODIES))
def test_large_body_parts_are_the_text_emitters_bytes(name, layout):
    raw = BODIES[name]
    for body in (raw, utf8_text(raw) or raw):  # as bytes, and as text when it is UTF-8
        i = _interaction(body, request_body=body[:100])
        parts = interaction_parts(i, layout)
        assert len(parts) >= 3  # (the large path was taken: the body is a piece of its own)
        expected = dumps_interaction(i, layout).encode("utf-8", "surrogateescape")
        assert b"".join(parts) == expected
        c = Cassette(interactions=[i], layout=layout)
        assert b"".join(cassette_parts(c)) == dumps_cassette(c).encode("utf-8", "surrogateescape")


def test_lone_surrogates_in_a_large_string_are_binary_as_before():
    body = _repeat(b"text\n") + b"\xff\n"
    text = body.decode("utf-8", "surrogateescape")
    i = _interaction(text)
    parts = interaction_parts(i)
    assert b"".join(parts) == dumps_interaction(i).encode("utf-8", "surrogateescape")
    assert b"!!binary" in b"".join(parts)


@pytest.mark.parametrize("size", [0, 1, 51, 52, 53, 104, 105, 106, 105_000, 105_001, 210_001])
def test_binary_parts_equal_binary(size):
    data = _repeat(bytes(range(255, -1, -1)), size)
    for indent in (0, 4, 6):
        assert b"".join(binary_parts(data, indent)) == _binary(data, indent).encode("ascii")


def test_literal_body_equals_the_regex_on_every_short_text():
    for n in range(1, 9):
        for chars in itertools.product("\n a\r", repeat=n):
            s = "".join(chars)
            if "\n" not in s:
                continue
            for pad in ("  ", "      "):
                assert _literal_body(s, pad) == _LINE_START_RE.sub(pad, s), repr(s)


def test_utf8_text_is_decode_or_none():
    for raw in BODIES.values():
        try:
            expected = raw.decode("utf-8")
        except UnicodeDecodeError:
            expected = None
        assert utf8_text(raw) == expected
    assert utf8_text(b"") == ""


@pytest.mark.parametrize("name", ["sse", "binary (bytes 0..255)", "not UTF-8 after 64 KiB"])
def test_large_interactions_saved_and_appended_load_back(tmp_path, name):
    """Through the store: a new file (atomic save), then an append; both read back."""
    path = str(tmp_path / "big.yaml")
    raw = BODIES[name]
    first, second = _interaction(raw), _interaction(raw[::-1])
    save_cassette(Cassette(interactions=[first]), path)
    with open(path, "rb") as f:
        assert f.read() == dumps_cassette(Cassette(interactions=[first])).encode(
            "utf-8", "surrogateescape")
    writer = CassetteWriter(path)
    writer.append(second, new_id=True)
    loaded = load_cassette(path)
    assert [i.response.body_bytes for i in loaded.interactions] == [raw, raw[::-1]]
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "surrogateescape")
    assert loads_cassette(text).interactions[1].id == 4
    assert os.path.getsize(path) == len(text.encode("utf-8", "surrogateescape"))


# --------------------------------------------------------------------------------------------
# Redaction scans a large streamed body while it streams: exactly what one scan of it finds


KEY = "sk-proj-" + "Qw3Er4Ty5U" * 4  # fake, assembled at run time
OTHER = "sk-ant-api03-" + "Zz9_Yy8-Xx7" * 4


def _whole_scan_hits(finder, data):
    return finder.needles.find(data)


@pytest.mark.parametrize("seed", range(6))
def test_stream_scan_finds_what_one_scan_finds_however_the_body_is_cut(seed):
    import random

    from vcrproxy.redaction import DEFAULT_REDACTION, StreamScan, _finder

    rng = random.Random(seed)
    unit = f'x {KEY} "api_key": "{OTHER}" Bearer {KEY[:20]}\nAIza'.encode()
    data = (unit * 400)[: 400 * len(unit) - rng.randrange(len(unit))]
    scan = StreamScan(DEFAULT_REDACTION)
    assert scan.usable  # (ahocorasick-rs is a dependency)
    pos = 0
    while pos < len(data):  # pieces of 1 byte to a few KiB: needles straddle every boundary
        n = rng.choice([1, 2, 3, 7, rng.randrange(1, 5000)])
        scan.feed(data[pos:pos + n])
        pos += n
    finder = _finder(DEFAULT_REDACTION.patterns, DEFAULT_REDACTION.fields)
    assert scan.hits_for(finder, data) == _whole_scan_hits(finder, data)
    assert len(scan.hits) > 400 * 3
    assert scan.hits_for(finder, data + b"x") is None  # (not what it saw)


TOKEN = "Zq9xLmP2" + "vR7tYw3K8nB4"  # a bearer token of no known shape: found as an echo


def test_stream_scan_echo_hits_are_used_only_for_the_same_values():
    from vcrproxy.redaction import DEFAULT_REDACTION, StreamScan, _Echoes, echo_variants

    i = _interaction("")
    i.request.headers["Authorization"] = [f"Bearer {TOKEN}"]
    variants = echo_variants(i, DEFAULT_REDACTION)
    assert TOKEN.encode() in variants
    data = (f"a {TOKEN} b ".encode() * 1000)
    scan = StreamScan(DEFAULT_REDACTION, variants)
    for pos in range(0, len(data), 333):
        scan.feed(data[pos:pos + 333])
    same = _Echoes({TOKEN: "request header Authorization"})
    assert same.variants == variants
    assert scan.echo_hits_for(same, data) == same.needles.find(data)
    assert len(same.needles.find(data)) == 1000
    more = _Echoes({TOKEN: "request header Authorization", OTHER: "response body field x"})
    assert scan.echo_hits_for(more, data) is None  # (a value named later: searched at the end)


# 2.5 MB: scanned while streaming, echoes too; 9.3 MB: written by the child, and a value named
# in the body itself (an api_key field), so the echo search is made again at the end
@pytest.mark.parametrize("mb, named_in_body", [(2.5, False), (9.3, True)])
def test_large_streamed_body_is_redacted_as_one_scan_of_it_would(mb, named_in_body, run_proxy,
                                                                  gateway, ca_cert, tmp_path,
                                                                  monkeypatch):
    from base64 import urlsafe_b64encode

    from conftest import proxied_client

    from vcrproxy import redaction
    from vcrproxy.redaction import DEFAULT_REDACTION, redact_interaction

    used: list[bool] = []  # whether the end took the echo hits from the scan
    real = redaction.StreamScan.echo_hits_for
    monkeypatch.setattr(redaction.StreamScan, "echo_hits_for",
                        lambda self, e, d: used.append(real(self, e, d) is not None) or real(
                            self, e, d))

    # 997 (9,973) bytes, so secrets straddle the 64 KiB writes and the TLS records at many places
    field = f'"api_key": "{OTHER}", ' if named_in_body else ""
    unit = f'data: {{{field}"text": "key {KEY} here, token {TOKEN}"}}\n\n'
    unit += "." * ((9973 if mb > 8 else 997) - len(unit))
    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record")
    # (base64 in the URL: a key shape there would be an echoed value, masking whole units)
    url = f"{gateway.url}/big?mb={mb}&chunked=1&unit64={urlsafe_b64encode(unit.encode()).decode()}"
    with proxied_client(proxy, ca_cert) as client:
        r = client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    raw = r.content
    assert len(raw) == int(mb * 1024 * 1024) and KEY.encode() in raw
    (rec,) = load_cassette(str(cassette)).interactions  # (written before the call returned)
    body = rec.response.body_bytes
    for secret in (KEY, OTHER, TOKEN):
        assert secret.encode() not in body
    if mb < 8:  # (the 9.3 MB one is redacted in the writer's child: nothing to see here)
        assert used == [not named_in_body]
    rec.request.headers["Authorization"] = [f"Bearer {TOKEN}"]  # (as sent)
    unredacted = Interaction(id=rec.id, request=rec.request, response=Response(
        **{**rec.response.__dict__, "body": raw.decode(), "extra": {
            k: v for k, v in rec.response.extra.items()}}))
    unredacted.response.extra["vcrproxy_chunks"] = [[0.0, len(raw)]]
    expected = redact_interaction(unredacted, DEFAULT_REDACTION)
    assert rec.response.body == expected.response.body
    assert sum(size for _, size in rec.response.extra["vcrproxy_chunks"]) == len(body)
