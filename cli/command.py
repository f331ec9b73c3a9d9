"""A wrapped command (`vcrproxy record C -- CMD`) that cannot be run: the exit code and the one
line a POSIX shell gives (POSIX.1-2017 XCU 2.8.2 "Exit Status for Commands"; `env`, `timeout`,
`nice`, `xargs` and bash do the same): 127 when the command is not found, 126 when it is found
but cannot be executed (not executable, a folder, a binary that is no program: "Exec format
error"); a text file without `#!` is a shell script, run by /bin/sh as they run it. A CI step
can then tell a missing `npm`/`pytest` from a failing test run (1)."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat

import click

from vcrproxy.cassette import os_reason

NOT_FOUND_EXIT = 127
NOT_EXECUTABLE_EXIT = 126


class CommandError(click.ClickException):
    """The wrapped command cannot be run: one line, exit 127 or 126."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def check_command(argv0: str, path_env: str | None = None) -> None:
    """Raise CommandError when `argv0` cannot be run, before anything starts. A name with a
    `/` is that file; a bare name is looked up in `path_env` (default $PATH), as execvp does.
    What only exec can tell (a file that is no program) is `exec_error`'s."""
    if os.sep not in argv0 and (os.altsep is None or os.altsep not in argv0):
        if shutil.which(argv0, path=path_env) is None:
            raise CommandError(f"command not found: {argv0}", NOT_FOUND_EXIT)
        return
    try:
        st = os.stat(argv0)
    except OSError as e:
        raise exec_error(argv0, e) from None
    if stat.S_ISDIR(st.st_mode):
        raise exec_error(argv0, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
    if not stat.S_ISREG(st.st_mode) or not os.access(argv0, os.X_OK):
        raise exec_error(argv0, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))


def shell_script(command: list[str], e: OSError, path_env: str | None) -> list[str] | None:
    """The command line that runs `command` when exec refused it with ENOEXEC (`e`): a text
    file with no `#!` line is a shell script, run by /bin/sh with its arguments, as execvp (and
    so `env`, `timeout`, `nice`, `xargs`) and shells run it. None for any other error, and for
    a binary file (a NUL before its first line's end, bash's test: "cannot execute binary
    file", 126)."""
    if e.errno != errno.ENOEXEC or not os.path.exists("/bin/sh"):
        return None
    argv0 = command[0]
    script = argv0 if os.sep in argv0 else shutil.which(argv0, path=path_env)
    if script is None:
        return None
    try:
        with open(script, "rb") as f:
            head = f.read(80)
    except OSError:
        return None
    if b"\0" in head.split(b"\n", 1)[0]:
        return None
    return ["/bin/sh", script, *command[1:]]


def exec_error(argv0: str, e: OSError) -> CommandError:
    """The CommandError for exec's OSError `e`: 127 for ENOENT (nothing there), 126 for the
    rest (EACCES, ENOEXEC, EISDIR...), as a shell decides."""
    if e.errno == errno.ENOENT:
        found = os.path.exists(argv0) if os.sep in argv0 else shutil.which(argv0) is not None
        if found:  # (bash 5.1+: "cannot execute: required file not found", also 127)
            return CommandError(f"cannot run {argv0}: a file it needs (its #! interpreter, "
                                "or its ELF loader) was not found", NOT_FOUND_EXIT)
        if os.sep not in argv0:
            return CommandError(f"command not found: {argv0}", NOT_FOUND_EXIT)
        return CommandError(f"command not found: {argv0}: {os_reason(e)}", NOT_FOUND_EXIT)
    return CommandError(f"cannot run {argv0}: {os_reason(e)}", NOT_EXECUTABLE_EXIT)


def process_tree(pid: int) -> list[int]:
    """`pid` and every process under it, parents first (Linux: /proc/PID/task/TID/children);
    just `pid` where /proc cannot tell. Taken before a signal: once a launcher (`sh -c`, `npm
    test`, `make`) dies, its children belong to init and no longer lead back to it."""
    tree, at = [pid], 0
    while at < len(tree):
        current = tree[at]
        at += 1
        try:
            tids = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{current}/task/{tid}/children") as f:
                    tree += [int(p) for p in f.read().split() if int(p) not in tree]
            except (OSError, ValueError):
                continue
    return tree


# What a terminal sends its whole foreground job (Ctrl-C, Ctrl-\\, a hangup).
_TERMINAL_SIGNALS = frozenset({signal.SIGINT, signal.SIGQUIT, signal.SIGHUP})


def signal_tree(pids: list[int], signum: int) -> None:
    """Send `signum` to each of `pids` (one gone meanwhile, or not ours, is passed over); the
    first (the command itself) always, as ever. For a signal a terminal sends its foreground
    job, a process under it in that job already has it from the terminal, and is not sent it
    twice (a second Ctrl-C makes many programs skip their clean-up)."""
    foreground = _foreground_group() if signum in _TERMINAL_SIGNALS else None
    for n, pid in enumerate(pids):
        try:
            if n and foreground is not None and os.getpgid(pid) == foreground:
                continue
            os.kill(pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


def _foreground_group() -> int | None:
    """The foreground process group of this process's terminal, None without one."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return None
    try:
        return os.tcgetpgrp(fd)
    except OSError:
        return None
    finally:
        os.close(fd)


def still_running(pids: list[int]) -> list[int]:
    """Those of `pids` still running (not gone, not a zombie waiting for its parent)."""
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            alive.append(pid)
    return alive
