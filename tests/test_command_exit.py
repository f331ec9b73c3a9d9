"""A wrapped command that cannot be run exits as a POSIX shell (and env, timeout, xargs) does:
127 when it is not found, 126 when it is found but cannot be executed (not executable, a folder,
not a program), with one line naming the real cause, in record, replay and run; the proxy is
stopped, nothing is recorded and no cassette is written. The case only exec can tell (a binary
file with the x bit but no program in it: ENOEXEC) comes after the proxy started. Real CLI."""

from __future__ import annotations

import os

import pytest
from test_cli_sessions import base_env, vcr_all  # noqa: F401  (fixtures)

from vcrproxy import load_cassette

VERCEL = os.path.join(os.path.dirname(__file__), "..", "cassettes",
                      "vercel-gateway-claude-simple-streaming.yaml")


def _cases(tmp_path) -> list[tuple[str, int, str]]:
    """(command, exit code, what the error line says)."""
    script = tmp_path / "no-program"
    # A binary that is no program: ENOEXEC, and no shell script either (a text file without #!
    # is one: /bin/sh runs it, as execvp, env and shells do: test_tester12_script_without_shebang)
    script.write_bytes(b"\x00\x01\x02 this is not a program for exec\n")
    script.chmod(0o755)
    interpreted = tmp_path / "interpreted"
    interpreted.write_text("#!/nonexistent/interpreter\necho hi\n")
    interpreted.chmod(0o755)
    folder = tmp_path / "folder"
    folder.mkdir()
    return [
        ("no-such-command-xyz", 127, "command not found: no-such-command-xyz"),
        (str(tmp_path / "missing"), 127, "No such file or directory"),
        ("/etc/passwd", 126, "cannot run /etc/passwd: Permission denied"),
        (str(folder), 126, "Is a directory"),
        (str(script), 126, "Exec format error"),
        (str(interpreted), 127, "its #! interpreter"),  # bash, env, timeout: 127 too
    ]


@pytest.mark.parametrize("mode", ["record", "replay", "run"])
def test_a_command_that_cannot_run_exits_127_or_126(vcr_all, tmp_path, mode):  # noqa: F811
    cases = _cases(tmp_path)
    runs = []
    for n, (command, _, _) in enumerate(cases):
        cassette = tmp_path / f"c{n}.yaml"
        if mode == "replay":
            cassette.write_bytes(open(VERCEL, "rb").read())
        runs.append([mode, cassette, "--", command, "arg"])
    for n, ((command, code, says), got) in enumerate(zip(cases, vcr_all(runs), strict=True)):
        lines = [line for line in got.stderr.splitlines() if line.startswith("Error: ")]
        assert got.returncode == code, (command, got.stderr)
        assert len(lines) == 1 and says in lines[0], (command, got.stderr)
        assert "Traceback" not in got.stderr and ", replayed " not in got.stderr  # no summary
        if code == 126:
            assert "not found" not in got.stderr, got.stderr
        cassette = tmp_path / f"c{n}.yaml"
        if mode == "replay":  # the recording is untouched
            assert len(load_cassette(cassette).interactions) == 1
        else:
            assert not cassette.exists(), command  # nothing recorded, no empty file
