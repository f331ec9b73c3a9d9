"""A large stream's YAML text and redaction scan, made in a forked process while it streams.

Why a process: both are CPU work on every byte (base64 or indentation; the Aho-Corasick scan)
and most of it holds the GIL, which the event loop forwarding the stream needs too. In a thread
the two took turns on one core: recording a 50 MB stream took 1.65x (binary) to 2.4x (SSE
text) the time of streaming mitmdump. A forked child works on the other core.

The child is a copy-on-write snapshot taken when the text starts (`text` and `scan` as they are
then). Pieces reach it through a pipe: one write() per piece, which lets go of the GIL. The
text it makes goes into a memory file (memfd_create: never on disk, as it is the body before
redaction), which neither process maps until the end (`StreamedScalar.take`). At the end the
child sends back the state of the text and of the scan (pickled, a few KB); this process maps
the file and goes on with both as if it had fed them itself (`StreamedScalar.restore`,
`StreamScan.restore`).
"""

from __future__ import annotations

import mmap
import os
import pickle
import signal
import struct
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not Unix (no fork either: FORKS)
    fcntl = None  # type: ignore[assignment]

from .store import MappedFile, fork_worker, write_all
from .yamlv3 import StreamedScalar, prepare_for_fork

# A message to the child: (kind, bytes for the text, bytes for the scan). The scan's bytes are
# the text's when SAME, none when NONE.
_HEAD = struct.Struct("!BQQ")
_FEED, _END = 1, 2
SAME = (1 << 64) - 1
NONE = (1 << 64) - 2
_REPLY = struct.Struct("!Q")

# Linux (memfd_create); elsewhere the scan thread makes the text. Tests switch it off too.
FORKS = hasattr(os, "fork") and hasattr(os, "memfd_create")


class ScanProcessError(RuntimeError):
    """The child failed or went away: the text it held is lost (the recording fails loudly)."""


class ScanProcess:
    """`feed` from one thread at a time, in order; then `finish` once (or `close` to drop it).

    `text`: the StreamedScalar the pieces build (its state at the fork is the child's start);
    `scan`: a redaction.StreamScan or None. Raises OSError if the process cannot be made."""

    def __init__(self, text: StreamedScalar, scan: Any | None) -> None:
        self.text = text
        self.scan = scan
        self.pid = 0
        self._owner = os.getpid()  # (a copy of this object in another child must not reap it)
        self._to = self._back = -1
        prepare_for_fork()  # (what the child would otherwise compile or import: no locks)
        # In memory, never on disk: the text is the body before redaction (a file's pages could
        # be written back to a disk that keeps them after it is deleted).
        self._file = open(os.memfd_create("vcrproxy-text", os.MFD_CLOEXEC), "rb")
        to_r, to_w = os.pipe()
        back_r, back_w = os.pipe()
        try:
            try:  # one write per piece of up to 1 MiB: a wait for the GIL per piece, not per 64 KiB
                fcntl.fcntl(to_w, fcntl.F_SETPIPE_SZ, 1 << 20)  # type: ignore[union-attr]
            except (AttributeError, OSError):  # (not Linux, or over /proc/sys/fs/pipe-max-size)
                pass
            pid = fork_worker()
        except BaseException:
            for fd in (to_r, to_w, back_r, back_w):
                os.close(fd)
            self._file.close()
            raise
        if pid == 0:  # pragma: no cover - the child (its result is checked by the parent)
            code = 1
            try:
                _close_fds_but((0, 1, 2, to_r, back_w, self._file.fileno()))
                code = _serve(to_r, back_w, self._file.fileno(), text, scan)
            finally:
                os._exit(code)
        os.close(to_r)
        os.close(back_w)
        self.pid, self._to, self._back = pid, to_w, back_r

    def feed(self, text_pieces: list[bytes], scan_pieces: list[bytes] | None) -> None:
        """Hand over the next pieces: the text's and the scan's (the same list when both see
        the same bytes). Raises ScanProcessError if the child is gone."""
        n = sum(map(len, text_pieces))
        if scan_pieces is text_pieces:
            m, extra = SAME, []
        elif scan_pieces is None:
            m, extra = NONE, []
        else:
            m, extra = sum(map(len, scan_pieces)), scan_pieces
        try:
            write_all(self._to, [_HEAD.pack(_FEED, n, m), *text_pieces, *extra])
        except OSError as e:
            raise ScanProcessError(f"the text process went away ({e.strerror or e})") from None

    def finish(self) -> None:
        """After the last `feed`: wait for the child's state and put it into `text` and `scan`
        (the text's bytes as a read-only map of the file). Raises ScanProcessError."""
        try:
            write_all(self._to, [_HEAD.pack(_END, 0, 0)])
            data = b""
            while chunk := os.read(self._back, 1 << 16):
                data += chunk
        except OSError as e:
            data = b""
            why = e.strerror or str(e)
        else:
            why = ""
        code = self._reap()
        # From here this object holds nothing of the text: the scalar does (whoever keeps this
        # object around must not keep the memory file open).
        file, self._file = self._file, None
        target, scan, self.text, self.scan = self.text, self.scan, None, None
        with file:  # (the maps keep what they need of it open)
            if len(data) < _REPLY.size or len(data) != _REPLY.size + _REPLY.unpack_from(data)[0]:
                raise ScanProcessError(
                    f"the text process ended without its result ({why or f'exit code {code}'})")
            text_state, n_text, n_raw, scan_state, error = pickle.loads(data[_REPLY.size:])
            if error:
                raise ScanProcessError(error)
            # The text as a map the writer copies from the file (store.MappedFile); the raw bytes
            # after it (a text that stopped qualifying), only ever read, as a view.
            text = [MappedFile(file, n_text)] if n_text else []
            raw = [memoryview(mmap.mmap(file.fileno(), n_text + n_raw, prot=mmap.PROT_READ))[
                n_text:]] if n_raw else []
        target.restore(text_state, text, raw)
        if scan is not None:
            if scan_state is None:  # (its scan failed: redaction searches the body itself)
                scan.usable = False
            else:
                scan.restore(scan_state)

    def kill(self) -> None:
        """Stop the child now (a `feed` under way fails); `close` still has to reap it."""
        if self.pid and self._owner == os.getpid():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def close(self) -> None:
        """Drop the child and what it made (a stream not recorded after all). Call it when no
        other thread is in `feed`: it closes the pipes."""
        self.kill()
        self._reap()
        if self._file is not None:
            self._file.close()

    def _reap(self) -> int:
        for fd in (self._to, self._back):
            if fd >= 0:
                os.close(fd)
        self._to = self._back = -1
        pid, self.pid = self.pid, 0
        if not pid:
            return 0
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    def __del__(self) -> None:
        if getattr(self, "pid", 0) and self._owner == os.getpid():
            self.close()


def _close_fds_but(keep: tuple[int, ...]) -> None:  # pragma: no cover - runs in the child
    """Close every descriptor but `keep`: the child lives as long as its stream, and a copy of
    the proxy's descriptors would hold what they hold that long. A cassette folder's flock
    taken by another thread at the fork stays held until every copy is closed (that folder's
    appends then waited for the stream's end, or failed after store.LOCK_TIMEOUT_S), and a
    socket the proxy closes sends no FIN while a copy is open (nor does the listening socket
    go away with a killed proxy)."""
    try:
        top = max(map(int, os.listdir("/proc/self/fd"))) + 1
    except (OSError, ValueError):
        top = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1 << 16
    low = 0
    for high in [*sorted(set(keep)), top]:
        if high > low:  # (closerange(0, 0) closes every descriptor: close_range(0, ~0))
            os.closerange(low, high)
        low = max(low, high + 1)


def _serve(src: int, dst: int, fd: int, text: StreamedScalar, scan: Any | None
           ) -> int:  # pragma: no cover - runs in the child
    """The child: feed each message's pieces to `text` (writing what it makes to `fd`: first
    all text, then any raw bytes, `StreamedScalar.take`) and to `scan`; at the end, reply with
    (text state, text bytes, raw bytes, scan state, error)."""
    error = ""
    n_text = n_raw = 0
    while True:
        head = _read(src, _HEAD.size)
        if head is None:
            return 1  # (the parent dropped it)
        kind, n, m = _HEAD.unpack(head)
        if kind == _END:
            break
        data = _read(src, n)
        scan_data = data if m == SAME else None if m == NONE else _read(src, m)
        if data is None or (m not in (SAME, NONE) and scan_data is None):
            return 1
        if not error:
            try:
                text.feed(data)
                parts, raw = text.take()
                if parts and n_raw:
                    raise AssertionError("text after raw bytes")  # (the file's order)
                write_all(fd, parts + raw)
                n_text += sum(map(len, parts))
                n_raw += sum(map(len, raw))
            except BaseException as e:  # noqa: BLE001 - said by the parent, loudly
                error = f"the response body could not be kept: {e or type(e).__name__}"
        if scan is not None and scan_data is not None:
            try:
                scan.feed(scan_data)
            except Exception:  # noqa: BLE001 - redaction then searches the body itself
                scan = None
    reply = pickle.dumps((text.state(), n_text, n_raw,
                          scan.state() if scan is not None else None, error))
    write_all(dst, [_REPLY.pack(len(reply)), reply])
    return 0


def _read(src: int, n: int) -> bytes | None:
    """Exactly `n` bytes, or None at the end of the pipe. One read() in practice (a message is
    one write of at most the pipe's size): the bytes come straight into the object returned,
    not through a buffer copied again (two copies of every byte of the stream in this child)."""
    if not n:
        return b""
    data = os.read(src, n)
    if len(data) == n or not data:
        return data or None
    buf = bytearray(data)
    while len(buf) < n:
        more = os.read(src, n - len(buf))
        if not more:
            return None
        buf += more
    return bytes(buf)
