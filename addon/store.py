"""Cassette storage, the only code that touches cassette files: read (regular files only),
atomic save, durable locked append (CassetteWriter: the writer alone decides rewrite vs append),
truncation recovery on load."""


from __future__ import annotations

import contextlib
import errno
import gc
import logging
import mmap
import os
import signal
import stat
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import BinaryIO

from .cassette import Cassette, CassetteError, Interaction, blank_file, os_error

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: appends go unlocked
    fcntl = None  # type: ignore[assignment]
from .codec import (
    _detect_layout,
    _loads,
    cassette_parts,
    interaction_parts,
    warn_notes,
)

log = logging.getLogger("vcrproxy")

_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
               (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def not_regular(mode: int) -> str | None:
    """What a file of this st_mode is when it is not a regular file ("a FIFO"...), else None."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _FILE_KINDS if test(mode)), "not a regular file")


def open_regular(path: str, flags: int = os.O_RDONLY) -> int:
    """os.open(path, flags) for a regular file only; CassetteError (one line) for anything else.

    Opened non-blocking, then checked with fstat: a FIFO would otherwise block the open (or the
    read) until some other process writes to it, and a device could be read forever.
    """
    try:
        fd = os.open(path, flags | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise CassetteError(f"{path}: cassette file not found") from None
    except OSError as e:
        raise os_error(path, e, "open cassette") from None
    what = not_regular(os.fstat(fd).st_mode)
    if what is not None:
        os.close(fd)
        raise CassetteError(f"{path}: is {what}, not a cassette file")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd


def refuse_special(path: str) -> None:
    """OSError (EEXIST, "is a FIFO, not a regular file: not replaced") when something that is
    not a regular file is at `path` (links followed): `atomic_write` never renames over it, so
    a FIFO stays a FIFO (its reader is not left with nothing) and a device node such as
    /dev/null is never replaced by a regular file (as root, for the whole machine)."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    what = not_regular(mode)
    if what is not None:
        raise OSError(errno.EEXIST, f"is {what}, not a regular file: not replaced")


def _read_text(path: str) -> str:
    fd = open_regular(path)
    try:
        with open(fd, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise os_error(path, e, "read cassette") from None
    return decode_text(raw, path)


def decode_text(raw: bytes, path: str) -> str:
    """A cassette file's bytes as text, read as go-vcr reads them: UTF-8, or UTF-16 (LE or BE)
    when the file starts with its byte order mark (yaml.v3, like libyaml, determines the
    encoding so: Windows PowerShell 5's `>` and `Out-File` write UTF-16LE). A UTF-16 file is
    rewritten whole, in UTF-8, by the first append (CassetteWriter: its tail never matches)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")  # (the BOM tells the byte order and is dropped)
        except UnicodeDecodeError as e:
            raise CassetteError(f"{path}: not UTF-16 text (byte {e.start}): {e.reason}"
                                ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        if len(raw) - e.start < 4 and e.reason == "unexpected end of data":
            return raw[: e.start].decode("utf-8")  # cut inside a multi-byte character
        raise CassetteError(f"{path}: not UTF-8 text (byte {e.start}): {e.reason}") from None


def load_cassette_notes(path: str | os.PathLike[str]) -> tuple[Cassette, list[str]]:
    """Load a cassette file; returns it and the loader's repair notes (one line each, e.g. a
    cut-off last interaction that was dropped), which the caller says once in its own channel
    (the proxy logs them, the CLI prints them). CassetteError (one line) if it cannot be used."""
    path = os.fspath(path)
    cassette, notes = _loads(_read_text(path), path)
    cassette.path = path
    return cassette, notes


def load_cassette(path: str | os.PathLike[str]) -> Cassette:
    """Load a cassette file; a cut-off last interaction is dropped with a
    CassetteTruncatedWarning (Python's channel for a library caller). CassetteError if the file
    cannot be read or is no go-vcr `version: 2` cassette."""
    cassette, notes = load_cassette_notes(path)
    warn_notes(notes)
    return cassette


# --------------------------------------------------------------------------------------------
# Emitting: scalars (yaml.v3 emitterc.go yaml_emitter_analyze_scalar + select_scalar_style)

def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory
    finally:
        os.close(fd)


class MappedFile(mmap.mmap):
    """A file's first `length` bytes, mapped read-only (a buffer like bytes), that `write_all`
    copies from the file itself (`_copy_file`: no page faults on the map, no copy of it all in
    this process's memory): a large body's text made by scanprocess.py. Keeps the file open
    while it lives."""

    def __new__(cls, file: BinaryIO, length: int) -> MappedFile:
        self = super().__new__(cls, file.fileno(), length, prot=mmap.PROT_READ)
        self.fd = os.dup(file.fileno())  # (the copy's source: the caller may close its file)
        return self

    def __del__(self) -> None:
        if getattr(self, "fd", -1) >= 0:
            os.close(self.fd)


def write_all(fd: int, parts: list[bytes]) -> None:
    """Write every piece, in order: one write() or writev() in practice; loops only if the
    kernel writes less (large bodies come as pieces of their own: codec.interaction_parts).
    A MappedFile is copied from its file (`_copy_file`)."""
    run: list[bytes] = []
    for p in parts:
        if isinstance(p, MappedFile):
            _write_views(fd, run)
            run = []
            _copy_file(fd, p)
            continue
        run.append(p)
    _write_views(fd, run)


# A MappedFile is copied to its cassette through one buffer of this size, reused: pread+write
# of 67 MB from a memory file to ext4 took 18-19 ms where sendfile took 26-32 ms (its
# internal pipe moves 16 pages at a time) and write() from the map 46 ms (a fault per page).
_COPY_STEP = 1 << 20


def _copy_file(fd: int, mapped: MappedFile) -> None:
    """Copy the mapped bytes to `fd` from their file, `_COPY_STEP` at a time. Raises OSError."""
    src, n, at = mapped.fd, len(mapped), 0
    buf = bytearray(min(_COPY_STEP, n))
    view = memoryview(buf)
    while at < n:
        got = os.preadv(src, [view[: n - at]], at)
        if not got:
            raise OSError(errno.EIO, "the mapped file ended early")
        _write_views(fd, [view[:got]])
        at += got


def _write_views(fd: int, parts: list[bytes]) -> None:
    views = [memoryview(p) for p in parts if p]
    while views:
        if len(views) > 1 and hasattr(os, "writev"):
            n = os.writev(fd, views[:1024])  # (IOV_MAX)
        else:
            n = os.write(fd, views[0])
        while n and views:
            if n >= len(views[0]):
                n -= len(views[0])
                views.pop(0)
            else:
                views[0] = views[0][n:]
                n = 0


_NAME_MAX = 255  # bytes in one file name (POSIX NAME_MAX: Linux, macOS)


def _temp_name(base: str, n: int) -> str:
    """`.BASE.PID.N.tmp`, the temporary file beside `base`; for a name near NAME_MAX (a
    cassette may be named up to it) BASE is cut so that the temporary name fits too."""
    tail = f".{os.getpid()}.{n}.tmp"
    raw = base.encode("utf-8", "surrogateescape")
    room = _NAME_MAX - 1 - len(tail)
    if len(raw) > room:
        base = raw[:room].decode("utf-8", "ignore")
    return f".{base}{tail}"


def atomic_write(path: str, data: bytes | list[bytes], *, durable: bool = True) -> bool:
    """Replace `path` with `data` (bytes, or pieces written in order) all at once: a temporary
    file in the same folder, written and fsynced, renamed over `path`, then the folder fsynced.
    A reader sees the old content or the new, never a mix; an existing file keeps its mode, a
    new one gets 0o666 & ~umask. The one atomic write of the package (cassettes, the CA bundle,
    `--background` state, `show --html`).

    A symlink at `path` is followed (to its final target, which need not exist yet): the file
    it points to is replaced and the link stays a link (a shared cassette linked into a test
    tree is the one re-recorded or redacted).

    `durable=False`: a new file (no `path` yet) is renamed into place before any fsync, and
    True is returned: the caller owes `sync_file(path, folder=True)`. A file that replaces
    another is fsynced first all the same (a crash must not lose the old content for a new one
    still in memory). Returns whether that sync is owed.
    Raises OSError (the temporary file is removed); also, before anything is written, when a
    FIFO, a device or a folder is at `path` (`refuse_special`)."""
    path = os.path.realpath(path)  # (the rename would replace a link, not the file it names)
    refuse_special(path)
    directory = os.path.dirname(path)
    base = os.path.basename(path)
    tmp = ""
    try:
        for n in range(100):
            tmp = os.path.join(directory, _temp_name(base, n))
            try:
                # 0o666 & ~umask like a normally created file (mkstemp would make it 0600).
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
        else:
            tmp = ""
            raise FileExistsError(f"cannot create a temporary file next to {path}")
        try:
            owed = not durable
            try:
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)  # keep an existing file's mode
                owed = False
            except FileNotFoundError:
                pass
            write_all(fd, [data] if isinstance(data, bytes) else data)
            if not owed:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        tmp = ""
        if not owed:
            _fsync_dir(directory)
        return owed
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def sync_file(path: str, *, folder: bool = False) -> None:
    """fsync `path` (whatever any process wrote to it) and, with `folder`, its folder (a file
    renamed into it). Raises OSError (FileNotFoundError: nothing there to flush), CassetteError
    if something else than a regular file is there now (a FIFO's open would block)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        what = not_regular(os.fstat(fd).st_mode)
        if what is not None:
            raise CassetteError(f"{path}: is {what} now, not the cassette written")
        os.fsync(fd)
    finally:
        os.close(fd)
    if folder:
        _fsync_dir(os.path.dirname(path))


def _atomic_write(path: str, data: bytes | list[bytes], durable: bool = True) -> bool:
    try:
        return atomic_write(path, data, durable=durable)
    except OSError as e:
        raise os_error(path, e, "write cassette") from None


def save_cassette(cassette: Cassette, path: str | os.PathLike[str], *,
                  durable: bool = True) -> bool:
    """Rewrite the whole file atomically (temp file + fsync + rename): never half-written.
    `durable=False`: see `atomic_write` (returns whether a `sync_file` is owed)."""
    path = os.fspath(path)
    owed = _atomic_write(path, cassette_parts(cassette), durable)
    cassette.path = path
    return owed


# --------------------------------------------------------------------------------------------
# Appending


LOCK_TIMEOUT_S = 30.0  # a writer waiting longer for another process's lock fails loudly


def file_stamp(path: str) -> tuple[int, int, int] | None:
    """(inode, size, mtime ns) of `path`, None when there is no file to read there (missing, or
    a path that cannot name one: under a regular file, a symlink loop, a name too long): changes
    whenever anyone writes it. A mode that reads or writes the file names such a path's cause
    itself (modes.probe at start, the writer's os_error); passthrough touches no file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


@contextlib.contextmanager
def cassette_lock(path: str | os.PathLike[str], timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive OS lock for a read-modify-write of the cassette at `path`.

    The lock is `flock` on the cassette's folder: the file itself cannot carry it (an atomic
    rewrite renames a new inode over it, and creating it just to lock it would leave an empty,
    invalid cassette), and a lock file next to it would litter a committed folder. flock locks
    are per open file description, so they also exclude threads of one process, and the kernel
    drops them when a process dies. The folder is the real one (symlinks followed), so every
    path to one file takes one lock. Waits up to `timeout` seconds, then CassetteError. Where
    there is no flock (Windows) or the filesystem refuses it, writes go unlocked.
    """
    directory = os.path.dirname(os.path.realpath(os.fspath(path)))
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        yield  # no folder yet (the write will say why) or not openable: nothing to lock
        return
    try:
        if fcntl is not None:
            deadline = time.monotonic() + timeout
            delay = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise CassetteError(
                            f"{path}: another process holds the cassette folder's lock for over "
                            f"{timeout:.0f} s; not written") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
                except OSError:
                    break  # a filesystem without flock: unlocked, as before
        yield
    finally:
        os.close(fd)  # (releases the lock)


def started_afresh(path: str | os.PathLike[str], run: RecordRun | None = None) -> bool | None:
    """Whether the record run the cassette at `path` belongs to was started by a live process
    (record mode's first write starts a file afresh: CassetteWriter `fresh`); this process
    joins that run either way. Call under `cassette_lock`, at a fresh writer's first append.

    A record run replaces what earlier runs left, not what this run wrote: another `vcrproxy
    record` still running on the file, an earlier test of this pytest run (its session closed,
    its proxy running), an xdist worker. The run's members are listed in a file named by the
    cassette's real path (`afresh/`), each by the token of a file its run (RecordRun: a proxy;
    default PROCESS_RUN) holds locked while it lives (`live/`; the kernel drops the lock when
    the process ends, however it ends), both in a per-user folder of the temporary directory
    (0700; a lock file beside the cassette would litter a committed folder). One descriptor
    per run, whatever the number of cassettes. None without that folder (not ours, no flock):
    not known."""
    import hashlib

    me = (run or PROCESS_RUN).token()
    if me is None:
        return None
    lease = lease_folder("afresh")
    if lease is None:
        return None
    real = os.path.realpath(os.fspath(path))
    name = os.path.join(lease, hashlib.sha256(
        real.encode("utf-8", "surrogateescape")).hexdigest()[:40])
    try:
        with open(name, encoding="ascii", errors="replace") as f:
            listed = f.read().split()
    except OSError:
        listed = []
    # (A run joined to an outer one, an xdist worker's proxy to its pytest run's controller,
    # counts what any proxy of that outer run wrote as its own, even after that proxy stopped.)
    ours = {me, *(run or PROCESS_RUN).joined}
    members = [t for t in listed if t in ours or _alive(t)]
    missing = [t for t in (me, *(run or PROCESS_RUN).joined) if t not in members]
    if missing:
        # (In place: every reader and writer of it holds this cassette's lock. A cut leaves a
        # token that names no live process.)
        with contextlib.suppress(OSError), open(name, "w", encoding="ascii") as f:
            f.write("".join(f"{t}\n" for t in [*members, *missing]))
    return bool(members)


class RecordRun:
    """One proxy's record run, for `started_afresh`: a token naming a file this object holds
    flock'ed from its first use until `close` (or the process's end, however it ends). A run
    is a proxy's life: the pytest plugin's proxy records every test of a pytest run; a proxy
    stopped and another started on the same cassette make two runs, unless both `join` one
    outer run (the xdist workers' proxies of one pytest run join its controller's run, which
    lives until the last worker is done: a worker that finished first keeps its recordings)."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._fd = -1
        self._name = ""
        self._pid = 0
        self.joined: tuple[str, ...] = ()  # outer runs' tokens (`join`)

    def join(self, token: str | None) -> None:
        """Make this run part of the outer run `token` (another RecordRun's, held by a process
        that outlives this one): a cassette any of its runs started afresh is not started
        afresh again by this one, whether or not the run that wrote it is still alive."""
        if token and "/" not in token and not token.startswith(".") and token.isprintable() \
                and not any(c.isspace() for c in token) and token not in self.joined:
            self.joined = (*self.joined, token)

    def token(self) -> str | None:
        """This run's token (made at first use); None where leases cannot be had."""
        if self._token is not None and self._pid == os.getpid():
            return self._token
        import atexit
        import secrets

        folder = lease_folder("live")
        if folder is None:
            return None
        token = f"{os.getpid()}-{secrets.token_hex(8)}"
        name = os.path.join(folder, token)
        try:
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
                         | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # type: ignore[union-attr]
        except OSError:
            os.close(fd)
            return None
        self._token, self._fd, self._name, self._pid = token, fd, name, os.getpid()
        atexit.register(self.close)
        return token

    def close(self) -> None:
        """End the run: its cassettes' next record session starts them afresh."""
        if self._token is None or self._pid != os.getpid():  # (not in a forked child)
            return
        with contextlib.suppress(OSError):
            os.unlink(self._name)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._token, self._fd = None, -1


PROCESS_RUN = RecordRun()  # the run of writers given none (a session outside a proxy)


def _alive(token: str) -> bool:
    """Whether the process that made `token` still holds its file locked."""
    folder = lease_folder("live")
    if folder is None or not token or "/" in token or token.startswith("."):
        return False
    try:
        fd = os.open(os.path.join(folder, token), os.O_RDONLY | os.O_CLOEXEC
                     | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # type: ignore[union-attr]
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


def lease_folder(kind: str) -> str | None:
    """`<tmp>/vcrproxy-<uid>/<kind>`, made 0700 if need be; None if it cannot be trusted (not
    ours, open to others) or there is no flock here."""
    if fcntl is None or not hasattr(os, "getuid"):
        return None
    import tempfile

    mine = os.path.join(tempfile.gettempdir(), f"vcrproxy-{os.getuid()}")
    folder = os.path.join(mine, kind)
    try:
        for d in (mine, folder):
            with contextlib.suppress(FileExistsError):
                os.mkdir(d, 0o700)
        for d in (mine, folder):
            st = os.lstat(d)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
                return None
    except OSError:
        return None
    return folder


def fork_worker() -> int:
    """os.fork() for a worker child of this (threaded) process: 0 in the child, which only
    computes and writes, then leaves with os._exit. In the child the garbage collector is off
    (no finalizer of the parent's objects runs there) and SIGINT/SIGTERM are ignored, with no
    signal wakeup fd: Ctrl-C reaches the whole process group, and asyncio's wakeup fd is shared
    with the parent, which would hear the signal twice. Both are blocked across the fork, so
    one that comes between fork() and SIG_IGN is dropped in the child instead of raising
    KeyboardInterrupt there (out of this function, into a copy of the caller's thread that
    would never exit). Raises OSError."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked) \
        if hasattr(signal, "pthread_sigmask") else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # (3.12+: fork with threads)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            gc.disable()
            signal.set_wakeup_fd(-1)
            for signum in blocked:
                signal.signal(signum, signal.SIG_IGN)  # (a pending one is dropped at unblock)
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    return pid


def _in_child(work: Callable[[], None]) -> None:
    """Run `work` in a forked child process and wait for it; CassetteError with the child's
    one-line message if it fails.

    The child is a copy-on-write snapshot of this process, so the interaction it writes is not
    copied or pickled across; it holds the same locked descriptors. It only runs `work` and
    leaves with os._exit (no cleanup of the parent's loop, threads or buffers). waitpid and the
    pipe read release the GIL: the parent's event loop keeps running meanwhile.
    """
    r, w = os.pipe()
    pid = fork_worker()
    if pid == 0:  # pragma: no cover - the child (its result is checked by the parent)
        code = 0
        try:
            os.close(r)
            # (Not niced: a flow waits for this write. At nice 10 a loaded machine starved it:
            # 9 MB took over 20 s beside two busy processes on 2 cores.)
            work()
        except BaseException as e:  # noqa: BLE001 - everything goes back as one line
            code = 1
            try:
                os.write(w, (str(e) or type(e).__name__).encode("utf-8", "replace")[:4000])
            except OSError:
                pass
        os._exit(code)
    os.close(w)
    try:
        message = b""
        while chunk := os.read(r, 4096):  # until the child exits (closing its end)
            message += chunk
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        text = message.decode("utf-8", "replace").strip() or f"writer process exit code {code}"
        raise CassetteError(" ".join(text.split()))


def _file_layout(path: str) -> str | None:
    """The layout of the cassette file at `path` ("compact" or "indented", from its first
    interaction's indentation), None when that cannot be told (no interaction in its first
    64 KiB, unreadable): what a record-mode rewrite of the file keeps."""
    try:
        fd = open_regular(path)
        with open(fd, "rb") as f:
            head = f.read(1 << 16)
    except (OSError, CassetteError):
        return None
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")  # (see decode_text)
    found = _detect_layout(head.decode("utf-16" if utf16 else "utf-8", "replace"))
    return found[0] if found is not None else None


class CassetteWriter:
    """Durable, O(interaction) appends of interactions to a cassette file others may share.

    Each `append` holds `cassette_lock` while it checks the file, writes one interaction's text at
    its end in one write and fsyncs; the file is always a valid cassette (a crash mid-write
    leaves a tail the loader drops with a warning). If the file changed since this writer last
    saw it (another process or writer appended or rewrote it), it is read again first, so what
    others wrote is kept and ids stay unique: nothing is lost silently. The file is created (or
    repaired, or converted from `interactions: []`) by an atomic whole-file rewrite; if
    appending is impossible (top-level keys after `interactions`), every append rewrites the
    whole file. The file is opened per append, so any number of writers hold no descriptors.

    `cassette` is this writer's model of the file: appended interactions are added to
    `cassette.interactions` (if not already its last item); a re-read replaces it. `seen` is the
    file's `file_stamp` when `cassette` was read from it (default: now). With `fresh=True`
    (record mode) the first append starts a new file, unless a live recorder started it afresh
    already (`started_afresh`; where that cannot be known, unless the file changed after
    `seen`): then this one appends to it. (A change alone is no sign where it can be known: a
    `vcrproxy redact` of the file before the first append.) A file that was missing at `seen`
    and is there now was made by another session since: kept and appended to as well.
    """

    def __init__(self, path: str | os.PathLike[str], cassette: Cassette | None = None, *,
                 fresh: bool = False, seen: object = "now", run: RecordRun = PROCESS_RUN
                 ) -> None:
        self.path = os.fspath(path)
        self._run = run
        exists = os.path.exists(self.path)
        if cassette is None:
            if exists and not fresh:
                cassette, notes = load_cassette_notes(self.path)
                warn_notes(notes)  # (the first append repairs the file)
            else:
                cassette = Cassette(path=self.path)
        self.cassette = cassette
        self._lock = threading.Lock()
        self._owed = self._owed_folder = False  # an fsync `sync` owes (append(durable=False))
        self._fresh = fresh
        self._stale = False  # the model differs from the file (see append(isolate=True))
        stamp = file_stamp(self.path) if seen == "now" else seen
        self._since = stamp if fresh else None
        self._known = None if fresh else stamp  # the file as this model has it
        self._reset_view(exists and not fresh)

    def _reset_view(self, exists: bool) -> None:
        keys = self.cassette.key_order
        self._rewrite_always = keys is not None and "interactions" in keys and keys[-1] != (
            "interactions"
        )
        # Append only if the file ends exactly with what we would write for the last interaction.
        self._appendable = exists and not self._rewrite_always and self._tail_matches()
        self._next_id = self.cassette.next_id()

    def _tail_matches(self) -> bool:
        if not self.cassette.interactions:
            return False
        tail = b"".join(interaction_parts(self.cassette.interactions[-1], self.cassette.layout))
        try:
            fd = open_regular(self.path)
        except CassetteError:
            return False
        try:
            with open(fd, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                if size < len(tail):
                    return False
                f.seek(size - len(tail))
                return f.read() == tail
        except OSError:
            return False

    def _sync_with_file(self) -> None:
        """Under the lock: take in what others wrote since we last saw the file."""
        now = file_stamp(self.path)
        if self._fresh:
            self._fresh = False
            in_run = started_afresh(self.path, self._run)  # (and joins it)
            if in_run is None:  # (no run list here: a change since the session looked tells)
                in_run = now is not None and now != self._since
            elif not in_run and self._since is None and now is not None:
                # No file when the session looked (`once` or `record` on a missing cassette):
                # the one here now was made since by another session, one that has ended (a
                # live one is in the run). No earlier run's file to replace: it is kept.
                in_run = True
            if not in_run:
                self.cassette.interactions.clear()  # ours to start afresh
                layout = _file_layout(self.path) if now is not None else None
                if layout is not None:  # (a plain go-vcr file stays 4-space: no diff churn)
                    self.cassette.layout = layout
                self._reset_view(False)
                return
            # A live recorder of this run started it afresh: keep what it wrote.
        elif now == self._known and not (self._stale and not self._appendable):
            return  # (a stale model is re-read before it would be written whole)
        if now is None or blank_file(self.path, now[1]):
            # Deleted or emptied meanwhile (`: > c.yaml` while a recorder runs): start a new
            # file with what we know, as in an empty file at the start.
            self._reset_view(False)
            return
        layout = self.cassette.layout
        self.cassette = load_cassette_notes(self.path)[0]  # (a cut-off tail is repaired on write)
        if not self.cassette.interactions:
            self.cassette.layout = layout
        self._stale = False
        self._reset_view(True)

    def append(self, interaction: Interaction, *, new_id: bool = False,
               prepare: Callable[[Interaction], Interaction] | None = None,
               isolate: bool = False, fork: bool = True, durable: bool = True) -> Interaction:
        """Add one interaction to the file (and to the cassette model); returns it.

        `new_id=True` gives it the next free id, counted from the file as it is now (what other
        writers appended included); otherwise its id is kept as it is. `prepare` (redaction) is
        applied to it first, under the lock. `isolate=True` (for a large body) runs `prepare`,
        the serialisation and the write in a forked child process, where minutes of CPU-bound
        work on hundreds of MB cannot hold this process's GIL (a worker thread would: regex and
        codec calls on one huge string do not let go of it); the model then keeps the
        interaction as given and is re-read from the file before it is ever written whole.
        `fork=False` keeps those semantics but works in this thread (little work is left: a body
        already written as its YAML text, yamlv3.StreamedScalar).
        `durable=False`: return once the interaction is in the file (every process sees it, and
        it survives this process being killed) and leave its fsync to `sync` (a recorder lets
        the flow end first: 50 MB take 40-50 ms to flush).
        """
        with self._lock, cassette_lock(self.path):
            self._sync_with_file()
            if new_id:
                interaction.id = self._next_id
            self._next_id = max(self._next_id, interaction.id + 1)
            if isolate and (hasattr(os, "fork") or not fork):
                items = self.cassette.interactions
                known = len(items)

                def work() -> None:
                    self._write(prepare(interaction) if prepare else interaction, durable)

                try:
                    if fork:
                        _in_child(work)
                    else:
                        work()
                except CassetteError:
                    self._appendable = False  # maybe a partial item: rewritten whole next time
                    self._known = file_stamp(self.path)
                    raise
                finally:
                    del items[known:]  # (what this thread's _write added: the prepared form)
                if not durable and fork:  # (the child may have renamed a new file into place)
                    self._owed, self._owed_folder = True, True
                self.cassette.interactions.append(interaction)
                self._appendable = not self._rewrite_always
                self._stale = True  # (the file holds the prepared form, the model does not)
                self._known = file_stamp(self.path)
                return interaction
            if prepare is not None:
                interaction = prepare(interaction)
            self._write(interaction, durable)
            return interaction

    def sync(self) -> None:
        """fsync what `append(durable=False)` left unflushed (the folder too after a new file
        was renamed into it). Raises CassetteError."""
        with self._lock:
            owed, folder = self._owed, self._owed_folder
            self._owed = self._owed_folder = False
        if not owed:
            return
        try:
            sync_file(self.path, folder=folder)
        except FileNotFoundError:
            pass  # (deleted meanwhile: nothing of ours left to flush)
        except OSError as e:
            raise os_error(self.path, e, "flush it to disk (written)") from None

    def _write(self, interaction: Interaction, durable: bool = True) -> None:
        """Append (or rewrite the file with) one interaction; the caller holds the locks."""
        items = self.cassette.interactions
        if not items or items[-1] is not interaction:
            items.append(interaction)
        if not self._appendable:
            if save_cassette(self.cassette, self.path, durable=durable):
                self._owed, self._owed_folder = True, True
            self._appendable = not self._rewrite_always
            self._known = file_stamp(self.path)
            return
        parts = interaction_parts(interaction, self.cassette.layout)
        try:
            fd = open_regular(self.path, os.O_WRONLY | os.O_APPEND)
            try:
                write_all(fd, parts)
                if durable:
                    os.fsync(fd)
                else:
                    self._owed = True
            finally:
                os.close(fd)
        except (OSError, CassetteError) as e:
            # The file may now end with a partial item: the next append rewrites it whole,
            # from this model (which still holds this interaction), unless others wrote.
            self._appendable = False
            self._known = file_stamp(self.path)
            if isinstance(e, CassetteError):
                raise
            raise os_error(self.path, e, "append interaction") from None
        self._known = file_stamp(self.path)

    def close(self) -> None:
        """Nothing stays open between appends; kept for callers that close writers."""

    def __enter__(self) -> CassetteWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
