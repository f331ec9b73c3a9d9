"""Faults that cannot fire are errors, not tests that cannot fail (the kind of tester defect
68e1b42, `--fault status:429@#99` on a cassette without #99).

Every selector form (faults.py: N, #ID, *, p=P) and where it is known: at start for the CLI's
cassette (`faults.cannot_fire`: one line, non-zero exit, the command never runs), at a client's
first request for the faults in its proxy URL (an error answer naming the fault), and at the end
for what only the run can tell (a fault at N or #ID whose request never came: said in the summary,
exit 3; a p=P fault never drawn: a note). Real CLI, real curl, a real in-process mitmproxy with
httpx, the pytest plugin in a real pytest run.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys

import httpx
import pytest
from conftest import WEBSOCKET_CASSETTE
from test_cli_sessions import base_env, vcr  # noqa: F401  (fixtures)

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.childenv import proxy_url

URL = "https://api.example.invalid/v1/models"
BODY = '{"object":"list","data":[]}'
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

def two_models(path) -> str:
    """A cassette of interactions 0 and 1, both answering GET URL."""
    save_cassette(Cassette(interactions=[Interaction(
        id=i,
        request=Request(url=URL, method="GET", body="", headers={}, content_length=0),
        response=Response(code=200, status="200 OK", body=BODY,
                          headers={"Content-Type": ["application/json"]},
                          content_length=len(BODY), duration_ns=0),
    ) for i in (0, 1)]), str(path))
    return str(path)


@pytest.mark.parametrize(("mode", "args", "says"), [
    ("replay", ["--fault", "status:429@5"],
     "answers at most 3 request(s) (2 interaction(s), each once, plus 1 retried"),
    ("replay", ["--fault", "status:429@1", "--fault", "reset@1"],
     "fault reset@1 cannot fire: the failing fault status:429@1 before it takes request 1"),
    ("replay", ["--fault", "status:500", "--fault", "cut:2@1"],
     "fault cut:2@1 cannot fire: the failing fault status:500 before it takes every request"),
    ("replay", ["--fault", "delay:5@#1", "--fault", "delay:5@#1"],
     "fault delay:5@#1 cannot fire: it is listed twice"),
    ("replay", ["--set", "vcr_fault=stall:5@#7"], "holds no interaction #7 (its ids: 0, 1)"),
    ("record", ["--fault", "reset"], "is recorded in this run, and faults answer replayed"),
    ("passthrough", ["--fault", "delay:5"], "is used in mode passthrough, which replays nothing"),
], ids=["N-beyond-the-cassette", "second-failure-at-N", "after-a-failing-star", "listed-twice",
        "set-vcr_fault", "record", "passthrough"])
def test_a_fault_that_cannot_fire_is_one_line_at_start(vcr, tmp_path, mode, args, says):  # noqa: F811
    path = two_models(tmp_path / "c.yaml")
    before = open(path).read()
    command = ["run", path, "--mode", mode] if mode != "replay" else ["replay", path]
    got = vcr(*command, *args, "--", "sh", "-c", "echo ran")
    lines = got.stderr.strip().splitlines()
    assert got.returncode == 1 and got.stdout == "", got.stdout + got.stderr
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in got.stderr, got.stderr
    assert open(path).read() == before


def test_once_recording_a_missing_cassette_refuses_a_fault(vcr, tmp_path):  # noqa: F811
    path = tmp_path / "new.yaml"
    got = vcr("run", path, "--fault", "status:429@1", "--", "sh", "-c", "echo ran")
    assert got.returncode == 1 and got.stdout == "", got.stderr
    assert "is recorded in this run" in got.stderr and not path.exists()


def test_a_fault_on_a_websocket_session_or_a_cassette_of_them_cannot_fire(vcr, tmp_path):  # noqa: F811
    path = tmp_path / "ws.yaml"
    path.write_text(WEBSOCKET_CASSETTE)
    got = vcr("replay", path, "--fault", "reset@#0", "--", "true")
    assert got.returncode == 1 and "interaction #0 is a WebSocket session (101)" in got.stderr
    got = vcr("replay", path, "--fault", "status:503@p=0.5", "--", "true")
    assert got.returncode == 1 and "holds no HTTP answer to replay (only WebSocket" in got.stderr


def test_allow_repeats_lifts_the_bound_on_n(vcr, tmp_path):  # noqa: F811
    """The control for N-beyond-the-cassette: with repeats a 4th request exists."""
    path = two_models(tmp_path / "c.yaml")
    script = f"for i in 1 2 3 4; do curl -s -o /dev/null -w '%{{http_code}} ' {URL}; done"
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    got = vcr("replay", path, "--allow-repeats", "--fault", "status:429@4", "--", "sh", "-c",
              script)
    assert got.returncode == 0 and got.stdout.split() == ["200", "200", "200", "429"], got.stderr


@needs_curl
@pytest.mark.parametrize(("fault", "code", "says"), [
    ("status:429@#1", 3, "error: fault status:429@#1 never fired: interaction #1 answered no "
                         "request"),
    ("reset@3", 3, "error: fault reset@3 never fired: 1 request(s) answered, fewer than 3"),
    # (the draw is seeded with the cassette's path, a new tmp path each run: p=0.001 fired in
    # about one run in a thousand; at 1e-9 it never does in practice)
    ("status:429@p=0.000000001", 0, "note: fault status:429@p=0.000000001 never fired: not drawn "
                                    "for any of 1 request(s) (seed 0)"),
])
def test_a_fault_whose_request_never_came_is_in_the_summary(vcr, tmp_path, fault, code, says):  # noqa: F811
    """Only the run knows whether a test made request 3 or the one #1 answers: the summary says
    the fault never fired and the exit is 3 (a p=P fault not drawn is a note: a seed may)."""
    path = two_models(tmp_path / "c.yaml")
    got = vcr("replay", path, "--fault", fault, "--", "curl", "-sS", "-m", "10", URL)
    assert got.stdout == BODY, got.stderr  # the one request, answered from the recording
    assert got.returncode == code and says in got.stderr, got.stderr


def test_faults_in_a_proxy_url_that_cannot_fire_answer_an_error(run_proxy, ca_cert, tmp_path):
    """The pytest plugin's path: a client names its cassette and faults in its proxy URL."""
    two_models(tmp_path / "c.yaml")
    proxy = run_proxy(str(tmp_path / "unnamed.yaml"), "passthrough", cassette_dir=str(tmp_path))
    verify = ssl.create_default_context(cafile=ca_cert)

    def get(mode: str, faults: list[str], n: int = 1) -> list[httpx.Response]:
        url = proxy_url("127.0.0.1", proxy.proxy.port, "c", mode, faults)
        with httpx.Client(proxy=url, verify=verify, timeout=20) as c:
            return [c.get(URL) for _ in range(n)]

    bad = get("replay", ["status:429@#99"])[0]
    assert bad.status_code == 400 and "status:429@#99 cannot fire" in bad.text, bad.text
    assert "holds no interaction #99" in bad.text
    path = str(tmp_path / "c.yaml")
    texts = proxy.call(proxy.vcr.release, path)
    assert any("#99 cannot fire" in t for t in texts), texts  # the test fails on it

    fine = get("replay", ["status:503@2"], n=1)[0]  # request 2 never comes
    assert fine.status_code == 200 and fine.text == BODY
    texts = proxy.call(proxy.vcr.release, path)
    assert texts == ["fault status:503@2 never fired: 1 request(s) answered, fewer than 2"]

    other = tmp_path / "new.yaml"
    rec = proxy_url("127.0.0.1", proxy.proxy.port, "new", "record", ["reset"])
    with httpx.Client(proxy=rec, verify=verify, timeout=20) as c:
        got = c.get(URL)
    assert got.status_code == 400 and "fault reset cannot fire" in got.text
    assert not other.exists()  # not recorded either
    assert proxy.vcr.missed >= 2  # the CLI's exit code counts them


def test_the_pytest_plugin_fails_a_test_whose_fault_cannot_or_did_not_fire(tmp_path, confdir):
    suite = tmp_path / "suite"
    (suite / "cassettes" / "test_marked").mkdir(parents=True)
    for name in ("test_no_such_id", "test_second_request_never_made"):
        two_models(suite / "cassettes" / "test_marked" / f"{name}.yaml")
    (suite / "test_marked.py").write_text(f"""
import httpx, pytest

@pytest.mark.vcrproxy(mode="replay", fault="status:429@#42")
def test_no_such_id(vcrproxy):
    with httpx.Client(proxy=vcrproxy.url, verify=vcrproxy.ca_bundle) as c:
        c.get({URL!r})  # (the answer is not checked: the plugin fails the test all the same)

@pytest.mark.vcrproxy(mode="replay", fault="status:429@2")
def test_second_request_never_made(vcrproxy):
    with httpx.Client(proxy=vcrproxy.url, verify=vcrproxy.ca_bundle) as c:
        assert c.get({URL!r}).status_code == 200
""")
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(suite),
         str(suite)],
        env={**environ, "VCRPROXY_CONFDIR": confdir, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True, text=True, timeout=120, cwd=suite,
    )
    text = out.stdout + out.stderr
    assert out.returncode == 1 and ("2 failed" in text or "2 errors" in text), text
    assert "fault status:429@#42 cannot fire" in text, text
    assert "fault status:429@2 never fired" in text, text


def test_a_which_past_int64_is_refused_naming_the_real_bound():
    """N and #ID are Go int64-sized: 2**63 itself was accepted and the message named it as the
    bound (2**63 - 1 is the largest)."""
    from vcrproxy.faults import FaultError, parse_fault

    assert parse_fault(f"reset@{2**63 - 1}").nth == 2**63 - 1
    for spec in (f"reset@{2**63}", f"reset@#{2**63}"):
        with pytest.raises(FaultError, match="9223372036854775807"):
            parse_fault(spec)
