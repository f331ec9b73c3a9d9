"""The cassette codec: byte-exact round trips, yaml.v3's scalar styles, layouts, errors."""

from __future__ import annotations

import glob
import logging
import os
import re
import stat

import pytest
import yaml

from vcrproxy.cassette import (
    CHUNKS_KEY,
    Cassette,
    CassetteError,
    Interaction,
    Request,
    Response,
)
from vcrproxy.yamlio import (
    canonical_header_name,
    dumps_cassette,
    dumps_interaction,
    go_key_sorted,
    go_resolve,
    load_cassette,
    loads_cassette,
    save_cassette,
)
from vcrproxy.yamlv3 import _Loader

HERE = os.path.dirname(__file__)
REFERENCE = sorted(glob.glob(os.path.join(HERE, "..", "cassettes", "*.yaml")))
INDENTED = os.path.join(HERE, "go", "testdata", "indented")  # yaml.v3's own 4-space output


def read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def names(paths):
    return [os.path.basename(p) for p in paths]


def test_reference_cassettes_are_there():
    assert len(REFERENCE) == 6
    assert sorted(os.listdir(INDENTED)) == sorted(names(REFERENCE))


# --------------------------------------------------------------------------------------------
# Fidelity: every reference cassette, in both layouts, byte for byte


@pytest.mark.parametrize("path", REFERENCE, ids=names(REFERENCE))
def test_reference_round_trips_byte_for_byte(path):
    text = read(path)
    cassette = loads_cassette(text, path)
    assert cassette.layout == "compact"
    assert dumps_cassette(cassette) == text


@pytest.mark.parametrize("path", REFERENCE, ids=names(REFERENCE))
def test_indented_layout_equals_yaml_v3_output(path):
    cassette = loads_cassette(read(path))
    cassette.layout = "indented"
    assert dumps_cassette(cassette) == read(os.path.join(INDENTED, os.path.basename(path)))


@pytest.mark.parametrize("path", REFERENCE, ids=names(REFERENCE))
def test_indented_reference_round_trips_byte_for_byte(path):
    text = read(os.path.join(INDENTED, os.path.basename(path)))
    cassette = loads_cassette(text)
    assert cassette.layout == "indented"
    assert dumps_cassette(cassette) == text
    # Both layouts hold the same data.
    assert cassette.interactions == loads_cassette(read(path)).interactions


def test_reference_values():
    by_name = {os.path.basename(p): load_cassette(p) for p in REFERENCE}
    vercel = by_name["vercel-gateway-claude-simple-streaming.yaml"]
    resp = vercel.interactions[0].response
    assert resp.duration_ns == 3_566_641_667
    assert resp.body.startswith("data: {") and resp.body.endswith("data: [DONE]\n\n")
    assert resp.headers == {"Content-Type": ["text/event-stream"]}
    assert resp.uncompressed is None and resp.transfer_encoding is None
    assert vercel.interactions[0].request.host == ""
    bedrock = by_name["bedrock-claude-eventstream-binary.yaml"].interactions[0].response
    assert isinstance(bedrock.body, bytes) and bedrock.body[:4] == b"\x00\x00\x02\x89"
    gemini = by_name["gemini-simple-streaming.yaml"].interactions[0]
    assert gemini.response.body.endswith("\r\n\r\n")
    assert gemini.request.form == {"alt": ["sse"]}
    assert by_name["anthropic-messages-simple-streaming.yaml"].interactions[0].response.uncompressed
    assert [i.id for i in by_name["openai-chat-multi-tool-streaming.yaml"].interactions] == [0, 1]


# --------------------------------------------------------------------------------------------
# Scalar styles (yaml.v3 stringv + emitter), checked through a string field and read back


def minimal(status: str = "200 OK", layout: str = "compact", **resp) -> Cassette:
    response = Response(status=status, headers={"Content-Type": ["text/plain"]}, **resp)
    req = Request(url="https://example.com/", method="GET")
    return Cassette(interactions=[Interaction(id=0, request=req, response=response)], layout=layout)


def render(value: str, layout: str = "compact") -> str:
    """What follows `status:` for this value; also checks that it reads back unchanged."""
    text = dumps_cassette(minimal(value, layout))
    pad = "    " if layout == "compact" else "        "
    start = text.index(f"\n{pad}status:") + len(pad) + len("status:") + 1
    end = text.index(f"\n{pad}code: 200\n")
    assert loads_cassette(text).interactions[0].response.status == value
    return text[start:end + 1]


@pytest.mark.parametrize(
    "value",
    ["200 OK", "hello world", "application/json", "https://x.y/z?a=b&c=d#f", "-a", "?a", ":a",
     "a:b", "a#b", "--x", "=", "<<", "._5", "1.2.3", "0b_", "2024-02-30", "é", "\xa0", "\\",
     "a'b", 'a"b', "x" * 300 + " y" * 200, "Charm-Fantasy/0.12.2 (https://charm.land/fantasy)"],
)
def test_plain(value):
    assert render(value) == f" {value}\n"


@pytest.mark.parametrize(
    "value",
    ["", "true", "True", "FALSE", "null", "Null", "~", "yes", "No", "on", "OFF", "y", "N",
     "123", "-1", "+1", "0x1F", "0o17", "0b101", "1_000", "007", "1.5", ".5", "1.", "1e5",
     "1e+06", ".inf", "-.Inf", ".NaN", "12:30", "1:2:3.5", "2024-01-02", "2001-12-14T21:59:43.10Z",
     "2001-12-14 21:59:43.10", "9223372036854775807", "18446744073709551615"],
)
def test_strings_that_resolve_to_other_types_are_double_quoted(value):
    assert render(value) == f' "{value}"\n'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{a}", "'{a}'"),
        ("[a]", "'[a]'"),
        ('{"json":true}', '\'{"json":true}\''),
        ("*a", "'*a'"),
        ("&a", "'&a'"),
        ("!a", "'!a'"),
        ("|a", "'|a'"),
        (">a", "'>a'"),
        ("'a", "'''a'"),
        ('"a', "'\"a'"),
        ("%a", "'%a'"),
        ("@a", "'@a'"),
        ("`a", "'`a'"),
        ("#a", "'#a'"),
        (",a", "',a'"),
        ("-", "'-'"),
        ("- a", "'- a'"),
        ("?", "'?'"),
        ("? a", "'? a'"),
        (": a", "': a'"),
        ("a: b", "'a: b'"),
        ("a:", "'a:'"),
        ("a #b", "'a #b'"),
        ("---x", "'---x'"),
        ("...x", "'...x'"),
        (" a", "' a'"),
        ("a ", "'a '"),
        ("it's: x", "'it''s: x'"),
        ("a\u2028b", "'a\u2028      b'"),  # LS is a line break to yaml.v3: next line indented
    ],
)
def test_single_quoted(value, expected):
    assert render(value) == f" {expected}\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\tb", r'"a\tb"'),
        ("a\rb", r'"a\rb"'),
        ("x\r\ny\n", r'"x\r\ny\n"'),
        ("\U0001F498", r'"\U0001F498"'),
        ("\x00", r'"\0"'),
        ("\x01", r'"\x01"'),
        ("\x1b[0m", r'"\e[0m"'),
        ("\x7f", r'"\x7F"'),
        ("\x85", r'"\N"'),
        ("\ufffe", r'"\uFFFE"'),
        ("\ufeffab c", r'"\uFEFF\x61\x62\x20\x63"'),  # yaml.v3 escapes all after a BOM
        ('a\t"b"\\', r'"a\t\"b\"\\"'),
        ("a \nb", r'"a \nb"'),  # space before a line break: no block
        ("a\n b", "|-\n      a\n       b"),  # (break then space is fine in a block)
        ("a\nb ", r'"a\nb "'),  # trailing space: no block
        ("a\nb\U0001F498", r'"a\nb\U0001F498"'),
        ("a\u2028 b", r'"a\L b"'),
        ("a \u2029b", r'"a \Pb"'),
    ],
)
def test_double_quoted(value, expected):
    if expected.startswith("|"):
        assert render(value) == f" {expected}\n"
    else:
        assert render(value) == f" {expected}\n"


@pytest.mark.parametrize(
    ("value", "compact", "indented"),
    [
        ("a\nb", " |-\n      a\n      b\n", " |-\n            a\n            b\n"),
        ("a\nb\n", " |\n      a\n      b\n", " |\n            a\n            b\n"),
        ("a\nb\n\n", " |+\n      a\n      b\n\n", " |+\n            a\n            b\n\n"),
        ("a\n\nb", " |-\n      a\n\n      b\n", " |-\n            a\n\n            b\n"),
        (" a\nb", " |2-\n       a\n      b\n", " |4-\n             a\n            b\n"),
        ("\n", " |2+\n\n", " |4+\n\n"),
        ("\n\n", " |2+\n\n\n", " |4+\n\n\n"),
        ("\nabc", " |2-\n\n      abc\n", " |4-\n\n            abc\n"),
        ("a\n\tb\n", " |\n      a\n      \tb\n", " |\n            a\n            \tb\n"),
        ("é\n", " |\n      é\n", " |\n            é\n"),
        ("\ta\nb", " |2-\n      \ta\n      b\n", " |4-\n            \ta\n            b\n"),
    ],
)
def test_literal_blocks(value, compact, indented):
    assert render(value) == compact
    assert render(value, "indented") == indented


@pytest.mark.parametrize("layout", ["compact", "indented"])
def test_text_starting_with_a_tab_reads_back(layout):
    # yaml.v3 writes `|-` for "\tz\nb" and then neither it, libyaml nor PyYAML reads the block
    # ("found a tab character where an indentation space is expected"): we write `|2-`.
    c = minimal(layout=layout)
    c.interactions[0].request.body = "\tz\nb"
    c.interactions[0].response.headers["X-Tab"] = ["\tlead\nx\n"]
    text = dumps_cassette(c)
    yaml.load(text, Loader=_Loader)  # (raised before)
    assert loads_cassette(text).interactions == c.interactions


@pytest.mark.parametrize("layout", ["compact", "indented"])
def test_indentation_indicator_is_relative_to_the_key_or_dash(layout):
    # yaml.v3 writes its best indent as the indicator even in sequence items (`- |4-` with the
    # text 2 columns in), which Go itself cannot read back; the indicator we write is right.
    c = minimal(layout=layout)
    c.interactions[0].response.headers["X-Multi"] = [" lead\nx", "\nnl", "\n"]
    c.interactions[0].extra["x_item"] = " lead\n"
    text = dumps_cassette(c)
    dash = "      - " if layout == "compact" else "                - "
    assert f"{dash}|2-\n" in text and f"{dash}|2+\n" in text
    key = "  x_item: |2\n" if layout == "compact" else "      x_item: |2\n"
    assert key in text
    assert loads_cassette(text).interactions == c.interactions


def test_binary_bodies():
    data = bytes(range(256)) * 3
    text = dumps_cassette(minimal(body=data))
    lines = text.split("    body: !!binary |\n")[1].split("    headers:")[0].splitlines()
    assert all(line.startswith("      ") for line in lines)
    assert [len(line) - 6 for line in lines] == [70] * 14 + [44]
    assert loads_cassette(text).interactions[0].response.body == data
    # Short base64 stays on the key's line (yaml.v3 writes it plain).
    short = dumps_cassette(minimal(body=b"\xff\xfe"))
    assert "    body: !!binary //4=\n" in short
    assert loads_cassette(short).interactions[0].response.body == b"\xff\xfe"
    # Bytes that are valid UTF-8 are text to go-vcr.
    assert "    body: hi\n" in dumps_cassette(minimal(body=b"hi"))


def test_bedrock_binary_layout_is_yaml_v3s():
    path = next(p for p in REFERENCE if "bedrock" in p)
    c = load_cassette(path)
    c.interactions[0].response.body = bytes(c.interactions[0].response.body)
    assert dumps_cassette(c) == read(path)


def test_surrogate_escaped_header_values_are_binary():
    c = minimal()
    c.interactions[0].response.headers["X-Raw"] = [b"caf\xe9".decode("utf-8", "surrogateescape")]
    text = dumps_cassette(c)
    assert "      X-Raw:\n      - !!binary Y2Fm6Q==\n" in text
    assert loads_cassette(text).interactions[0].response.headers["X-Raw"] == ["caf\udce9"]


def test_long_and_multiline_keys_use_complex_key_form():
    c = minimal()
    long_name = "X-" + "a" * 130
    c.interactions[0].request.form = {long_name: ["1"], "a\nb": ["2", "3"]}
    text = dumps_cassette(c)
    assert f"      ? {long_name}\n      : - \"1\"\n" in text
    assert "      ? |-\n        a\n        b\n      : - \"2\"\n        - \"3\"\n" in text
    assert loads_cassette(text).interactions[0].request.form == c.interactions[0].request.form
    c.layout = "indented"
    assert loads_cassette(dumps_cassette(c)).interactions[0].request.form == (
        c.interactions[0].request.form
    )


def test_header_names_are_kept_as_given():
    c = minimal()
    c.interactions[0].response.headers = {"content-type": ["a"], "X-B": ["b"]}
    text = dumps_cassette(c)
    assert "      content-type:\n      - a\n      X-B:\n      - b\n" in text


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("content-type", "Content-Type"), ("CONTENT-TYPE", "Content-Type"),
     ("x-amz-date", "X-Amz-Date"), ("user-agent", "User-Agent"), ("Accept", "Accept"),
     ("a b", "a b"), ("x_y-z", "X_y-Z"), ("ünïcode", "ünïcode"), ("-x", "-X")],
)
def test_canonical_header_name(name, canonical):
    assert canonical_header_name(name) == canonical


def test_go_key_order():
    keys = ["b", "a10", "a9", "A", "a", "Content-Type", "Accept", "a01", "a1", "_x", "1", "10", "9"]
    # As yaml.v3 orders a Go map's keys (checked with the Go oracle): numbers by value.
    assert go_key_sorted(keys) == [
        "_x", "1", "9", "10", "A", "Accept", "Content-Type", "a", "a1", "a01", "a9", "a10", "b"
    ]


# --------------------------------------------------------------------------------------------
# Loading: yaml.v3's view of plain scalars, optional keys, key order, extras


@pytest.mark.parametrize(
    ("plain", "value"),
    [("=", "="), ("<<", "<<"), ("yes", "yes"), ("off", "off"), ("2024-01-02", "2024-01-02"),
     ("0b_", "0b_"), ("._5", "._5"), ("1e+06", 1e6), ("0x1F", 31), ("0o17", 15), ("017", 15),
     ("1_000", 1000), (".inf", float("inf")), ("true", True), ("~", None), ("12:30", "12:30")],
)
def test_plain_scalars_read_as_yaml_v3_does(plain, value):
    c = loads_cassette(f"---\nversion: 2\nx_extra: {plain}\ninteractions: []\n")
    got = c.extra["x_extra"]
    assert got == value and isinstance(got, type(value))
    # A number written otherwise than Go writes it keeps its text (for a Go string field).
    assert (getattr(got, "text", None) == plain) is (type(got) is not type(value))


def test_go_resolve_table():
    assert go_resolve("123") == ("int", 123)
    assert go_resolve("-0b11") == ("int", -3)
    assert go_resolve("1.5") == ("float", 1.5)
    assert go_resolve("2024-01-02T03:04:05Z") == ("timestamp", "2024-01-02T03:04:05Z")
    assert go_resolve("abc") == ("str", "abc")
    assert go_resolve("") == ("null", None)


OLD_STYLE = """---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    transfer_encoding: []
    trailer: {}
    host: example.com
    remote_addr: ""
    request_uri: ""
    body: ""
    form: {}
    headers: {}
    url: https://example.com/
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    transfer_encoding: []
    trailer: {}
    content_length: 2
    uncompressed: false
    body: ok
    headers:
      Content-Length:
      - "2"
    status: 200 OK
    code: 200
    duration: 0s
"""


def test_older_go_vcr_files_with_every_key():
    c = loads_cassette(OLD_STYLE)
    req, resp = c.interactions[0].request, c.interactions[0].response
    assert req.transfer_encoding == [] and req.trailer == {} and req.form == {}
    assert req.remote_addr == "" and req.request_uri == ""
    assert resp.uncompressed is False and resp.trailer == {}
    assert dumps_cassette(c) == OLD_STYLE


def test_newer_files_omit_empty_optional_keys():
    c = loads_cassette(read(REFERENCE[0]))
    req = c.interactions[0].request
    assert req.transfer_encoding is None and req.trailer is None and req.form is None
    assert req.remote_addr is None and req.request_uri is None


def test_new_cassette_writes_go_vcr_order_and_set_optional_keys():
    req = Request(
        proto="HTTP/1.1", content_length=3, transfer_encoding=["chunked"], trailer={"X-T": ["1"]},
        host="h", remote_addr="1.2.3.4:5", request_uri="/p?q=1", body="abc", form={"q": ["1"]},
        headers={"Accept": ["*/*"]}, url="https://h/p?q=1", method="POST",
    )
    resp = Response(
        proto="HTTP/2.0", proto_major=2, proto_minor=0, transfer_encoding=["chunked"],
        trailer={"X-T": ["2"]}, content_length=-1, uncompressed=True, body="ok\n",
        headers={"Content-Type": ["text/plain"]}, status="201 Created", code=201,
        duration_ns=78_006_992_750, extra={CHUNKS_KEY: [[0.52, 1], [150.3, 2]]},
    )
    c = Cassette(interactions=[Interaction(id=0, request=req, response=resp)])
    text = dumps_cassette(c)
    assert text == """---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 3
    transfer_encoding:
    - chunked
    trailer:
      X-T:
      - "1"
    host: h
    remote_addr: 1.2.3.4:5
    request_uri: /p?q=1
    body: abc
    form:
      q:
      - "1"
    headers:
      Accept:
      - '*/*'
    url: https://h/p?q=1
    method: POST
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    transfer_encoding:
    - chunked
    trailer:
      X-T:
      - "2"
    content_length: -1
    uncompressed: true
    body: |
      ok
    headers:
      Content-Type:
      - text/plain
    status: 201 Created
    code: 201
    duration: 1m18.00699275s
    vcrproxy_chunks: [[0.52, 1], [150.3, 2]]
"""
    back = loads_cassette(text)
    assert back.interactions == c.interactions
    assert back.interactions[0].response.chunks == [(0.52, 1), (150.3, 2)]
    assert dumps_cassette(back) == text


def test_chunks_line_formats_numbers_like_go_and_reads_back():
    chunks = [[0, 10], [0.5, 1], [1e-05, 2], [1234567.0, 3], [150.25, 4], [100000.0, 5]]
    c = minimal(extra={CHUNKS_KEY: chunks})
    text = dumps_cassette(c)
    assert "    vcrproxy_chunks: [[0, 10], [0.5, 1], [1e-05, 2], [1.234567e+06, 3], " \
           "[150.25, 4], [100000, 5]]\n" in text
    back = loads_cassette(text).interactions[0].response
    assert back.chunks == [(float(a), b) for a, b in chunks]
    assert dumps_cassette(loads_cassette(text)) != "" and back.extra[CHUNKS_KEY][3][0] == 1234567.0
    empty = dumps_cassette(minimal(extra={CHUNKS_KEY: []}))
    assert "    vcrproxy_chunks: []\n" in empty


def test_unknown_keys_and_key_order_survive():
    text = """---
x_top: {a: 1}
version: 2
interactions:
- response:
    body: ok
    x_resp:
      nested:
      - 1
      - two
    code: 200
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    headers: {}
    status: 200 OK
    duration: 1ms
  id: 3
  x_item: true
  request:
    method: GET
    url: https://e/
    x_req: "007"
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
x_after: [1, 2]
"""
    c = loads_cassette(text)
    i = c.interactions[0]
    assert c.extra == {"x_top": {"a": 1}, "x_after": [1, 2]}
    assert i.extra == {"x_item": True}
    assert i.request.extra == {"x_req": "007"}
    assert i.response.extra == {"x_resp": {"nested": [1, "two"]}}
    assert i.id == 3 and i.response.duration_ns == 1_000_000
    expected = text.replace("x_top: {a: 1}", "x_top:\n  a: 1").replace(
        "x_after: [1, 2]", "x_after:\n- 1\n- 2"
    )
    assert dumps_cassette(c) == expected  # extras in block style, in the layout's indentation
    # A field set after loading is written at its go-vcr place.
    i.request.remote_addr = "1.1.1.1:1"
    out = dumps_cassette(c)
    assert '    host: ""\n    remote_addr: 1.1.1.1:1\nx_after:' in out
    # A key that was not in the file is not written while it keeps its zero value.
    assert "    body:" not in out.split("  request:")[1]
    i.request.body = "hi"
    assert "    body: hi\n" in dumps_cassette(c)


@pytest.mark.parametrize("empty", ["interactions: []", "interactions:", "interactions: null", ""])
def test_empty_interactions(empty):
    c = loads_cassette(f"---\nversion: 2\n{empty}\n")
    assert c.interactions == [] and c.layout == "compact"
    assert dumps_cassette(Cassette()) == "---\nversion: 2\ninteractions: []\n"


def test_dumps_interaction_is_the_list_item():
    c = loads_cassette(read(REFERENCE[0]))
    item = dumps_interaction(c.interactions[0], "compact")
    assert item.startswith("- id: 0\n  request:\n") and read(REFERENCE[0]).endswith(item)
    indented = dumps_interaction(c.interactions[0], "indented")
    assert indented.startswith("    - id: 0\n      request:\n        proto: HTTP/1.1\n")


def test_no_line_wrapping():
    long = "word " * 500 + "end"
    assert render(long) == f" {long}\n"
    assert render("'" + long) == f" '''{long}'\n"
    assert render(long + "\t") == f' "{long}\\t"\n'


# --------------------------------------------------------------------------------------------
# Files: atomic save, errors


def test_save_and_load_file(tmp_path):
    path = tmp_path / "c.yaml"
    c = loads_cassette(read(REFERENCE[1]))
    save_cassette(c, path)
    assert path.read_text(encoding="utf-8") == read(REFERENCE[1])
    assert c.path == str(path)
    back = load_cassette(path)
    assert back.path == str(path) and back.interactions == c.interactions
    assert os.listdir(tmp_path) == ["c.yaml"]  # no temp file left


def test_save_keeps_file_mode_and_default_mode(tmp_path):
    new = tmp_path / "new.yaml"
    save_cassette(Cassette(), new)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    os.chmod(new, 0o640)
    save_cassette(Cassette(), new)
    assert stat.S_IMODE(new.stat().st_mode) == 0o640


def test_failed_save_leaves_the_old_file(tmp_path):
    path = tmp_path / "c.yaml"
    save_cassette(minimal(), path)
    before = path.read_bytes()
    bad = minimal()
    bad.interactions[0].response.code = "200"  # type: ignore[assignment]
    with pytest.raises(CassetteError, match="response.code: expected an integer"):
        save_cassette(bad, path)
    bad = minimal()
    bad.interactions[0].response.extra["x"] = object()
    with pytest.raises(CassetteError, match="cannot write a object value"):
        save_cassette(bad, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.yaml"]


def test_save_into_missing_directory_is_a_cassette_error(tmp_path):
    with pytest.raises(CassetteError, match="cannot write cassette"):
        save_cassette(Cassette(), tmp_path / "nope" / "c.yaml")


def test_atomic_write_never_removes_a_temporary_file_it_did_not_create(tmp_path):
    """Every temporary name taken (by other writers): an error, and their files stay."""
    from vcrproxy.store import atomic_write

    taken = {f".c.yaml.{os.getpid()}.{n}.tmp" for n in range(100)}
    for name in taken:
        (tmp_path / name).write_bytes(b"another writer's")
    with pytest.raises(FileExistsError, match="cannot create a temporary file"):
        atomic_write(str(tmp_path / "c.yaml"), b"x")
    assert set(os.listdir(tmp_path)) == taken
    with pytest.raises(CassetteError, match="cannot write cassette"):
        save_cassette(Cassette(), tmp_path / "c.yaml")
    assert set(os.listdir(tmp_path)) == taken


def one_line_error(text: str, source: str = "cassettes/x.yaml") -> str:
    with pytest.raises(CassetteError) as err:
        loads_cassette(text, source)
    message = str(err.value)
    assert "\n" not in message and message.startswith(source)
    return message


VALID = OLD_STYLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "cassettes/x.yaml: empty cassette file"),
        ("- a\n", "cassettes/x.yaml: not a go-vcr cassette (top level is not a mapping)"),
        ("version: 1\ninteractions: []\n",
         "cassettes/x.yaml: unsupported cassette version 1 (go-vcr version 2 expected)"),
        ("interactions: []\n", "cassettes/x.yaml: unsupported cassette version None"),
        ("version: '2'\n", "cassettes/x.yaml: unsupported cassette version '2'"),
        ("version: 2\ninteractions: 5\n",
         "cassettes/x.yaml: interactions: expected a list, got 5"),
        (VALID.replace("code: 200", "code: abc"),
         "cassettes/x.yaml: interactions[0].response.code: expected an integer, got 'abc'"),
        (VALID.replace("code: 200", 'code: "200"'),
         "cassettes/x.yaml: interactions[0].response.code: expected an integer, got '200'"),
        (VALID.replace("content_length: 0", "content_length: [1]"),
         "cassettes/x.yaml: interactions[0].request.content_length: expected an integer, got [1]"),
        (VALID.replace("    headers:\n      Content-Length:\n      - \"2\"",
                       "    headers:\n    - a"),
         "cassettes/x.yaml: interactions[0].response.headers: expected a map of string lists, "
         "got ['a']"),
        (VALID.replace('      - "2"', "        x: y").replace("Content-Length:", "Content-Length:"),
         "cassettes/x.yaml: interactions[0].response.headers.Content-Length: expected a list of "
         "strings, got {'x': 'y'}"),
        (VALID.replace('Content-Length:\n      - "2"', "Content-Length: \"2\""),
         "cassettes/x.yaml: interactions[0].response.headers.Content-Length: expected a list of "
         "strings, got '2'"),
        (VALID.replace("duration: 0s", "duration: 5x"),
         "cassettes/x.yaml: interactions[0].response.duration: invalid Go duration '5x': "
         "unknown unit 'x'"),
        (VALID.replace("duration: 0s", "duration: 5"),
         "cassettes/x.yaml: interactions[0].response.duration: expected a Go duration like "
         "'1.5s', got 5"),
        (VALID.replace("uncompressed: false", "uncompressed: 1"),
         "cassettes/x.yaml: interactions[0].response.uncompressed: expected true or false, got 1"),
        (VALID.replace("- id: 0", "- id: zero"),
         "cassettes/x.yaml: interactions[0].id: expected an integer, got 'zero'"),
        (VALID.replace("  request:\n", "  request: 5\n  x_:\n", 1),
         "cassettes/x.yaml:"),
        ("version: 2\ninteractions:\n- 5\n",
         "cassettes/x.yaml: interactions[0]: expected a mapping, got 5"),
    ],
)
def test_errors_are_one_line_and_name_the_file(text, expected):
    assert one_line_error(text).startswith(expected)


def test_malformed_yaml_reports_line_and_column():
    text = VALID.replace("    host: example.com\n", "    host: [example.com\n")
    message = one_line_error(text)
    assert re.match(r"cassettes/x\.yaml:13:\d+: invalid YAML: .*flow sequence", message), message
    message = one_line_error("version: 2\ninteractions:\n  - a\n - b\n")
    assert message.startswith("cassettes/x.yaml:4:2: invalid YAML:"), message


def test_missing_file(tmp_path):
    path = tmp_path / "none.yaml"
    with pytest.raises(CassetteError, match=r"none\.yaml: cassette file not found$"):
        load_cassette(path)


def test_not_utf8_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"---\nversion: 2\nx: \xff\xfe\ninteractions: []\n")
    with pytest.raises(CassetteError, match=r"bad\.yaml: not UTF-8 text"):
        load_cassette(path)


def test_loader_uses_libyaml_when_available_and_pure_python_agrees():
    from vcrproxy import yamlio

    if getattr(yaml, "__with_libyaml__", False):
        assert issubclass(yamlio._Loader, yaml.CSafeLoader)
    pure = yamlio._make_loader(yaml.SafeLoader)
    for path in REFERENCE + [os.path.join(INDENTED, n) for n in names(REFERENCE)]:
        text = read(path)
        assert yaml.load(text, Loader=pure) == yaml.load(text, Loader=yamlio._Loader)
    text = "a: [=, <<, yes, 0x1F, 1e+06, 2024-01-02, ~, '1', !!binary AAEC]\n"
    assert yaml.load(text, Loader=pure) == yaml.load(text, Loader=yamlio._Loader) == {
        "a": ["=", "<<", "yes", 31, 1e6, "2024-01-02", None, "1", b"\x00\x01\x02"]
    }


def test_extra_keys_named_like_other_sections_fields():
    extra = "    duration: 0s\n    remote_addr: x\n    form: z\n"
    text = OLD_STYLE.replace("    duration: 0s\n", extra)
    c = loads_cassette(text)
    assert c.interactions[0].response.extra == {"remote_addr": "x", "form": "z"}
    assert dumps_cassette(c) == text


def test_no_mitmproxy_import():
    import subprocess
    import sys

    code = "import sys, vcrproxy.yamlio; print('mitmproxy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_warnings_not_emitted_for_normal_files(recwarn, caplog):
    caplog.set_level(logging.WARNING, "vcrproxy")
    for path in REFERENCE:
        load_cassette(path)
    assert not recwarn.list and not caplog.records


def test_header_lookup_ignores_case_and_keeps_file_order():
    """cassette.header_values: the one case-insensitive lookup (the model's methods, flows,
    faults, websocket, redaction, show and aiformats all call it)."""
    from vcrproxy.cassette import first_header, header_values

    headers = {"Connection": ["a"], "X-Other": ["z"], "connection": ["b", "c"]}
    assert header_values(headers, "CONNECTION") == ["a", "b", "c"]
    assert Response(headers=headers).header_values("connection") == ["a", "b", "c"]
    assert Response(headers=headers).header("Connection") == "a"
    assert first_header({"content-type": "text/plain"}, "Content-Type") == "text/plain"
    assert first_header({"A": [], "a": ["x"]}, "a") == "x"
    assert (header_values(None, "a"), first_header({}, "a", "-")) == ([], "-")
