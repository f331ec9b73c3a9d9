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
            if "\n" not in s or " \n" in s:  # (literal style only: `_scalar_style`)
                continue
            for pad in ("  ", "      "):
                assert _literal_body(s, pad) == _LINE_START_RE.sub(pad, s), repr(s)


def _literal_cut_anywhere(text: str) -> bool:
    """Feed `text` to a LiteralScalar in two pieces cut at every byte: usable exactly when
    yaml.v3 writes it as a literal block (`_scalar_style`; U+2028/2029 aside), and then
    scalar_parts' bytes; the bytes back in any case. Returns whether it is literal."""
    from vcrproxy.yamlv3 import _LITERAL, LiteralScalar, _scalar_style, scalar_parts

    raw = text.encode()
    literal = len(raw) >= 3 and _scalar_style(text) == _LITERAL and (
        "\u2028" not in text and "\u2029" not in text)
    expected = b"".join(scalar_parts(text, 4, 2)) if literal else None
    for cut in range(len(raw) + 1):
        block = LiteralScalar(4, 2)
        block.feed(raw[:cut])
        block.feed(raw[cut:])
        assert block.finish().usable == literal, (text, cut)
        if literal:
            assert b"".join(block.parts) == expected, (text, cut)
        assert block.data() == raw
    return literal


@pytest.mark.parametrize("step", [None, 1, 3])
def test_literal_scalar_equals_scalar_parts_on_every_short_text_cut_anywhere(step, monkeypatch):
    """Every text of up to 7 characters of "\\n", " ", "a", in two pieces cut at every place:
    runs of empty lines, breaks at a piece's ends, spaces before breaks across the cut; and
    with the piece indented in steps of 1 or 3 bytes (_MARK_STEP), a step's end everywhere."""
    from vcrproxy import yamlv3

    if step:
        monkeypatch.setattr(yamlv3, "_MARK_STEP", step)
    literal = sum(_literal_cut_anywhere("".join(chars)) for n in range(1, 8)
                  for chars in itertools.product("\n a", repeat=n))
    assert literal > 800


@pytest.mark.parametrize("hyperscan", [True, False])
def test_literal_scalar_tells_every_character_yaml_v3_rejects_cut_anywhere(hyperscan,
                                                                           monkeypatch):
    """Every text of up to 3 characters from those around each rule (C0 and C1 controls, DEL,
    NEL, U+FEFF, U+FFFE/FFFF, U+2028/2029, past U+FFFF, a space before a break) alone and
    after a line, in two pieces cut at every byte (inside characters too): usable exactly
    when yaml.v3 writes it as a literal block (`_scalar_style`), and then scalar_parts' bytes;
    with the one Hyperscan pass over the bytes (_NOT_LITERAL_BYTES) and without it."""
    from vcrproxy import yamlv3

    if not hyperscan:
        monkeypatch.setattr(yamlv3, "_not_literal_db", lambda: None)
    elif yamlv3._not_literal_db() is None:
        pytest.skip("no Hyperscan wheel here")
    alphabet = ["a", " ", "\n", "\t", "\r", "\x01", "\x7f", "\x85", "\xa0", "\xe9",
                "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\ufffd", "\ue000",
                "\U0001f600"]
    literal = sum(_literal_cut_anywhere(lead + "".join(chars)) for n in range(1, 4)
                  for chars in itertools.product(alphabet, repeat=n) for lead in ("", "b\n"))
    assert literal > 600


def test_literal_scalar_checks_without_hyperscan_when_it_cannot_build(monkeypatch):
    """Hyperscan present but unable to build its database (a CPU it does not support raises
    there): a LiteralScalar falls back to the checks it replaces instead of failing the
    recording."""
    hyperscan = pytest.importorskip("hyperscan")
    from vcrproxy import yamlv3

    class Unsupported:
        def __init__(self, *a, **kw):
            raise hyperscan.error("HS_ARCH_ERROR")

    monkeypatch.setattr(hyperscan, "Database", Unsupported)
    yamlv3._not_literal_db.cache_clear()
    try:
        assert yamlv3._not_literal_db() is None
        assert _literal_cut_anywhere("ab\ncd\n") and not _literal_cut_anywhere("a \nb\n")
    finally:
        monkeypatch.undo()
        yamlv3._not_literal_db.cache_clear()


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


# --------------------------------------------------------------------------------------------
# A large binary body is written as its YAML text while it streams (yamlv3.BinaryScalar): the
# end of its recording only writes it, and only that text is kept past LARGE_BODY


@pytest.mark.parametrize("seed", range(4))
def test_binary_scalar_is_binary_parts_however_it_is_fed(seed):
    import random

    from vcrproxy.yamlv3 import BinaryScalar

    rng = random.Random(seed)
    sizes = [0, 1, 51, 52, 104_999, 105_000, 105_001, 210_000, rng.randrange(1, 3_000_000)]
    for size in sizes:
        data = rng.randbytes(size)
        indent = rng.choice([6, 8, 10])
        block = BinaryScalar(indent)
        at = 0
        while at < size:
            n = rng.choice([1, 7, 65_536, 104_999, 1 << 20])
            block.feed(data[at:at + n])
            at += n
        assert b"".join(block.finish().parts) == b"".join(binary_parts(data, indent)), size
        assert block.data() == data and len(block) == size
        assert block.finish() is block  # (once)


@pytest.mark.parametrize("layout", ["compact", "indented"])
def test_a_binary_scalar_body_is_written_as_the_bytes_body_would_be(layout):
    from vcrproxy.codec import response_body_columns
    from vcrproxy.yamlv3 import BinaryScalar

    raw = BODIES["binary (bytes 0..255)"]
    expected = b"".join(interaction_parts(_interaction(raw), layout))
    column, _ = response_body_columns(layout)
    for indent in (column, column + 2):
        block = BinaryScalar(indent)
        block.feed(raw)
        # (another indentation than the layout's: decoded and written as bytes, the same text)
        assert b"".join(interaction_parts(_interaction(block.finish()), layout)) == expected
    assert dumps_interaction(_interaction(block), layout).encode() == expected


def _leaves_cases():
    from vcrproxy.redaction import DEFAULT_REDACTION, RedactionConfig

    custom = RedactionConfig.from_strings(patterns="zz[0-9]{6}")
    cases = []
    for ctype in ("application/octet-stream", "application/json",
                  "application/x-www-form-urlencoded", "multipart/form-data; boundary=b"):
        for body in (
            bytes(range(256)) * 40,  # clean
            bytes(range(256)) * 20 + KEY.encode() + bytes(range(256)) * 20,  # a key shape
            bytes(range(256)) * 20 + TOKEN.encode() + b"\xff" * 99,  # an echo of the header
            # a value named later in the body itself, appearing before it too
            b"\xff" + OTHER.encode() + b"\xfe" * 500 + b'"api_key": "' + OTHER.encode() + b'"',
            b"\xff zz123456 \xfe" * 30,  # only the custom pattern's
            b"a=" + TOKEN.encode()[:3] + b"&password=hunter22hunter22&\xff",  # a form field
        ):
            for config in (DEFAULT_REDACTION, custom):
                cases.append((ctype, body, config))
    return cases


TOKEN = "tok_" + "AbCdEfGh12" * 3  # named in the Authorization header of the tests below


def test_leaves_body_is_true_only_when_redaction_leaves_the_body_as_it_is():
    """The writer keeps a large binary body's streamed text only when `leaves_body` says the
    body needs no change: whenever it says so, redacting the whole interaction must indeed leave
    the body byte for byte (and it must say so for a clean body, or nothing is gained)."""
    from vcrproxy.redaction import StreamScan, echo_variants, redact_interaction

    said_yes = said_no = 0
    for ctype, body, config in _leaves_cases():
        def interaction(body: bytes, ctype: str = ctype) -> Interaction:
            i = _interaction(body)
            i.request.headers["Authorization"] = [f"Bearer {TOKEN}"]
            i.response.headers["Content-Type"] = [ctype]
            return i

        empty = interaction(b"")
        scan = StreamScan(config, echo_variants(empty, config))
        for at in range(0, len(body), 997):
            scan.feed(body[at:at + 997])
        redacted = redact_interaction(interaction(body), config).response.body_bytes
        if scan.leaves_body(empty, config, len(body)):
            said_yes += 1
            assert redacted == body, (ctype, body[:40])
        else:
            said_no += 1
        assert not scan.leaves_body(empty, config, len(body) + 1)  # (it saw all of it)
    assert said_yes >= 2 and said_no >= 30


def _streamed_verdict(body: bytes, size) -> tuple[bool, bool]:
    """(what StreamScan.leaves_body says of `body` fed in pieces of `size()` bytes, whether
    redacting the whole body leaves it as it is): hits straddle every boundary."""
    from vcrproxy.redaction import DEFAULT_REDACTION, StreamScan, redact_interaction

    scan = StreamScan(DEFAULT_REDACTION)
    at = 0
    while at < len(body):
        n = size()
        scan.feed(body[at:at + n])
        at += n
    redacted = redact_interaction(_interaction(body), DEFAULT_REDACTION).response.body_bytes
    return scan.leaves_body(_interaction(b""), DEFAULT_REDACTION, len(body)), redacted == body


def _near_misses(value: str, rng) -> list[bytes]:
    """Bytes that hold a shape's needle and no key: the example cut short a few bytes past
    its first needle, alone, or followed by a byte outside its reach or a line break and the
    rest of it (the test's random bytes around them may still make one: rarely)."""
    v = value.encode()
    cut = min(len(v) - 1, rng.randrange(6, 12))
    return [v[:cut], v[:cut] + b"\xff" + v[cut:], v[:cut] + b"\n" + v[cut:]]


@pytest.mark.parametrize("seed", range(4))
def test_leaves_body_decides_each_shape_hit_as_the_whole_body_does(seed):
    """Random bytes hold a few needles per MB by chance (`Q~` most). The scan tries each
    shape where its hit puts the start, with the bytes up to the first one outside its reach
    (those after it cannot change the answer), waiting for the next piece or the body's end
    when it needs them: with only shape needles in the body, `leaves_body` says yes exactly
    when redacting the whole body leaves it as it is, however the body is cut; and a key of
    any shape makes it say no."""
    import random

    from secret_shapes import SHAPE_EXAMPLES


    rng = random.Random(seed)

    def verdict(body: bytes) -> tuple[bool, bool]:  # (pieces of 1 byte to 40 KiB)
        return _streamed_verdict(body, lambda: rng.choice([1, 2, 3, 5, rng.randrange(1, 40_000)]))

    yes = 0
    for name, value in SHAPE_EXAMPLES.items():
        if name == "private-key":  # (its reach is any byte: any hit of it is a suspect)
            continue
        parts = []
        for miss in _near_misses(value, rng) * 2:
            parts += [rng.randbytes(rng.randrange(0, 3000)), miss]
        body = b"".join(parts)
        for cut in (body, body[: len(body) - rng.randrange(0, 12)]):  # (a hit at the end)
            said, left = verdict(cut)
            assert said == left, name
            yes += said
    assert yes >= 60
    for name, value in SHAPE_EXAMPLES.items():
        body = rng.randbytes(5000) + b"\xff" + value.encode() + b"\xff" + rng.randbytes(500)
        said, left = verdict(body)
        assert not said and not left, name
        said, left = verdict(body[:-501])  # (the key at the end of the body)
        assert not said and not left, name
    # In prose each hit is decided at the next space (`task-` holds `sk-`; `Bearer` at a
    # comma), however far the text runs.
    for prose in (b"a task-list, ", b"the bearer, ", b"abc1Q~ab "):
        said, left = verdict(prose * 20 + b"a b " * 40_000)
        assert said and left, prose
    # A hit whose reach runs on with no byte to end it: past UNDECIDED_MAX it is a suspect.
    body = b"\xff" * 9 + b"abc1Q~" + b"ab" * 40_000
    said, left = verdict(body)
    assert left and not said


# JSON whose names or text hold credential stems (key, token, auth, sig, sess...) and no
# credential field, and fields the rule calls credentials.
_FIELDS_CLEAN = [
    b'{"usage":{"prompt_tokens":12,"completion_tokens_details":{"reasoning_tokens":0}}}',
    b'"credentialType":"system"', b'"signature": "EqQBCkgIARABGAIiQL"', b'"max_tokens" :50',
    b'"content":"the key to the author\'s design, a token of passwords"', b'"session":"s"',
    b'{\\"text\\": \\"monkey keys\\"}', b'"token_type": "bearer"', b'"nextPageToken":"a"',
    b'"secret_name":"x"', b'"private_key_id":"0123"', b'["key", "token"]', b'"authMethod":"oauth"',
    b'"keyboard":"qwerty"', b'"keywords":["k"]', b'"thoughtSignature":"Cq"',
    b'"text":"caf\\u00e9 \\u0041PI key"', b'"\\u0061uthor":"x"',
    b'<Key>a/key.jpg</Key>', b'<max_tokens>5</max_tokens>', b'<tokens/>', b'?monkey=1&sp=r',
    b'?page_token=2&amp;keyword=k', b'{\\\\\\"max_tokens\\\\\\": 5}',
]
_FIELDS_SECRET = [
    b'"api_keys":"Zq81xkPLm3vR"', b'"accessTokenValue" : "abcd"', b'"aPiKeY":"zz"',
    b'{\\"password_hash\\": \\"x1\\"}', b'"session_id":"s1"', b'"Cookie":"a=b"',
    b'"client_secret_2":\n "v"', b'"api\\u005fkey":"k"', b'"\\u0073ession_id":"s"',
    b'"api_keys": ["k1", "k2"]', b'<SecretAccessKey>v</SecretAccessKey>',
    b'<aws:SessionToken a="b">\n v</aws:SessionToken>', b'?sp=r&sig=abc', b'&amp;api_key=x',
    b'?a=1\\u0026sig=abc',
    b'{\\\\\\"db_password\\\\\\": \\\\\\"x\\\\\\"}',
]


@pytest.mark.parametrize("seed", range(4))
def test_leaves_body_decides_each_field_name_hit_as_the_whole_body_does(seed):
    """A stem hit is a credential field only when its name's closing quote and `:` follow
    and the rule calls the whole name one: the scan decides each as the bytes that tell come
    (a name, its quote and the spaces before `:` may straddle any cut), so JSON full of
    `prompt_tokens` or `credentialType` keeps its streamed text, and a credential field
    anywhere (escaped in a JSON string too) makes `leaves_body` say no."""
    import random


    rng = random.Random(seed)

    def verdict(body: bytes) -> tuple[bool, bool]:
        return _streamed_verdict(body, lambda: rng.choice([1, 2, 3, 7, rng.randrange(1, 3000)]))

    def body_of(fragments: list[bytes], n: int) -> bytes:
        return b"".join(rng.choice(fragments) + rng.choice([b",", b" ", b"\n", b"\xff", b""])
                        for _ in range(n))

    for _ in range(20):
        clean = body_of(_FIELDS_CLEAN, 40)
        assert verdict(clean) == (True, True), clean
        for cut in range(0, len(clean), 37):  # (the body may end anywhere in a name)
            said, left = verdict(clean[:cut])
            assert said and left, clean[:cut]
        secret = rng.choice(_FIELDS_SECRET)
        at = rng.randrange(0, len(clean))
        said, left = verdict(clean[:at] + b", " + secret + b", " + clean[at:])
        assert not said and not left, secret


def _shape_bytes(parsed, flags: int) -> set[int]:
    """Every byte an item of a parsed bytes pattern may hold or test (a superset)."""
    import re
    from re import _constants as c  # (the regex parser's own tree: the source of the rule)

    every = set(range(256))
    out: set[int] = set()
    for op, av in parsed:
        if op is c.LITERAL:
            out.add(av)
            if flags & re.IGNORECASE and chr(av).isalpha():
                out |= {ord(chr(av).lower()), ord(chr(av).upper())}
        elif op in (c.NOT_LITERAL, c.ANY):
            out |= every
        elif op is c.IN:
            negated = any(o is c.NEGATE for o, _ in av)
            got: set[int] = set()
            for o, a in av:
                if o is c.LITERAL:
                    got.add(a)
                elif o is c.RANGE:
                    got |= set(range(a[0], a[1] + 1))
                elif o is c.CATEGORY:
                    got |= {b for b in range(128) if re.fullmatch(
                        {c.CATEGORY_DIGIT: rb"\d", c.CATEGORY_SPACE: rb"\s",
                         c.CATEGORY_WORD: rb"\w"}[a], bytes([b]))}
                elif o is not c.NEGATE:
                    got |= every  # (anything else: assume the worst)
            if flags & re.IGNORECASE:
                got |= {ord(chr(b).swapcase()) for b in got if chr(b).isalpha() and b < 128}
            out |= (every - got) if negated else got
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            out |= _shape_bytes(av[2], flags)
        elif op is c.SUBPATTERN:
            out |= _shape_bytes(av[3], (flags | av[1]) & ~av[2])
        elif op is c.BRANCH:
            for branch in av[1]:
                out |= _shape_bytes(branch, flags)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            out |= _shape_bytes(av[1], flags)
        elif op is not c.AT:  # (\b: tests the bytes either side, each held or the one after)
            out |= every
    return out


def test_each_shape_says_truly_what_bytes_it_reaches():
    """`Shape.reach` is what lets StreamScan decide a hit from the bytes up to the first one
    outside it: walked in the regex parser's own tree, every shape holds and tests only bytes
    of its reach, and one that may reach any byte (a private key) says so."""
    import re
    from re import _parser

    from vcrproxy.redaction import SHAPES, _bytes_pattern

    for shape in SHAPES:
        bp = _bytes_pattern(shape.pattern)
        reach = _shape_bytes(_parser.parse(bp.pattern, bp.flags), bp.flags & re.IGNORECASE)
        if shape.reach is None:
            assert reach == set(range(256)), shape.name
        else:
            assert reach <= set(shape.reach), shape.name


def _big_binary_url(gateway, mb: float, unit: bytes | None = None) -> str:
    from base64 import urlsafe_b64encode

    url = f"{gateway.url}/big?mb={mb}&chunked=1"
    return url + f"&unit64={urlsafe_b64encode(unit).decode()}" if unit else url


def _record_big(run_proxy, gateway, ca_cert, tmp_path, unit: bytes | None = None,
                mb: float = 9.3, **vcr_options) -> tuple[bytes, Cassette]:
    """Record one /big stream through the in-process proxy: (the bytes the client got, the
    cassette as loaded); the file is checked to be exactly what the standard emitter writes."""
    from conftest import proxied_client

    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record", **vcr_options)
    with proxied_client(proxy, ca_cert) as client:
        raw = client.get(_big_binary_url(gateway, mb, unit)).content
    assert len(raw) == int(mb * 1024 * 1024)
    loaded = load_cassette(str(cassette))
    with open(cassette, "rb") as f:
        assert f.read() == dumps_cassette(loaded).encode("utf-8", "surrogateescape")
    return raw, loaded


def _count_binary_paths(monkeypatch) -> dict[str, int]:
    """How often a streamed scalar was finished, and decoded back (for either kind)."""
    from vcrproxy import yamlv3

    seen = {"finish": 0, "data": 0}
    finish = yamlv3.StreamedScalar.finish
    monkeypatch.setattr(yamlv3.StreamedScalar, "finish",
                        lambda self: seen.__setitem__("finish", seen["finish"] + 1) or finish(self))
    for kind in (yamlv3.BinaryScalar, yamlv3.LiteralScalar):
        monkeypatch.setattr(kind, "data", lambda self, data=kind.data: seen.__setitem__(
            "data", seen["data"] + 1) or data(self))
    return seen


def test_a_large_binary_stream_is_written_as_it_streams(run_proxy, gateway, ca_cert, tmp_path,
                                                        monkeypatch):
    """9.3 MB of bytes 0..255 (go-vcr writes it as !!binary): the file is exactly what the
    standard emitter writes for the body the client got, and only the streamed text was kept
    (never decoded back)."""
    from conftest import proxied_client

    seen = _count_binary_paths(monkeypatch)
    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        raw = client.get(_big_binary_url(gateway, 9.3)).content
        small = client.get(_big_binary_url(gateway, 0.5)).content  # appended after it
    assert len(raw) == int(9.3 * 1024 * 1024) and len(small) == 512 * 1024
    loaded = load_cassette(str(cassette))
    assert [i.response.body_bytes for i in loaded.interactions] == [raw, small]
    with open(cassette, "rb") as f:
        assert f.read() == dumps_cassette(loaded).encode("utf-8", "surrogateescape")
    assert seen["finish"] >= 1 and seen["data"] == 0


def test_a_large_binary_stream_with_secrets_is_redacted_as_one_scan_of_it_would(
        run_proxy, gateway, ca_cert, tmp_path, monkeypatch):
    """The same stream holding a key, an echo of the Authorization token and a value named by a
    JSON field later in the body (also before it): its text is decoded back and redacted as
    any body; nothing secret reaches the file."""
    from conftest import proxied_client

    from vcrproxy.redaction import DEFAULT_REDACTION, redact_interaction

    seen = _count_binary_paths(monkeypatch)
    unit = (b"\xff\xfe " + OTHER.encode() + b" key " + KEY.encode() + b" token " +
            TOKEN.encode() + b' {"api_key": "' + OTHER.encode() + b'"} ')
    unit += b"\x00" * (9973 - len(unit))
    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.get(_big_binary_url(gateway, 9.3, unit),
                       headers={"Authorization": f"Bearer {TOKEN}"})
    raw = r.content
    assert len(raw) == int(9.3 * 1024 * 1024) and KEY.encode() in raw
    with open(cassette, "rb") as f:
        text = f.read()
    (rec,) = load_cassette(str(cassette)).interactions
    body = rec.response.body_bytes
    for secret in (KEY, OTHER, TOKEN):
        assert secret.encode() not in body and secret.encode() not in text
    rec.request.headers["Authorization"] = [f"Bearer {TOKEN}"]  # (as sent)
    unredacted = Interaction(id=rec.id, request=rec.request, response=Response(
        **{**rec.response.__dict__, "body": raw, "extra": dict(rec.response.extra)}))
    unredacted.response.extra["vcrproxy_chunks"] = [[0.0, len(raw)]]
    assert body == redact_interaction(unredacted, DEFAULT_REDACTION).response.body_bytes
    # Decoded back once, to be redacted, in the writer's child: never in the proxy's process,
    # which would then hold the body beside its text (+270 MB at peak for 50 MB of random bytes)
    assert seen["data"] == (0 if hasattr(os, "fork") else 1)


def test_a_binary_stream_whose_coding_breaks_after_large_body_keeps_its_readable_start():
    """A gzip'd binary stream that stops decoding past LARGE_BODY, when only its text was kept
    so far: the recording is what the readable start decodes to (as for any broken coding),
    not the text of the pieces before the break."""
    import gzip
    import random
    import zlib

    from mitmproxy import http

    from vcrproxy.codec import response_body_columns
    from vcrproxy.decoders import decode_prefix
    from vcrproxy.flows import LARGE_BODY
    from vcrproxy.recording import StreamRecorder
    from vcrproxy.yamlv3 import BinaryScalar

    body = random.Random(5).randbytes(LARGE_BODY + (3 << 20))  # (not compressible)
    encoded = gzip.compress(body, compresslevel=1)
    # Up to a flush point past LARGE_BODY, then a block of the invalid type 3: the decoder fails
    # there, in the middle of the stream (the first 9 MB were only kept as text by then).
    co = zlib.compressobj(1, zlib.DEFLATED, 31)
    readable = body[: LARGE_BODY + (1 << 20)]
    broken = co.compress(readable) + co.flush(zlib.Z_FULL_FLUSH) + b"\xff" * 4096 + encoded[-9999:]
    flow = http.HTTPFlow(None, None)  # type: ignore[arg-type]
    flow.request = http.Request.make("GET", "https://files.example.test/audio.bin")
    flow.response = http.Response.make(200, b"", {"content-encoding": "gzip",
                                                  "content-type": "application/octet-stream"})
    for broken_at_end in (False, True):
        data = encoded if not broken_at_end else broken
        recorder = StreamRecorder(flow, scalar_columns=response_body_columns())
        for at in range(0, len(data), 1 << 16):
            assert recorder.tap(data[at:at + (1 << 16)]) == data[at:at + (1 << 16)]
        recorder.tap(b"")
        pieces, decoded, chunks = recorder.pieces()
        assert decoded
        if not broken_at_end:
            indent, _ = response_body_columns()
            assert b"".join(pieces.parts) == b"".join(binary_parts(body, indent))
        else:
            expected = decode_prefix(broken, "gzip")
            assert len(expected) > LARGE_BODY
            kept = pieces.data() if isinstance(pieces, BinaryScalar) else b"".join(pieces)
            assert kept == expected == readable
            assert not isinstance(pieces, BinaryScalar)  # (the recording was redone from the start)
        assert sum(n for _, n in chunks) == (len(body) if not broken_at_end else len(expected))


@pytest.mark.parametrize("layout", ["compact", "indented"])
@pytest.mark.parametrize("seed", range(3))
def test_literal_scalar_is_scalar_parts_or_gives_the_bytes_back(layout, seed):
    """Every large body of BODIES, fed in pieces of 1 byte to 1 MiB (so characters, U+2028 and
    a space before a break are cut across pieces): a text yaml.v3 writes as a literal block
    comes out as scalar_parts' exact bytes; any other body is not usable and `data()` gives its
    bytes back."""
    import random

    from vcrproxy.codec import response_body_columns
    from vcrproxy.yamlv3 import _LITERAL, LiteralScalar, _scalar_style, scalar_parts

    rng = random.Random(seed)
    indent, hint = response_body_columns(layout)
    usable = 0
    for name, raw in BODIES.items():
        block = LiteralScalar(indent, hint)
        at = 0
        while at < len(raw):
            n = rng.choice([1, 2, 3, 4, 1000, 65_536, 1 << 20])
            block.feed(raw[at:at + n])
            at += n
        block.finish()
        text = utf8_text(raw)
        literal = text is not None and _scalar_style(text) == _LITERAL and (
            "\u2028" not in text and "\u2029" not in text)
        assert block.usable == literal, name
        if literal:
            usable += 1
            assert b"".join(block.parts) == b"".join(scalar_parts(text, indent, hint)), name
        assert block.data() == raw, name
        assert len(block) == len(raw)
    assert usable >= 8


@pytest.mark.parametrize("unit", [
    b'data: {"choices":[{"delta":{"content":"h\xc3\xa9llo w\xc3\xb6rld"}}]}\n\n',  # literal
    b"data: a line with a control character \x01 in it\n\n",  # double-quoted
    b"x\n",  # a literal block 4x the body: kept as bytes (LiteralScalar gives them back)
])
def test_a_large_text_stream_is_written_as_it_streams(unit, run_proxy, gateway, ca_cert,
                                                      tmp_path, monkeypatch):
    """9.3 MB of SSE: the file is exactly what the standard emitter writes for the body the client
    got; a literal block is written from the text built while it streamed (never decoded back),
    a text that is not one is given back and written as before."""
    seen = _count_binary_paths(monkeypatch)
    raw, loaded = _record_big(run_proxy, gateway, ca_cert, tmp_path, unit)
    assert [i.response.body_bytes for i in loaded.interactions] == [raw]
    # (a text that is not a literal block is decoded back in the writer's child, where it is
    # redacted: never in the proxy's process, beside its text)
    assert seen["finish"] >= 1 and seen["data"] == (
        0 if b"\x01" not in unit or hasattr(os, "fork") else 1)


def test_literal_scalar_sees_what_straddles_two_pieces():
    """One space before a break, one U+2028, one cut character: each split exactly across two
    pieces, the only one in the text."""
    from vcrproxy.yamlv3 import LiteralScalar

    text = b"line\n" * 1000
    for left, right, usable in ((b"a ", b"\nb", False), (b"a\xe2", b"\x80\xa8b", False),
                                (b"a\xc3", b"\xa9b\n", True), (b"a\xc3", b"b\n", False)):
        block = LiteralScalar(6, 2)
        block.feed(text + left)
        block.feed(right + text)
        assert block.finish().usable is usable, (left, right)
        assert block.data() == text + left + right + text


def test_binary_scalar_data_does_not_copy_the_text():
    """data() decodes block by block: at its peak it holds the body (the decoded blocks and
    their join), not the text joined, sliced and stripped (three copies of the text at once)."""
    import random
    import tracemalloc

    from vcrproxy.yamlv3 import BinaryScalar

    raw = random.Random(3).randbytes(4 << 20)
    block = BinaryScalar(6)
    for at in range(0, len(raw), 1 << 20):
        block.feed(raw[at:at + (1 << 20)])
    block.finish()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        data = block.data()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert data == raw
    assert peak < 2.2 * len(raw)  # (was 3.8x)


def test_a_large_binary_stream_recorded_unredacted_leaves_no_text_in_the_session(
        run_proxy, gateway, ca_cert, tmp_path):
    """--no-redact: the streamed text is written, and the session's models (which go on living
    for the whole session) keep the interaction without it, as with redaction: they held the
    text of every large binary body recorded (+44 MB of VmRSS per 30 MB body, never freed)."""
    from conftest import proxied_client

    from vcrproxy.yamlv3 import BinaryScalar

    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record", redact=False)
    with proxied_client(proxy, ca_cert) as client:
        raw = client.get(_big_binary_url(gateway, 9.3)).content
    assert len(raw) == int(9.3 * 1024 * 1024)
    (rec,) = load_cassette(str(cassette)).interactions
    assert rec.response.body_bytes == raw
    (session,) = proxy.vcr.all_sessions()
    models = [session.cassette.interactions]
    if session._writer is not None:
        models.append(session._writer.cassette.interactions)
    for interactions in models:
        assert len(interactions) == 1
        assert not isinstance(interactions[0].response.body, BinaryScalar)
        assert len(interactions[0].response.body) == 0


def test_a_literal_scalar_of_short_lines_gives_the_bytes_back():
    """Lines of one character are 4x the body once indented: the streamed text stays within
    1.5x the body (+ TEXT_SLACK) by going back to the bytes, which the codec then writes as
    before (it held 4x the body: a 50 MB recording peaked at idle + 247 MB, the old path's
    +56 MB)."""
    from vcrproxy.codec import response_body_columns
    from vcrproxy.yamlv3 import TEXT_SLACK, LiteralScalar

    for layout in ("compact", "indented"):
        body = b"\n" + b"x\n" * (6 << 20)
        block = LiteralScalar(*response_body_columns(layout))
        for at in range(0, len(body), 1 << 20):
            block.feed(body[at:at + (1 << 20)])
            kept = sum(map(len, block.parts)) + sum(map(len, block._raw))
            assert kept <= block.size * 3 // 2 + TEXT_SLACK
        assert not block.finish().usable and block.data() == body
        assert b"".join(interaction_parts(_interaction(block), layout)) == b"".join(
            interaction_parts(_interaction(body.decode()), layout))


@pytest.mark.parametrize("forks", [True, False])
def test_a_large_random_binary_stream_is_written_from_its_text_never_decoded_back(
        forks, run_proxy, gateway, ca_cert, tmp_path, monkeypatch):
    """Random bytes (compressed audio, images) hold a few short needles per MB (`Q~`, `hf_`,
    `sk-`...) that are no key. The scan tries each shape where its hit is, as the whole
    body's redaction would, so `leaves_body` says the body stays as it is and its streamed
    text is written as it is, in the text process and in the scan thread alike: never decoded
    back (`BinaryScalar.data` fails here, in the writer's child too) nor made twice
    (`binary_parts` fails on the body). Before, each such needle meant "may change": the end
    decoded the text back and redacted it in the writer's child (~0.15 s of a 50 MB
    recording's end), and without the text process no text was made at all. The file is the
    standard emitter's."""
    import random

    from vcrproxy import codec, scanprocess, yamlv3
    from vcrproxy.redaction import DEFAULT_REDACTION, StreamScan

    unit = b"1Q~x" + random.Random(7).randbytes(9969)  # (needles from its first bytes on)
    scan = StreamScan(DEFAULT_REDACTION)
    scan.feed(unit * 3)
    assert len(scan.hits) >= 3 and not scan.changes()
    monkeypatch.setattr(scanprocess, "FORKS", forks and scanprocess.FORKS)
    binary_parts = codec.binary_parts

    def only_small(data, indent):
        assert len(data) < 1 << 20, "the streamed text was made again"
        return binary_parts(data, indent)

    def never(self):
        raise AssertionError("the streamed text was decoded back")

    monkeypatch.setattr(codec, "binary_parts", only_small)
    seen = _count_binary_paths(monkeypatch)
    monkeypatch.setattr(yamlv3.BinaryScalar, "data", never)
    raw, loaded = _record_big(run_proxy, gateway, ca_cert, tmp_path, unit)
    assert [i.response.body_bytes for i in loaded.interactions] == [raw]  # (no key in it)
    assert seen["finish"] >= 1
