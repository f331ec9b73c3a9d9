"""Every OSError met on a cassette path is reported by its real cause (strerror), in one line, in
every command: a name too long for the file system and a symlink loop were "permission denied"
and "not a regular file (a FIFO, socket or device)" for the proxy commands (modes.probe guessed
from the exception's class), and redact printed Python's `[Errno N] ...: 'path'` text.
`cassette.os_reason` / `os_error` are the one place such errors become words.

Real CLI on real paths; the proxy-URL case through a real proxy and httpx.
"""

from __future__ import annotations

import ssl

import httpx
import pytest
from test_cli_sessions import VERCEL, base_env, vcr_all  # noqa: F401  (fixtures)

from vcrproxy.childenv import proxy_url
from vcrproxy.modes import FileState, probe

TOO_LONG = "File name too long"
LOOP = "Too many levels of symbolic links"


def _paths(tmp_path) -> dict[str, str]:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to("loop.yaml")  # a link to itself: ELOOP
    return {TOO_LONG: str(tmp_path / ("n" * 300 + ".yaml")), LOOP: str(loop)}


def _commands(path: str) -> list[list[str]]:
    return [["record", path, "--", "true"], ["replay", path, "--", "true"],
            ["run", path, "--", "true"], ["record", path, "--background"],
            ["check", path], ["show", path], ["show", "--json", path],
            ["diff", path, path], ["redact", path]]


@pytest.mark.parametrize("cause", [TOO_LONG, LOOP])
def test_every_command_names_the_real_cause(vcr_all, tmp_path, cause):  # noqa: F811
    path = _paths(tmp_path)[cause]
    commands = _commands(path)
    for args, got in zip(commands, vcr_all(commands), strict=True):
        said = got.stderr
        assert got.returncode not in (0, None), (args, said)
        assert cause in said, (args, said)
        assert "permission denied" not in said.lower(), (args, said)
        assert "FIFO" not in said and "Traceback" not in said and "[Errno" not in said, \
            (args, said)
        lines = [line for line in said.splitlines() if cause in line]
        assert len(lines) == 1 and path in lines[0], (args, said)  # one line, naming the file


def test_probe_tells_a_failed_stat_from_an_unreadable_file(tmp_path):
    for path in _paths(tmp_path).values():
        assert probe(path) is FileState.FAILED


def test_a_cassette_named_in_a_proxy_url_says_the_real_cause(run_proxy, ca_cert, tmp_path):
    """The pytest plugin's path (and any client's): the name comes from the proxy URL."""
    proxy = run_proxy(str(tmp_path / "unnamed.yaml"), "passthrough", cassette_dir=str(tmp_path))
    url = proxy_url("127.0.0.1", proxy.proxy.port, "n" * 300, "once")
    with httpx.Client(proxy=url, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=20) as client:
        got = client.get("https://api.example.invalid/v1/models")
    assert got.status_code == 400 and TOO_LONG in got.text, got.text
    assert "permission denied" not in got.text


def test_check_and_redact_say_why_a_folder_cannot_be_listed(base_env, tmp_path):  # noqa: F811
    """os.walk skipped a folder it could not list without a word: `check folder/` said ok for
    the rest (a folder named itself is click's `is not readable`)."""
    import os
    import shutil
    import subprocess

    from test_cli_sessions import VCRPROXY
    from test_modes import ROOT, _without_dac_override

    top = tmp_path / "top"
    (top / "sub").mkdir(parents=True)
    shutil.copy(VERCEL, top / "good.yaml")
    shutil.copy(VERCEL, top / "sub" / "hidden.yaml")
    (top / "sub").chmod(0)
    try:
        for args in (["check", top], ["redact", top]):
            got = subprocess.run([VCRPROXY, *map(str, args)], env=base_env, capture_output=True,
                                 text=True, timeout=60,
                                 preexec_fn=_without_dac_override if ROOT else None)
            assert got.returncode == 1, (args, got.stderr)
            line = f"{top / 'sub'}: cannot list folder: Permission denied"
            assert line in got.stderr.splitlines(), (args, got.stderr)
            assert "no cassettes" not in got.stderr, got.stderr
    finally:
        (top / "sub").chmod(0o755)
    assert os.listdir(top / "sub") == ["hidden.yaml"]
