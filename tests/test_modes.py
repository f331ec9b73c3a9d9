"""Every mode x every cassette file state, as one table (addon/modes.py is the one switch).

Each row builds the real file state (missing, empty, valid, cut off mid-append, unreadable, a
directory, a FIFO), opens a real CassetteSession on it and, for the rows that start, replays or
records one exchange through a real proxy; a sample of rows also runs the real `vcrproxy` CLI,
in parallel, to show a one-line error at once (no traceback, no hang on the FIFO).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

from vcrproxy import Cassette, Interaction, Request, Response, load_cassette, save_cassette
from vcrproxy.cassette import CassetteError
from vcrproxy.matching import MatchConfig
from vcrproxy.modes import MODES, FileState, probe
from vcrproxy.session import CassetteSession

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402

STATES = ("missing", "empty", "valid", "cut", "unreadable", "directory", "fifo")
VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
ROOT = os.geteuid() == 0


def _recorded(url: str) -> Cassette:
    body = '{"ok": true}'
    return Cassette(interactions=[Interaction(
        id=0,
        request=Request(url=url, method="GET", body="", headers={}, content_length=0),
        response=Response(code=200, status="200 OK", body=body,
                          headers={"Content-Type": ["application/json"]},
                          content_length=len(body), duration_ns=0),
    )])


def make_state(path: str, state: str, url: str) -> None:
    if state == "missing":
        return
    if state == "empty":
        open(path, "w").close()
    elif state == "cut":  # a second interaction whose append was cut off mid-write
        cassette = _recorded(url)
        save_cassette(cassette, path)
        size = os.path.getsize(path)
        second = _recorded(url.replace("json", "other")).interactions[0]
        second.id = 1
        cassette.interactions.append(second)
        save_cassette(cassette, path)
        with open(path, "r+b") as f:
            f.truncate(size + (os.path.getsize(path) - size) // 2)
    elif state in ("valid", "unreadable"):
        save_cassette(_recorded(url), path)
        if state == "unreadable":
            os.chmod(path, 0)
    elif state == "directory":
        os.mkdir(path)
    elif state == "fifo":
        os.mkfifo(path)


# (mode, state) -> what happens: "error: <needle>", or the session's mode and what the proxied
# request gets ("replayed" from the cassette, "recorded" upstream, "passthrough").
ERRORS = {"unreadable": "cannot read it", "directory": "is a folder",
          "fifo": "is not a regular file"}
EXPECTED: dict[tuple[str, str], str] = {}
for _state in STATES:
    for _mode in MODES:
        if _mode == "passthrough":
            EXPECTED[(_mode, _state)] = "passthrough"
        elif _state in ERRORS:
            EXPECTED[(_mode, _state)] = "error: " + ERRORS[_state]
        elif _mode == "replay" and _state == "missing":
            EXPECTED[(_mode, _state)] = "error: cassette not found"
        elif _mode == "replay" and _state == "empty":
            EXPECTED[(_mode, _state)] = "error: is empty"
        elif _mode == "record" or _state in ("missing", "empty"):
            EXPECTED[(_mode, _state)] = ("new-episodes" if _mode == "new-episodes"
                                         else "record") + " recorded"
        elif _mode == "once":
            EXPECTED[(_mode, _state)] = "replay replayed"
        else:  # replay / new-episodes on a valid or cut-off file
            EXPECTED[(_mode, _state)] = f"{_mode} replayed"


def _without_dac_override() -> None:
    """preexec_fn: drop CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2) from the bounding set
    (prctl PR_CAPBSET_DROP = 24), so the exec'd root process obeys file modes."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _unreadable_as_root(path: str, mode: str) -> str:
    """Root reads any file: open the session without the override to get a real EACCES."""
    code = (
        "import sys\nfrom vcrproxy.session import CassetteSession\n"
        "from vcrproxy.matching import MatchConfig\nfrom vcrproxy.cassette import CassetteError\n"
        "try:\n    CassetteSession(sys.argv[1], sys.argv[2], MatchConfig(), None)\n"
        "except CassetteError as e:\n    print('error:', e)\nelse:\n    print('started')\n"
    )
    got = subprocess.run([sys.executable, "-c", code, path, mode], capture_output=True,
                         text=True, timeout=60, preexec_fn=_without_dac_override)
    assert got.returncode == 0, got.stderr
    return got.stdout.strip()


@pytest.mark.parametrize("state", STATES)
def test_mode_x_file_state_table(state, tmp_path, run_proxy, ca_cert, gateway):
    url = f"{gateway.url}/json?size=5"
    for mode in MODES:
        expected = EXPECTED[(mode, state)]
        path = str(tmp_path / f"{mode}.yaml")
        make_state(path, state, url)
        if state == "unreadable" and ROOT and mode != "passthrough":
            got = _unreadable_as_root(path, mode)
            assert got.startswith("error:") and ERRORS["unreadable"] in got, (mode, got)
            continue
        try:
            sess = CassetteSession(path, mode, MatchConfig(), None)
        except CassetteError as e:
            assert expected.startswith("error: "), (mode, state, str(e))
            assert expected[len("error: "):] in str(e) and "\n" not in str(e)
            continue
        assert not expected.startswith("error"), (mode, state, expected)
        assert sess.mode == expected.split()[0], (mode, state)
        if mode == "passthrough":
            continue
        # The session's behaviour, through a real proxy and the real upstream.
        proxy = run_proxy(path, mode)
        seen = []
        proxy.vcr.listeners.append(seen.append)
        n = len(gateway.requests)
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(url)
        proxy.stop()
        assert [x.kind for x in seen] == [expected.split()[1]], (mode, state)
        went_up = len(gateway.requests) - n
        assert went_up == (1 if expected.endswith("recorded") else 0), (mode, state)
        assert r.status_code == 200
        if expected.endswith("recorded"):
            kept = load_cassette(path).interactions
            old = 1 if mode == "new-episodes" and state in ("valid", "cut") else 0
            assert len(kept) == old + 1, (mode, state)  # cut-off tail dropped, file repaired


def test_probe_names_each_state(tmp_path):
    url = "https://api.example.invalid/x"
    got = {}
    for state in STATES:
        path = str(tmp_path / f"{state}.yaml")
        make_state(path, state, url)
        got[state] = probe(path)
    assert got == {
        "missing": FileState.MISSING, "empty": FileState.EMPTY, "valid": FileState.FILE,
        "cut": FileState.FILE,
        "unreadable": FileState.FILE if ROOT else FileState.UNREADABLE,
        "directory": FileState.DIRECTORY, "fifo": FileState.SPECIAL,
    }
    assert probe(str(tmp_path / "valid.yaml" / "x.yaml")) is FileState.BAD_PARENT


def test_the_write_check_of_a_fifo_put_there_after_the_probe_does_not_hang(tmp_path):
    """Recording modes check they can append to an existing cassette by opening it; a FIFO
    that replaced the file after `probe` saw a regular one blocked that open until some
    process read the FIFO (the session never started). Now a reason, at once."""
    from conftest import call_beside_fifo

    from vcrproxy.modes import _cannot_write

    path = str(tmp_path / "c.yaml")
    os.mkfifo(path)
    assert call_beside_fifo(lambda: _cannot_write(path), path) == ("not a regular file", None)


def test_cli_rows_fail_at_once_in_one_line_or_start(tmp_path, confdir):
    """The real CLI, all rows in parallel: errors are one line, the FIFO does not hang, and
    `run --mode new-episodes` on a new file records (it was a FileNotFoundError traceback)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    rows = {}
    for mode, state in [("new-episodes", "missing"), ("replay", "empty"), ("once", "directory"),
                        ("replay", "fifo"), ("record", "fifo")]:
        path = str(tmp_path / f"{state}-{mode}.yaml")
        make_state(path, state, "https://api.example.invalid/x")
        rows[(mode, state)] = path
    procs = {
        key: subprocess.Popen([VCRPROXY, "run", "--mode", key[0], path, "-q", "--", "true"],
                              env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for key, path in rows.items()
    }
    results = {key: p.communicate(timeout=120) for key, p in procs.items()}
    for (mode, state), (_, stderr) in results.items():
        expected = EXPECTED[(mode, state)]
        code = procs[(mode, state)].returncode
        if expected.startswith("error: "):
            assert code == 1 and len(stderr.splitlines()) == 1, (mode, state, stderr)
            assert expected[len("error: "):] in stderr, (mode, state, stderr)
        else:
            assert "Traceback" not in stderr, (mode, state, stderr)
