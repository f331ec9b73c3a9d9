"""What each record mode does with a cassette file in each state: decided here, in one place.

Modelled on go-vcr's recorder.go, which maps mode x "cassette file exists" in a single switch;
vcrproxy tells more file states apart so that each gets a clear outcome at start, never a
traceback or a hang:

| state \\ mode | once            | record          | replay           | new-episodes      |
| ------------- | --------------- | --------------- | ---------------- | ----------------- |
| missing       | record          | record          | error: not found | record (new file) |
| empty (0 B)   | record          | record          | error: empty     | record (new file) |
| valid         | replay          | record, replace | replay           | replay + append   |
| cut off       | replay, warning | record, replace | replay, warning  | replay + append * |
| unreadable    | error           | error           | error            | error             |
| stat fails (name too long, a symlink loop, EIO...) | error | error | error | error |
| a directory   | error           | error           | error            | error             |
| FIFO, socket, device | error    | error           | error            | error             |
| not writable  | error if it records | error     | replay           | error             |

(*: the first append rewrites the file whole, without the cut-off tail.)
`passthrough` never looks at the file. "record, replace": the file is rewritten once the first
exchange completes (a session that records nothing leaves it alone). A file cut off mid-append
loads with a warning naming what was dropped (yamlio); the first append rewrites it whole.
A file that is not a cassette at all (bad YAML, wrong version) is a one-line error when loaded.
An error names its real cause: a failed stat says its strerror (cassette.os_reason), whatever it is.
"""

from __future__ import annotations

import enum
import errno
import os
import stat
import tempfile
from dataclasses import dataclass

from .cassette import blank_file, os_reason
from .options import MODES  # noqa: E402,F401  (the modes are declared in options.py)


class FileState(enum.Enum):
    MISSING = "missing"
    EMPTY = "empty"
    FILE = "file"  # a non-empty regular file: valid, cut off or broken is known once parsed
    UNREADABLE = "unreadable"
    DIRECTORY = "directory"
    SPECIAL = "special"  # FIFO, socket, device: opening one may block forever
    BAD_PARENT = "bad parent"  # a path component is a file
    FAILED = "failed"  # stat failed otherwise (ENAMETOOLONG, ELOOP, EACCES on a folder, EIO...)


@dataclass(frozen=True)
class Plan:
    """The decision for one cassette: `mode` is what the session runs (`once` resolved),
    `load` whether to parse the existing file, `fresh` whether the first recording replaces the
    file, `error` a one-line reason to refuse (then nothing else applies)."""

    mode: str
    load: bool = False
    fresh: bool = False
    error: str | None = None


def probe(path: str) -> FileState:
    """The state of `path`, from stat (a FIFO is never opened; a small regular file is read to
    tell a blank one, cassette.blank_file)."""
    return probe_reason(path)[0]


def probe_reason(path: str) -> tuple[FileState, str | None]:
    """`probe`, and for FileState.FAILED the failed stat's cause in one line (os_reason)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return FileState.MISSING, None  # also a dangling symlink: recording creates its target
    except NotADirectoryError:
        return FileState.BAD_PARENT, None
    except OSError as e:  # (not "permission denied" for all: a name too long is not that)
        return FileState.FAILED, os_reason(e)
    if stat.S_ISDIR(st.st_mode):
        return FileState.DIRECTORY, None
    if not stat.S_ISREG(st.st_mode):
        return FileState.SPECIAL, None
    if not os.access(path, os.R_OK):
        return FileState.UNREADABLE, None
    return (FileState.EMPTY if blank_file(path, st.st_size) else FileState.FILE), None


def plan(mode: str, state: FileState, path: str = "cassette", reason: str | None = None) -> Plan:
    """The one switch: mode x file state -> Plan (see the module table). `reason`: the
    cause of a FileState.FAILED (probe_reason)."""
    if mode not in MODES:
        return Plan(mode, error=f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    if mode == "passthrough":
        return Plan("passthrough")
    if state is FileState.DIRECTORY:
        return Plan(mode, error=f"{path} is a folder; give a cassette file")
    if state is FileState.SPECIAL:
        return Plan(mode, error=f"{path} is not a regular file (a FIFO, socket or device); "
                                "give a cassette file")
    if state is FileState.UNREADABLE:
        return Plan(mode, error=f"{path}: cannot read it ({os.strerror(errno.EACCES)})")
    if state is FileState.FAILED:
        return Plan(mode, error=f"{path}: cannot open cassette: {reason or 'stat failed'}")
    if state is FileState.BAD_PARENT:
        return Plan(mode, error=f"{path}: {_file_on_path(path)} is not a folder")
    has_file = state is FileState.FILE
    if mode == "once":
        return Plan("replay", load=True) if has_file else Plan("record", fresh=True)
    if mode == "record":
        return Plan("record", fresh=True)
    if mode == "replay":
        if state is FileState.MISSING:
            return Plan(mode, error=f"{path}: cassette not found (replay needs a recording)")
        if state is FileState.EMPTY:
            return Plan(mode, error=f"{path} is empty: nothing to replay (record it first)")
        return Plan("replay", load=True)
    # new-episodes
    return Plan("new-episodes", load=True) if has_file else Plan("new-episodes", fresh=True)


def _file_on_path(path: str) -> str:
    """The first component of `path`'s folders that exists and is not a folder."""
    parent = os.path.dirname(os.path.abspath(path))
    found = parent
    while parent and parent != os.path.dirname(parent):
        if os.path.lexists(parent) and not os.path.isdir(parent):
            found = parent
        parent = os.path.dirname(parent)
    return found


def plan_for(mode: str, path: str) -> Plan:
    """`plan(mode, probe(path))`, then, for a plan that may record, a write probe of where the
    cassette goes; passthrough does not even look."""
    if mode == "passthrough":
        return Plan("passthrough")
    state, reason = probe_reason(path)
    decided = plan(mode, state, path, reason)
    if decided.error is None and decided.mode in ("record", "new-episodes"):
        reason = _cannot_write(path)
        if reason:
            return Plan(decided.mode, error=f"{path}: cannot write the cassette there ({reason})")
    return decided


def _cannot_write(path: str) -> str | None:
    """Why recording into `path` would fail, or None. Creates and removes a probe file in the
    nearest existing folder (recording creates missing folders and rewrites atomically through
    a temporary file beside the cassette), and opens an existing cassette for appending. Mode
    bits alone cannot tell: root passes access() on /proc or a read-only bind mount. A symlink
    is followed: the file it points to is the one written (a dangling link's target created)."""
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    while not os.path.isdir(folder) and folder != os.path.dirname(folder):
        folder = os.path.dirname(folder)
    try:
        fd, probe_path = tempfile.mkstemp(prefix=".vcrproxy-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe_path)
        if os.path.lexists(path):  # (non-blocking: a FIFO put there since would hang here)
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
    except OSError as e:
        if e.errno == errno.ENXIO:  # (a FIFO no process reads, or a device)
            return "not a regular file"
        return os_reason(e)
    return None
