"""Durable appends (CassetteWriter) and loading files cut off in the middle of an append."""

from __future__ import annotations

import builtins
import copy
import glob
import logging
import os
import warnings

import pytest

from vcrproxy.cassette import CHUNKS_KEY, Cassette, CassetteError, Interaction, Request, Response
from vcrproxy.yamlio import (
    CassetteTruncatedWarning,
    CassetteWriter,
    dumps_cassette,
    dumps_interaction,
    load_cassette,
    save_cassette,
)

HERE = os.path.dirname(__file__)
REFERENCE = sorted(glob.glob(os.path.join(HERE, "..", "cassettes", "*.yaml")))


def reference(name: str) -> list[Interaction]:
    return load_cassette(next(p for p in REFERENCE if name in p)).interactions


def synthetic(i: int, chunks: bool, duration_ns: int, body: str | bytes = "") -> Interaction:
    req = Request(
        content_length=5, body='{"q":"caf\u00e9 \U0001f498"}', url=f"https://api.example.com/v1/{i}",
        method="POST", headers={"Content-Type": ["application/json"]},
    )
    resp = Response(
        proto="HTTP/2.0", proto_major=2, proto_minor=0, body=body,
        headers={"Content-Type": ["text/event-stream"], "X-Id": [str(i), "yes"]},
        duration_ns=duration_ns,
    )
    if chunks:
        resp.extra[CHUNKS_KEY] = [[0.52, 3], [150.3, 4], [1234.5, 5]]
    return Interaction(id=i, request=req, response=resp)


def small_interactions() -> list[Interaction]:
    """Interactions whose cut-off prefixes are tricky: `929.581ms` cut to `929.581m` is a valid
    duration, chunk lines after `duration`, multi-byte characters, binary bodies."""
    return [
        synthetic(0, True, 929_581_000, "data: ol\u00e1\n\ndata: [DONE]\n\n"),
        synthetic(1, False, 78_006_992_750, "\nstarts with a newline\u2028and LS\n"),
        synthetic(2, True, 1_000, b"\x00\x01\xff binary"),
        synthetic(3, False, 3_600_000_000_000, 'x\r\n"quoted"\r\n'),
    ]


def write_with_writer(path: str, interactions: list[Interaction], layout: str) -> Cassette:
    cassette = Cassette(layout=layout)
    with CassetteWriter(path, cassette) as w:
        for i in interactions:
            w.append(copy.deepcopy(i))
    return cassette


@pytest.mark.parametrize("layout", ["compact", "indented"])
def test_appended_file_equals_whole_dump(tmp_path, layout):
    path = str(tmp_path / "c.yaml")
    items = small_interactions() + reference("openai-chat") + reference("bedrock")
    cassette = write_with_writer(path, items, layout)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert text == dumps_cassette(cassette)
    loaded = load_cassette(path)
    assert loaded.layout == layout and loaded.interactions == items
    assert os.listdir(tmp_path) == ["c.yaml"]


def test_new_file_is_created_with_header(tmp_path):
    path = tmp_path / "sub" / "new.yaml"
    os.makedirs(path.parent)
    item = small_interactions()[0]
    with CassetteWriter(path) as w:
        w.append(item)
        assert w.cassette.interactions == [item]
    text = path.read_text(encoding="utf-8")
    assert text == "---\nversion: 2\ninteractions:\n" + dumps_interaction(item, "compact")


@pytest.mark.parametrize("mode,state", [("record", "missing"), ("record", "valid"),
                                        ("new-episodes", "missing"), ("new-episodes", "empty"),
                                        ("new-episodes", "valid"), ("once", "missing")])
def test_a_session_writes_the_file_whole_once_then_appends(tmp_path, monkeypatch, mode, state):
    """The writer alone decides rewrite vs append: a session's first recording is one whole-file
    write (creating, replacing or converting `interactions: []`), every later one an append; a
    file new-episodes extends gets appends only."""
    from vcrproxy import store
    from vcrproxy.matching import MatchConfig
    from vcrproxy.redaction import RedactionConfig
    from vcrproxy.session import CassetteSession

    path = tmp_path / "c.yaml"
    if state == "valid":
        write_with_writer(str(path), small_interactions()[:2], "compact")
    elif state == "empty":
        path.write_text("---\nversion: 2\ninteractions: []\n")
    writes: list[str] = []
    real_atomic, real_open = store.atomic_write, store.open_regular
    monkeypatch.setattr(store, "atomic_write",
                        lambda p, d, **kw: (writes.append("whole"), real_atomic(p, d, **kw))[1])

    def open_regular(p, flags=os.O_RDONLY, *a):
        if flags & os.O_APPEND:
            writes.append("append")
        return real_open(p, flags, *a)

    monkeypatch.setattr(store, "open_regular", open_regular)
    session = CassetteSession(str(path), mode, MatchConfig(), RedactionConfig.default())
    for item in small_interactions()[:3]:
        session.record(copy.deepcopy(item))
    session.close()
    extends = (mode, state) == ("new-episodes", "valid")
    assert writes == (["append"] * 3 if extends else ["whole", "append", "append"])
    kept = 2 if (mode, state) == ("new-episodes", "valid") else 0
    assert len(load_cassette(str(path)).interactions) == kept + 3


def test_appends_go_to_the_end_without_rereading(tmp_path, monkeypatch):
    path = str(tmp_path / "c.yaml")
    write_with_writer(path, small_interactions()[:2], "compact")
    inode = os.stat(path).st_ino
    writer = CassetteWriter(path)  # loads the file once, here
    assert len(writer.cassette.interactions) == 2
    writes: list[int] = []
    fsyncs: list[int] = []
    real_write, real_fsync = os.write, os.fsync

    def no_open(*args, **kwargs):
        raise AssertionError("append must not read the file")

    monkeypatch.setattr(builtins, "open", no_open)
    monkeypatch.setattr(os, "read", no_open)
    monkeypatch.setattr(
        os, "write", lambda fd, data: writes.append(len(data)) or real_write(fd, data)
    )
    monkeypatch.setattr(os, "fsync", lambda fd: fsyncs.append(fd) or real_fsync(fd))
    before = os.path.getsize(path)
    for item in small_interactions()[2:]:
        item.id = writer.cassette.next_id()
        writer.append(item)
    writer.close()
    monkeypatch.undo()
    expected = [len(dumps_interaction(i, "compact").encode()) for i in small_interactions()[2:]]
    assert writes == expected  # one write of just the interaction's text per append
    assert len(fsyncs) == 2
    assert os.stat(path).st_ino == inode  # appended in place, not rewritten
    assert os.path.getsize(path) == before + sum(expected)
    assert load_cassette(path).interactions == small_interactions()


def test_reference_file_is_appended_in_its_layout(tmp_path):
    for name, layout in (("vercel", "compact"), ("indented", "indented")):
        src = next(p for p in REFERENCE if "vercel" in p)
        if layout == "indented":
            src = os.path.join(HERE, "go", "testdata", "indented", os.path.basename(src))
        path = str(tmp_path / f"{name}.yaml")
        with open(src, encoding="utf-8") as f:
            original = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
        inode = os.stat(path).st_ino
        with CassetteWriter(path) as w:
            item = small_interactions()[0]
            item.id = 1
            w.append(item)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert os.stat(path).st_ino == inode
        assert text == original + dumps_interaction(item, layout)
        assert [i.id for i in load_cassette(path).interactions] == [0, 1]


def test_empty_cassette_file_is_rewritten_on_first_append(tmp_path):
    path = str(tmp_path / "c.yaml")
    save_cassette(Cassette(), path)
    with CassetteWriter(path) as w:
        for item in small_interactions()[:2]:
            w.append(item)
    with open(path, encoding="utf-8") as f:
        assert f.read() == dumps_cassette(Cassette(interactions=small_interactions()[:2]))


def test_keys_after_interactions_force_whole_file_rewrites(tmp_path):
    path = str(tmp_path / "c.yaml")
    c = Cassette(interactions=small_interactions()[:1], key_order=["version", "interactions", "x"],
                 extra={"x": "after"})
    save_cassette(c, path)
    with CassetteWriter(path, c) as w:
        for item in small_interactions()[1:3]:
            inode = os.stat(path).st_ino
            w.append(item)
            assert os.stat(path).st_ino != inode  # atomic rewrite
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert text.endswith("x: after\n") and text == dumps_cassette(c)
    assert load_cassette(path).interactions == small_interactions()[:3]


def test_file_changed_behind_the_model_is_rewritten(tmp_path):
    path = str(tmp_path / "c.yaml")
    c = write_with_writer(path, small_interactions()[:2], "compact")
    with open(path, "a", encoding="utf-8") as f:
        f.write("# a comment someone added\n")
    with CassetteWriter(path, c) as w:
        w.append(small_interactions()[2])
    with open(path, encoding="utf-8") as f:
        assert f.read() == dumps_cassette(c)


def test_failed_append_repairs_on_next_append(tmp_path, monkeypatch):
    path = str(tmp_path / "c.yaml")
    c = write_with_writer(path, small_interactions()[:1], "compact")
    w = CassetteWriter(path, c)
    real_write = os.write

    def half_then_fail(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_fail)
    with pytest.raises(CassetteError, match="cannot append interaction: No space left"):
        w.append(small_interactions()[1])
    monkeypatch.undo()
    w.append(small_interactions()[2])
    w.close()
    assert load_cassette(path).interactions == small_interactions()[:3]


# --------------------------------------------------------------------------------------------
# Crash recovery: every prefix of a file loads with exactly the fully written interactions


def acceptance_points(data: bytes, layout: str) -> tuple[int, list[tuple[int, int, bool | str]]]:
    """(end of header, [(offset, interactions complete there, chunks of the last one cut)]).

    A prefix ending at an interaction's end holds it whole; one ending right after the
    `duration:` line of an interaction with chunk timings holds it without them (its every
    go-vcr key is there, only vcrproxy's extra line is missing), and one ending right after
    its `code:` line holds it without its timing (`duration` 0, no chunks: a cut there is
    no different from a hand-written interaction without `duration`)."""
    marker = b"\n" + b" " * (0 if layout == "compact" else 4) + b"- id: "
    header_end = data.index(b"interactions:\n") + len(b"interactions:\n")
    starts = []
    pos = header_end - 1
    while (pos := data.find(marker, pos)) >= 0:
        starts.append(pos + 1)
        pos += 1
    ends = starts[1:] + [len(data)]
    points = [(header_end, 0, False)]
    for n, (start, end) in enumerate(zip(starts, ends, strict=True)):
        duration_line = data.rfind(b" duration:", start, end)
        points.append((data.rindex(b"\n", start, duration_line) + 1, n + 1, "duration"))
        chunk_line = data.find(b" " + CHUNKS_KEY.encode() + b":", start, end)
        if chunk_line >= 0:
            points.append((data.rindex(b"\n", start, chunk_line) + 1, n + 1, True))
        points.append((end, n + 1, False))
    return header_end, points


def check_prefix(path: str, data: bytes, cut: int, header_end: int, points, items) -> None:
    with open(path, "wb") as f:
        f.write(data[:cut])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cassette = load_cassette(path)
        except CassetteError:
            assert cut < header_end, f"cut at {cut}: CassetteError after the header"
            return
    if cut < header_end:
        assert cassette.interactions == [] and not caught
        return
    # A cut that loses only a line's final line break leaves that line whole (an editor saves
    # a whole file so too): it reads as the line with its break.
    whole = cut + 1 if data[cut:cut + 1] == b"\n" else cut
    point, count, chunks_cut = max(p for p in points if p[0] <= whole)
    clean = data[point:whole].strip(b" ") == b""
    expected = copy.deepcopy(items[:count])
    if chunks_cut == "duration" and clean:
        expected[-1].response.duration_ns = 0
        expected[-1].response.extra.pop(CHUNKS_KEY, None)
    elif chunks_cut and clean:
        expected[-1].response.extra.pop(CHUNKS_KEY)
    elif chunks_cut:
        expected = expected[:-1]  # cut inside the chunk line: the interaction is dropped
    got = cassette.interactions
    assert got == expected, f"cut at {cut} ({data[max(0, cut - 30):cut]!r})"
    dropped = [w for w in caught if issubclass(w.category, CassetteTruncatedWarning)]
    assert bool(dropped) == (not clean), f"cut at {cut}: {[str(w.message) for w in dropped]}"


@pytest.mark.parametrize("layout", ["compact", "indented"])
def test_every_prefix_of_an_appended_file_loads(tmp_path, layout):
    path = str(tmp_path / "c.yaml")
    items = small_interactions()
    write_with_writer(path, items, layout)
    with open(path, "rb") as f:
        data = f.read()
    header_end, points = acceptance_points(data, layout)
    cut_path = str(tmp_path / "cut.yaml")
    for cut in range(len(data) + 1):
        check_prefix(cut_path, data, cut, header_end, points, items)


def test_prefixes_of_reference_interactions_load(tmp_path):
    path = str(tmp_path / "c.yaml")
    items = reference("openai-chat") + reference("gemini") + reference("bedrock")
    items += reference("anthropic")
    for n, item in enumerate(items):
        item.id = n
    write_with_writer(path, items, "compact")
    with open(path, "rb") as f:
        data = f.read()
    header_end, points = acceptance_points(data, "compact")
    # Every byte near a line start (where cut-offs change meaning) and every 29th elsewhere.
    cuts = set(range(0, len(data) + 1, 29))
    for pos in range(len(data)):
        if data[pos:pos + 1] == b"\n":
            cuts.update(range(max(0, pos - 2), min(len(data), pos + 4) + 1))
    cut_path = str(tmp_path / "cut.yaml")
    for cut in sorted(cuts):
        check_prefix(cut_path, data, cut, header_end, points, items)


def _cut_third(tmp_path) -> tuple[str, str]:
    path = str(tmp_path / "x.yaml")
    write_with_writer(path, small_interactions()[:3], "compact")
    with open(path, "rb") as f:
        data = f.read()
    third = data.index(b"\n- id: 2\n") + 1
    line = data[:third].count(b"\n") + 1
    with open(path, "wb") as f:
        f.write(data[: third + 200])
    return path, f"{path}: dropped incomplete interaction 2 at line {line} (file cut off mid-write)"


def test_dropped_interaction_is_said_once_as_a_warning_to_a_library_caller(tmp_path, caplog):
    # One channel per caller (issue 11): load_cassette warns and does not also log.
    path, message = _cut_third(tmp_path)
    caplog.set_level(logging.WARNING, logger="vcrproxy")
    with pytest.warns(CassetteTruncatedWarning) as record:
        cassette = load_cassette(path)
    assert [str(w.message) for w in record] == [message]
    assert caplog.records == []
    assert [i.id for i in cassette.interactions] == [0, 1]


def test_dropped_interaction_is_said_once_in_the_log_by_a_proxy_session(tmp_path, caplog):
    from vcrproxy.matching import MatchConfig
    from vcrproxy.session import CassetteSession

    path, message = _cut_third(tmp_path)
    caplog.set_level(logging.WARNING, logger="vcrproxy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Python warning on top of the log line
        session = CassetteSession(path, "replay", MatchConfig(), None)
    assert [r.getMessage() for r in caplog.records] == [message]
    assert [i.id for i in session.cassette.interactions] == [0, 1]


def test_writer_repairs_a_cut_off_file_before_appending(tmp_path):
    path = str(tmp_path / "c.yaml")
    write_with_writer(path, small_interactions()[:3], "indented")
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-25])
    with pytest.warns(CassetteTruncatedWarning):
        writer = CassetteWriter(path)
    with writer:
        item = small_interactions()[3]
        item.id = writer.cassette.next_id()
        assert item.id == 2
        writer.append(item)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_cassette(path)
    assert [i.id for i in loaded.interactions] == [0, 1, 2]
    assert loaded.layout == "indented"


def test_cut_inside_a_multibyte_character(tmp_path):
    path = str(tmp_path / "c.yaml")
    write_with_writer(path, small_interactions()[:2], "compact")
    with open(path, "rb") as f:
        data = f.read()
    pos = data.rindex("\u00e9".encode())
    with open(path, "wb") as f:
        f.write(data[: pos + 1])
    with pytest.warns(CassetteTruncatedWarning):
        assert [i.id for i in load_cassette(path).interactions] == [0]


def test_a_mistake_in_the_middle_is_an_error_not_a_cut(tmp_path):
    path = str(tmp_path / "c.yaml")
    write_with_writer(path, small_interactions(), "compact")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    broken = text.replace("  request:\n", "  request: [\n", 2)
    with open(path, "w", encoding="utf-8") as f:
        f.write(broken)
    with pytest.raises(CassetteError, match=r"c\.yaml:\d+:\d+: invalid YAML"):
        load_cassette(path)
    # A malformed last line that no cut-off could produce is an error too.
    with open(path, "w", encoding="utf-8") as f:
        f.write("---\nversion: 2\ninteractions:\n  - a\n - b\n")
    with pytest.raises(CassetteError, match="invalid YAML"):
        load_cassette(path)


def test_layout_is_kept_when_the_only_interaction_was_cut(tmp_path):
    path = str(tmp_path / "c.yaml")
    write_with_writer(path, small_interactions()[:1], "indented")
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:-10])
    with pytest.warns(CassetteTruncatedWarning):
        cassette = load_cassette(path)
    assert cassette.interactions == [] and cassette.layout == "indented"


@pytest.mark.parametrize("end", ["\nx\u2029", "\n\u2028"])
def test_a_file_ending_in_a_unicode_line_break_is_whole(tmp_path, end):
    # A last value ending with LS/PS is a literal block whose last line break is that character
    # (yaml.v3 writes no "\n" after it either): the file is whole, not cut off after its last
    # line, so its last interaction must not be dropped (nor cut from the file by the writer).
    path = str(tmp_path / "c.yaml")
    items = small_interactions()[:2]
    items[1].extra["x_note"] = "note" + end
    write_with_writer(path, items, "compact")
    with open(path, encoding="utf-8") as f:
        assert f.read().endswith(end[-1])  # (no "\n" after it)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_cassette(path).interactions == items
        with CassetteWriter(path) as writer:
            item = small_interactions()[3]
            item.id = writer.cassette.next_id()
            writer.append(item)
        loaded = load_cassette(path)
    assert [i.id for i in loaded.interactions] == [0, 1, 2]
    assert loaded.interactions[1].extra["x_note"] == "note" + end


def test_the_writer_child_runs_at_the_proxys_priority(tmp_path):
    """A large body is redacted and written in a forked child (append(isolate=True)) while its
    flow waits: it runs at this process's priority. At nice 10 a loaded machine starved it (a
    9 MB SSE body with a key in every event took over 20 s, beside two busy processes on 2
    cores, and the client timed out)."""
    path = tmp_path / "c.yaml"
    parent = os.nice(0)

    def prepare(i: Interaction) -> Interaction:
        i.response.headers["X-Nice"] = [str(os.nice(0))]  # (in the child)
        return i

    writer = CassetteWriter(str(path), Cassette())
    writer.append(copy.deepcopy(small_interactions()[0]), prepare=prepare, isolate=True)
    (written,) = load_cassette(str(path)).interactions
    assert written.response.headers["X-Nice"] == [str(parent)]


def test_a_session_flushes_what_it_left_unflushed_when_it_closes(tmp_path, monkeypatch):
    """`write(durable=False)` (a recorder's: the flow ends before the fsync) leaves the fsync
    owed; closing the session pays it (a proxy stopped before Recorder.done ran its fsyncs)."""
    from vcrproxy.matching import MatchConfig
    from vcrproxy.redaction import RedactionConfig
    from vcrproxy.session import CassetteSession

    path = tmp_path / "c.yaml"
    synced: list[str] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(
        os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))) or real_fsync(fd))
    session = CassetteSession(str(path), "record", MatchConfig(), RedactionConfig.default())
    for item in small_interactions()[:2]:
        session.write(copy.deepcopy(item), durable=False)
    assert synced == []  # (a new file, then an append: neither flushed yet)
    assert len(load_cassette(str(path)).interactions) == 2  # (but both in the file)
    session.close()
    assert synced == ["c.yaml", tmp_path.name]  # (the folder too: the new file was renamed in)


def test_the_owed_flush_of_a_cassette_swapped_for_a_fifo_is_an_error_not_a_hang(tmp_path):
    """The fsync `write(durable=False)` owes opens the cassette again. A FIFO put in its place
    meanwhile (another user, a hostile tool) blocked that open until someone wrote to it: the
    flush, and the proxy's stop that waits for it, hung for ever. Now a one-line error."""
    from conftest import call_beside_fifo

    from vcrproxy.matching import MatchConfig
    from vcrproxy.redaction import RedactionConfig
    from vcrproxy.session import CassetteSession

    path = tmp_path / "c.yaml"
    session = CassetteSession(str(path), "record", MatchConfig(), RedactionConfig.default())
    session.write(copy.deepcopy(small_interactions()[0]), durable=False)
    os.replace(path, tmp_path / "kept.yaml")
    os.mkfifo(path)
    _, error = call_beside_fifo(session.sync, str(path))
    assert isinstance(error, CassetteError)
    assert "FIFO" in str(error) and "\n" not in str(error)
