"""`vcrproxy replay --background` and `vcrproxy stop`, like ssh-agent, with real processes: a real
shell evals the exports, a real client uses them, `stop` ends the detached session."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
URL = "https://api.example.invalid/v1/models"


def cassette(path) -> str:
    body = '{"data": []}'
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url=URL, method="GET", body="", headers={}, content_length=0),
        response=Response(code=200, status="200 OK", body=body,
                          headers={"Content-Type": ["application/json"]},
                          content_length=len(body), duration_ns=0),
    )]), str(path))
    return str(path)


def shell(script: str, confdir: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, VCRPROXY=VCRPROXY, PY=sys.executable)
    env.pop("VCRPROXY_PID", None)
    return subprocess.run(["bash", "-c", textwrap.dedent(script)], env=env, capture_output=True,
                          text=True, timeout=timeout)


CLIENT = (
    '"$PY" -c \'import httpx, sys; r = httpx.get(sys.argv[1], timeout=10); '
    'print(r.status_code, r.headers.get("x-vcrproxy-miss", "-"))\''
)


def test_background_replay_then_stop(confdir, tmp_path):
    path = cassette(tmp_path / "c.yaml")
    got = shell(f"""
        set -e
        eval "$("$VCRPROXY" replay --background {path})"
        echo "pid $VCRPROXY_PID"
        test -e "$VCRPROXY_CONFDIR/background/$VCRPROXY_PID.json"
        {CLIENT} {URL}
        {CLIENT} {URL}-not-recorded
        set +e
        "$VCRPROXY" stop > unset.sh
        echo "stop $?"
        . unset.sh
        echo "after ${{HTTPS_PROXY:-unset}} ${{VCRPROXY_PID:-unset}}"
        ls "$VCRPROXY_CONFDIR/background"
    """.replace("unset.sh", str(tmp_path / "unset.sh")), confdir)
    lines = got.stdout.splitlines()
    pid = int(lines[0].split()[1])
    assert lines[1:5] == ["200 -", "400 1", "stop 3", "after unset unset"], got.stdout + got.stderr
    assert f"{pid}.json" not in got.stdout  # its state file is gone
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
    # The session's own lines reached the user through `stop` (stderr), not the eval.
    assert "in the background (pid" in got.stderr and 'eval "$(vcrproxy stop)"' in got.stderr
    assert "replayed 1, recorded 0, missed 1" in got.stderr
    assert "export " not in got.stderr


def test_background_errors_are_one_line_at_once(confdir, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    env.pop("VCRPROXY_PID", None)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    cases = {  # run in parallel: each is a CLI start
        # The child fails after the fork: its one line comes back, and it leaves no log behind.
        "port": (["replay", "--background", cassette(tmp_path / "p.yaml"), "--port", port], {},
                 f"failed to listen on 127.0.0.1:{port} with [Errno 98]"),
        "missing": (["replay", "--background", tmp_path / "missing.yaml"], {},
                    "cassette not found"),
        "command": (["replay", "--background", cassette(tmp_path / "c.yaml"), "--", "true"], {},
                    "--background runs a standalone session"),
        "none": (["stop", "--confdir", tmp_path / "empty"], {},
                 "no background vcrproxy is running"),
        "stale": (["stop"], {"VCRPROXY_PID": "999999"}, "no background vcrproxy with pid 999999"),
    }
    procs = {
        name: subprocess.Popen([VCRPROXY, *map(str, args)], env={**env, **extra}, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name, (args, extra, _) in cases.items()
    }
    try:
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            # stdout is for eval: it ends with a failing status (and stop still unsets)
            assert proc.returncode == 1 and out.endswith("(exit 1)\n"), (name, out, err)
            assert ("unset VCRPROXY_PID\n" in out) == (name in ("none", "stale")), (name, out)
            assert "export " not in out, (name, out)
            assert len(err.splitlines()) == 1 and cases[name][2] in err, (name, err)
            assert err.count("[Errno") <= 1, err  # mitmproxy's wrapped OSError: said once
    finally:
        taken.close()
    assert os.listdir(os.path.join(confdir, "background")) == []


def test_stop_signals_no_process_that_only_has_a_stale_sessions_pid(confdir, tmp_path):
    """A state file whose session died unrecorded (SIGKILL) and whose pid another process of the
    user now has (its start time differs): named, `stop` removes it, shows its log, says so in
    one line, unsets and fails; unnamed next to a running session, it is removed with a note
    and the running one is stopped. The other process is never signalled."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    for name in os.listdir(confdir):  # the session's CA: none generated here
        if name.startswith("mitmproxy-ca"):
            os.link(os.path.join(confdir, name), home / name)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.pop("VCRPROXY_PID", None)
    env["VCRPROXY_CONFDIR"] = str(home)
    started = subprocess.run([VCRPROXY, "replay", "--background", cassette(tmp_path / "c.yaml")],
                             env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    folder = home / "background"
    (live,) = [json.loads(p.read_text()) for p in folder.glob("*.json")]
    assert live["started"]  # its identity, recorded when it listened
    sleeper = subprocess.Popen(["sleep", "30"])

    def stale() -> None:  # as the dead session left it, its pid since given to the sleeper
        log = folder / f"{sleeper.pid}.log"
        log.write_text("vcrproxy: what the dead session logged\n")
        (folder / f"{sleeper.pid}.json").write_text(
            json.dumps({**live, "pid": sleeper.pid, "log": str(log)}))

    try:
        stale()
        named = subprocess.run([VCRPROXY, "stop", "--pid", str(sleeper.pid)], env=env,
                               capture_output=True, text=True, timeout=30)
        assert named.returncode == 1, named
        assert named.stderr.splitlines() == [
            "vcrproxy: what the dead session logged",
            f"Error: background vcrproxy pid {sleeper.pid} is gone: it ended without recording "
            "an exit code (killed?); its state is removed"]
        assert "unset HTTPS_PROXY" in named.stdout and named.stdout.endswith("(exit 1)\n")
        assert sorted(os.listdir(folder)) == [f"{live['pid']}.json", f"{live['pid']}.log"]
        stale()
        only = subprocess.run([VCRPROXY, "stop"], env=env, capture_output=True, text=True,
                              timeout=30)
        assert only.returncode == 0, only.stderr
        assert f"pid {sleeper.pid} is gone" in only.stderr.splitlines()[0]
        assert "replayed 0, recorded 0, missed 0" in only.stderr
        assert os.listdir(folder) == []
        time.sleep(0.2)
        assert sleeper.poll() is None, "stop signalled the process that has a stale pid"
    finally:
        sleeper.kill()
        sleeper.wait(5)


def test_every_evaluated_command_fails_a_set_e_script_when_it_fails(confdir, tmp_path):
    """eval's status is that of the last command it ran: each command whose output is for eval
    ends it with `(exit N)` when it fails, usage errors included, so the script stops there."""
    missing = tmp_path / "missing.yaml"
    cases = {  # name -> (the eval'd command line, its exit code)
        "start": (f'"$VCRPROXY" replay --background {missing}', 1),
        "start by env": (f'VCRPROXY_BACKGROUND=1 "$VCRPROXY" run --mode replay {missing}', 1),
        "start usage": ('"$VCRPROXY" replay --background', 2),
        "stop usage": ('"$VCRPROXY" stop --pid x', 2),
        "stop none": (f'"$VCRPROXY" stop --confdir {tmp_path / "empty"}', 1),
        "env": ('"$VCRPROXY" env --port 0', 1),
    }
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, VCRPROXY=VCRPROXY)
    env.pop("VCRPROXY_PID", None)
    procs = {
        name: subprocess.Popen(["bash", "-c", f'set -e\neval "$({line})"\necho went on'],
                               env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name, (line, _) in cases.items()
    }
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == cases[name][1] and "went on" not in out, (name, out, err)
        assert "Traceback" not in err, err
    assert not missing.exists()


def test_background_start_prefixes_every_line_and_parses_once(confdir, tmp_path):
    """A cut-off cassette's note is a line of ours like the rest (it came bare from the parent's
    check), and the detached session serves that parse: its log does not note it again."""
    path = cassette(tmp_path / "c.yaml")
    text = open(path).read()
    with open(path, "w") as f:
        f.write(text + "- id: 1\n  request:\n    proto: HTTP/1.1\n")  # cut off mid-write
    got = shell(f"""
        eval "$("$VCRPROXY" replay --background {path})" || exit 9
        "$VCRPROXY" stop > /dev/null
    """, confdir)
    assert got.returncode == 0, got.stderr
    lines = got.stderr.splitlines()
    assert lines and all(line.startswith("vcrproxy: ") for line in lines), got.stderr
    assert lines[0].startswith(f"vcrproxy: {path}: dropped incomplete interaction 1 at line ")
    assert sum("dropped incomplete" in line for line in lines) == 1, got.stderr
    assert not any(line.startswith("vcrproxy: vcrproxy:") for line in lines)


def test_standalone_foreground_says_to_use_background_when_piped(confdir, tmp_path):
    """`eval "$(vcrproxy replay x.yaml)"` blocks (that form runs until Ctrl-C): it says so."""
    proc = subprocess.Popen([VCRPROXY, "replay", cassette(tmp_path / "c.yaml")],
                            env=dict(os.environ, VCRPROXY_CONFDIR=confdir), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = ""
        while "Ctrl-C" not in line:
            line = proc.stderr.readline()
            assert line, "exited early"
        assert "add --background" in proc.stderr.readline()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "export HTTPS_PROXY=" in out
