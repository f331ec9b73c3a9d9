"""The text process (scanprocess.py): a large stream's YAML text and redaction scan made in a
forked child. It must give what the scan thread gives, byte for byte, and fail loudly, never
hang or leave a process behind."""

from __future__ import annotations

import os
import random
import signal

import pytest
from test_large_bodies import _big_binary_url, _record_big

from vcrproxy import scanprocess, store
from vcrproxy.codec import response_body_columns
from vcrproxy.flows import LARGE_BODY
from vcrproxy.redaction import DEFAULT_REDACTION, StreamScan
from vcrproxy.store import load_cassette
from vcrproxy.yamlv3 import BinaryScalar, LiteralScalar

pytestmark = pytest.mark.skipif(not scanprocess.FORKS, reason="no fork() here")

KEY = b"sk-proj-" + b"A1b2C3d4E5f6G7h8I9j0" * 3
SSE = b'data: {"choices":[{"delta":{"content":"h\xc3\xa9llo w\xc3\xb6rld"}}]}\n\n'


def _bodies() -> dict[str, bytes]:
    rng = random.Random(11)
    size = 3 << 20
    sse = (SSE * (size // len(SSE) + 1))[:size]
    return {
        "random bytes": rng.randbytes(size),
        "bytes 0..255": bytes(range(256)) * (size // 256),
        "SSE text": sse,
        "SSE text, a key late": sse[: 2 << 20] + KEY + sse[2 << 20:],
        "SSE text, a control character late": sse[: 2 << 20] + b"\x01" + sse[2 << 20:],
        "text, a space before a break late": sse[: 2 << 20] + b" \n" + sse[2 << 20:],
        "short lines": b"x\n" * (size // 2),
    }


@pytest.mark.parametrize("name", list(_bodies()))
@pytest.mark.parametrize("layout", ["compact", "indented"])
def test_the_process_makes_the_text_and_scan_this_process_would(name, layout):
    """Fed in pieces of 1 byte to 1 MiB through a real child: the finished text, its usability,
    the bytes it gives back and the scan's hits equal those of the same objects fed here."""
    body = _bodies()[name]
    kind = BinaryScalar if name.endswith("bytes") or "0..255" in name else LiteralScalar
    columns = response_body_columns(layout)
    here, there = kind(*columns), kind(*columns)
    scan_here, scan_there = StreamScan(DEFAULT_REDACTION), StreamScan(DEFAULT_REDACTION)
    rng = random.Random(len(body))
    at, first = 0, True
    process = None
    while at < len(body):
        n = rng.choice([1, 7, 1000, 65_536, 1 << 20])
        piece = body[at:at + n]
        at += n
        here.feed(piece)
        scan_here.feed(piece)
        if first:  # (the scan and the text may already have seen a start: as the recorder does)
            there.feed(piece)
            scan_there.feed(piece)
            process = scanprocess.ScanProcess(there, scan_there)
            first = False
        else:
            halves = [piece[: len(piece) // 2], piece[len(piece) // 2:]]
            process.feed(halves, halves if n % 2 else [piece])
    process.finish()
    assert process.pid == 0  # (reaped)
    # (Short lines outgrow the body once indented: this process gives their bytes back to hold
    # one copy in memory; the child's text is in a file, so it stays a literal block.)
    assert there.finish().usable == (here.finish().usable or name == "short lines")
    if here.usable:
        assert b"".join(there.parts) == b"".join(here.parts)
    assert there.data() == here.data() == body
    assert scan_there.hits == scan_here.hits and scan_there.size == len(body)
    assert bool(scan_there.hits) == (KEY in body or name == "random bytes")


def _spawned(monkeypatch) -> list[tuple[scanprocess.ScanProcess, int]]:
    """Every ScanProcess made from now on, with its child's pid."""
    made: list[tuple[scanprocess.ScanProcess, int]] = []
    init = scanprocess.ScanProcess.__init__

    def spy(self, *a, **kw):
        init(self, *a, **kw)
        # The text is the body before redaction: in memory only, never in a file on a disk.
        assert os.readlink(f"/proc/self/fd/{self._file.fileno()}").startswith("/memfd:")
        made.append((self, self.pid))

    monkeypatch.setattr(scanprocess.ScanProcess, "__init__", spy)
    return made


def _sends(monkeypatch) -> list[bool]:
    """One True per MappedFile store._copy_file copied from its file from now on (the text
    never went through this process's memory as a whole)."""
    from vcrproxy import store

    sent: list[bool] = []
    copy_file = store._copy_file

    def spy(fd, mapped):
        copy_file(fd, mapped)
        sent.append(isinstance(mapped, store.MappedFile))

    monkeypatch.setattr(store, "_copy_file", spy)
    return sent


def test_large_streams_appended_to_a_cassette_are_copied_from_the_text_file(
        run_proxy, gateway, ca_cert, tmp_path, monkeypatch):
    """Two large streams and a small one into one cassette: the first creates the file (a whole
    write), the second is appended; each text is copied from its memory file; the file is the
    standard emitter's and holds all three bodies."""
    from conftest import proxied_client

    from vcrproxy.codec import dumps_cassette

    sent = _sends(monkeypatch)
    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        bodies = [client.get(_big_binary_url(gateway, mb, unit)).content
                  for mb, unit in ((9.3, None), (0.2, None), (9.1, SSE))]
    loaded = load_cassette(str(cassette))
    assert [i.response.body_bytes for i in loaded.interactions] == bodies
    assert cassette.read_bytes() == dumps_cassette(loaded).encode("utf-8", "surrogateescape")
    assert sent == [True, True]


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # (reaped: not our child any more)
    return False


@pytest.mark.parametrize("unit", [None, SSE, SSE.replace(b"h\xc3\xa9llo", KEY.decode().encode())])
def test_a_stream_recorded_through_the_process_is_the_file_the_thread_writes(
        unit, run_proxy, gateway, ca_cert, tmp_path, monkeypatch):
    """9.3 MB of bytes 0..255, of SSE text, and of SSE text with a key in every event (found by
    the child's scan: redacted): the same body with the text process and without it (FORKS
    off: the scan thread makes the text), each file exactly the standard emitter's, and the
    process really ran and was reaped."""
    made = _spawned(monkeypatch)
    sent = _sends(monkeypatch)
    files: list[bytes] = []
    for forks in (True, False):
        monkeypatch.setattr(scanprocess, "FORKS", forks)
        where = tmp_path / str(forks)
        where.mkdir()
        raw, loaded = _record_big(run_proxy, gateway, ca_cert, where, unit)
        (rec,) = loaded.interactions
        if unit is not None and KEY in unit:
            assert KEY not in rec.response.body_bytes and b"REDACTED" in rec.response.body_bytes
        else:
            assert rec.response.body_bytes == raw
        files.append(rec.response.body_bytes)  # (the files: _record_big checked them)
    assert files[0] == files[1]
    if unit is None or KEY not in unit:  # (a key in the first MB: the text never starts)
        assert len(made) == 1 and made[0][0].pid == 0 and _gone(made[0][1])
        assert sent == [True]  # (the text was copied into the cassette from its file)


def test_a_process_killed_mid_stream_fails_the_recording_loudly(run_proxy, gateway, ca_cert,
                                                               tmp_path, monkeypatch):
    """The child killed while the stream goes on (the OOM killer): the client still gets every
    byte, the recording fails with a one-line error instead of writing a wrong body, and the
    child is reaped; the next recording works."""
    from conftest import proxied_client

    made = _spawned(monkeypatch)
    feed = scanprocess.ScanProcess.feed
    fed = []

    def feed_then_die(self, *a):
        fed.append(self.pid)
        feed(self, *a)
        if len(fed) == 2:
            os.kill(self.pid, signal.SIGKILL)

    monkeypatch.setattr(scanprocess.ScanProcess, "feed", feed_then_die)
    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        raw = client.get(_big_binary_url(gateway, 9.3)).content
        assert len(raw) == int(9.3 * 1024 * 1024)
        small = client.get(_big_binary_url(gateway, 0.5)).content
    assert len(made) == 1 and made[0][0].pid == 0 and _gone(made[0][1])
    assert [i.response.body_bytes for i in load_cassette(str(cassette)).interactions] == [small]
    errors = proxy.vcr.errors
    assert len(errors) == 1 and "the text process" in errors[0] and "\n" not in errors[0]


def _hang_up_after(proxy, ca_cert: str, url: str, size: int) -> None:
    """GET `url` through the proxy and hang up once more than `size` bytes came."""
    from conftest import proxied_client

    with proxied_client(proxy, ca_cert) as client, client.stream("GET", url) as r:
        got = 0
        for chunk in r.iter_raw():
            got += len(chunk)
            if got > size:
                return


def test_a_stream_the_client_drops_mid_way_leaves_no_process(run_proxy, gateway, ca_cert,
                                                           tmp_path, monkeypatch, caplog):
    """The client hangs up after 10 MB of a 20 MB binary stream (no end-of-stream event: not
    recorded): by the time the proxy has stopped, its child was stopped and reaped, not left
    waiting for pieces, and nothing was written."""

    made = _spawned(monkeypatch)
    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record")
    _hang_up_after(proxy, ca_cert, _big_binary_url(gateway, 20), LARGE_BODY + (2 << 20))
    proxy.stop()
    assert len(made) == 1 and made[0][0].pid == 0 and _gone(made[0][1])
    assert not cassette.exists() or not load_cassette(str(cassette)).interactions
    assert "the client hung up before the response ended for GET" in caplog.text
    assert "upstream failed" not in caplog.text  # (it did not)


def test_the_process_holds_none_of_the_proxys_descriptors(run_proxy, gateway, ca_cert, tmp_path,
                                                          monkeypatch):
    """The child lives as long as its stream: it must not keep copies of the proxy's
    descriptors. Here the cassette folder's lock is held (as another flow's append holds it)
    when the stream passes LARGE_BODY and its child is forked: once that append is done, a small
    request through the proxy is recorded at once, while the large stream is still under way
    (its client reads slowly). Before, the child's copy held the flock until the stream ended:
    appends to that folder waited, and failed after 30 s (not recorded). The child's open
    descriptors are its pipes, its memory file and stdio: no socket (a socket the proxy closes
    would send no FIN while a copy is open)."""
    import time

    from conftest import proxied_client

    made = _spawned(monkeypatch)
    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client, proxied_client(proxy, ca_cert) as other:
        lock = store.cassette_lock(cassette)
        lock.__enter__()
        try:
            with client.stream("GET", _big_binary_url(gateway, 30)) as r:
                got = 0
                chunks = r.iter_raw()
                for chunk in chunks:
                    got += len(chunk)
                    if made:
                        break
                else:
                    pytest.fail("no text process")
                lock.__exit__(None, None, None)
                lock = None
                # (The child closes them first thing, but may not have run yet.)
                deadline = time.monotonic() + 5
                while True:
                    fds = []
                    for n in os.listdir(f"/proc/{made[0][1]}/fd"):
                        try:
                            fds.append(os.readlink(f"/proc/{made[0][1]}/fd/{n}"))
                        except FileNotFoundError:  # (closed meanwhile)
                            pass
                    if len(fds) <= 6 or time.monotonic() > deadline:
                        break
                    time.sleep(0.01)
                assert not [fd for fd in fds if fd.startswith("socket:")], fds
                assert len(fds) <= 6, fds  # stdio, two pipe ends, the memory file
                small = other.get(f"{gateway.url}/big?mb=0.1", timeout=10).content
                assert made[0][0].pid  # (the stream, and its child, still under way)
                got += sum(map(len, chunks))
        finally:
            if lock is not None:
                lock.__exit__(None, None, None)
    assert got == 30 << 20
    proxy.stop()
    bodies = [i.response.body_bytes for i in load_cassette(str(cassette)).interactions]
    assert [len(b) for b in bodies] == [len(small), 30 << 20] and bodies[0] == small
    assert proxy.vcr.errors == []


def test_no_memory_file_outlives_its_recording(run_proxy, gateway, ca_cert, tmp_path,
                                               monkeypatch):
    """Three large streams (binary, text, random bytes): once each is written, this process
    holds no memory file of theirs (a text kept by a model would hold ~1.4x its body in
    memory for the whole session)."""
    import gc
    import time

    from conftest import proxied_client

    def memfds() -> int:
        gc.collect()
        return sum(os.readlink(f"/proc/self/fd/{n}").startswith("/memfd:vcrproxy-text")
                   for n in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{n}"))

    made = _spawned(monkeypatch)
    before = memfds()
    proxy = run_proxy(tmp_path / "big.yaml", "record")
    with proxied_client(proxy, ca_cert) as client:
        for unit in (None, SSE, b"1Q~x" + random.Random(7).randbytes(9969)):
            client.get(_big_binary_url(gateway, 9.2, unit))
    assert len(made) == 3 and all(p.pid == 0 for p, _ in made)
    # (The last text is let go of in its fsync's thread, which may still run as the client
    # gets its end of body: Recorder._sync.)
    deadline = time.monotonic() + 10
    while memfds() != before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert memfds() == before
    proxy.stop()
    assert [len(i.response.body_bytes) for i in
            load_cassette(str(tmp_path / "big.yaml")).interactions] == [int(9.2 * (1 << 20))] * 3


def test_a_stream_dropped_before_its_process_starts_leaves_none(run_proxy, gateway, ca_cert,
                                                               tmp_path, monkeypatch):
    """The scan thread is busy (another stream's scan) when a stream passes LARGE_BODY, and its
    client hangs up before the thread gets to the first piece of its text: the recorder is
    closed while the text process does not exist yet. The thread must then not start one
    (before, it did, fed it the piece and nobody ever finished or stopped it: an idle child
    holding a copy-on-write snapshot of the proxy until a garbage collection found the flow's
    reference cycle)."""
    import threading
    import time

    from vcrproxy import recording

    pids: list[int] = []
    init = scanprocess.ScanProcess.__init__
    monkeypatch.setattr(scanprocess.ScanProcess, "__init__",
                        lambda self, *a: init(self, *a) or pids.append(self.pid))
    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record")
    busy = threading.Event()
    recording._scan_thread().submit(busy.wait, 20)
    try:
        _hang_up_after(proxy, ca_cert, _big_binary_url(gateway, 30), LARGE_BODY + (4 << 20))
        deadline = time.monotonic() + 10
        while proxy.vcr.summary_lines() and "failed 1" not in " ".join(
                proxy.vcr.summary_lines()) and time.monotonic() < deadline:
            time.sleep(0.05)  # (until the proxy saw the client go: the recorder is closed)
    finally:
        busy.set()
    recording._scan_thread().submit(lambda: None).result(timeout=10)  # (its queue done)
    deadline = time.monotonic() + 5
    while not all(map(_gone, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(map(_gone, pids)), pids
    assert not cassette.exists() or not load_cassette(str(cassette)).interactions


def test_a_ctrl_c_right_at_the_fork_does_not_reach_the_child(monkeypatch):
    """SIGINT delivered to the child between fork() and its SIG_IGN (Ctrl-C to the process
    group just as a stream passes LARGE_BODY): the child still serves and exits. Before, it
    ran Python's handler: a KeyboardInterrupt out of fork_worker into the child's copy of the
    scan thread, which closed the pipes and then waited on the thread pool's queue forever
    (the recording failed, and the child never exited)."""
    real_fork = os.fork
    parent = os.getpid()

    def fork_then_ctrl_c() -> int:
        pid = real_fork()
        if pid == 0:
            os.kill(os.getpid(), signal.SIGINT)  # (the window, made as wide as a signal)
        return pid

    text = BinaryScalar(*response_body_columns("compact"))
    text.feed(b"x" * 10)
    monkeypatch.setattr(os, "fork", fork_then_ctrl_c)
    try:
        process = scanprocess.ScanProcess(text, None)
    except BaseException:
        if os.getpid() != parent:
            os._exit(3)  # (this test's copy in the child: never run on as a second pytest)
        raise
    monkeypatch.undo()
    pid = process.pid
    process.feed([b"y" * 1000], None)
    process.finish()
    assert _gone(pid) and text.finish().data() == b"x" * 10 + b"y" * 1000


def test_a_key_only_past_large_body_is_redacted_and_replayed_as_recorded(
        run_proxy, gateway, ca_cert, tmp_path, monkeypatch):
    """10 MB of SSE text over HTTP/2 whose only key comes at 9 MB: the text process started on
    a clean body, so the key is found by the child's scan alone. The file holds no key, the
    body is the client's with the key redacted, and replay (HTTP/1.1) answers exactly that."""
    from base64 import urlsafe_b64encode as b64

    from conftest import proxied_client

    made = _spawned(monkeypatch)
    at = len(SSE) * ((9 << 20) // len(SSE))  # (an event's start: the text stays UTF-8)
    url = (f"{gateway.url}/big?mb=10&chunked=1&unit64={b64(SSE).decode()}"
           f"&put64={b64(b'data: ' + KEY + b' ').decode()}&at={at}")
    cassette = tmp_path / "big.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert, http2=True) as client:
        r = client.get(url)
    assert r.http_version == "HTTP/2" and len(r.content) == 10 << 20
    assert r.content.count(KEY) == 1 and r.content.find(KEY) > LARGE_BODY
    proxy.stop()
    assert len(made) == 1 and _gone(made[0][1])  # (the child made the text and the scan)
    assert KEY not in cassette.read_bytes()
    want = r.content.replace(KEY, b"<REDACTED>")
    (rec,) = load_cassette(str(cassette)).interactions
    assert rec.response.body_bytes == want
    replay = run_proxy(cassette, "replay")
    with proxied_client(replay, ca_cert) as client:
        assert client.get(url).content == want
    assert proxy.vcr.errors == replay.vcr.errors == []
