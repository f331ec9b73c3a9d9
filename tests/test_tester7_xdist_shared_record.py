"""Tester: under pytest-xdist, two tests of one `--vcrproxy-mode=record` run that share a
cassette by marker (`@pytest.mark.vcrproxy(cassette="shared/chat.yaml")`) lose the first
test's recording when its worker has finished before the other worker's test records: each
worker has its own proxy, so its own record run (store.RecordRun, "a run is a proxy's life"),
and a run whose proxy has stopped (its lease file removed at the worker's session end) no
longer counts as a member of the file's run (store.started_afresh: `_alive`), so the second
worker's first exchange starts the file afresh and replaces what the first worker recorded.
xdist shuts a worker down as soon as it has no test left (here at once: two tests, two
workers), so this is the common case for a slow test.
The run is green; the next replay run fails the first test with a miss.

README, Modes: record "recorded afresh (... recorders of the same run, another `vcrproxy
record` still running on it or the tests of one pytest run, add to it)"; Cassettes: "two
recorders on one file (pytest-xdist workers, two terminals) keep each other's interactions".

Expected: after the record run the cassette holds both tests' exchanges."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from fakegateway import FakeGateway

from vcrproxy import load_cassette

pytest.importorskip("xdist")

CONFTEST = textwrap.dedent('''
    import os


    def pytest_sessionfinish(session):
        # (after every test's teardown: this worker's proxy, a session fixture, is stopped)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        open(os.path.join(os.path.dirname(__file__), f"done-{worker}"), "w").close()
''')

SUITE = textwrap.dedent('''
    import os
    import time

    import httpx
    import pytest

    URL = os.environ["SAMPLE_GATEWAY_URL"]
    HERE = os.path.dirname(__file__)


    @pytest.mark.vcrproxy(cassette="shared/chat.yaml")
    def test_a(vcrproxy):
        with httpx.Client(timeout=20) as client:
            assert client.get(URL + "/echo?who=a").status_code == 200
        with open(os.path.join(HERE, "a.tmp"), "w") as f:
            f.write(os.environ["PYTEST_XDIST_WORKER"])
        os.replace(os.path.join(HERE, "a.tmp"), os.path.join(HERE, "a.worker"))


    @pytest.mark.vcrproxy(cassette="shared/chat.yaml")
    def test_b(vcrproxy):
        # Wait (bounded) until test_a, on the other worker, has recorded and that worker's
        # session has finished (its proxy stopped): xdist gave it no other test.
        deadline = time.monotonic() + 60
        while not os.path.exists(os.path.join(HERE, "a.worker")):
            assert time.monotonic() < deadline, "test_a never ran"
            time.sleep(0.05)
        worker = open(os.path.join(HERE, "a.worker")).read()
        assert worker != os.environ["PYTEST_XDIST_WORKER"], "both tests ran on one worker"
        while not os.path.exists(os.path.join(HERE, f"done-{worker}")):
            assert time.monotonic() < deadline, "test_a's worker did not finish"
            time.sleep(0.05)
        with httpx.Client(timeout=20) as client:
            assert client.get(URL + "/echo?who=b").status_code == 200
''')


def test_tester7_xdist_workers_sharing_a_cassette_keep_each_others_recordings(tmp_path,
                                                                              confdir):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_shared.py").write_text(SUITE)
    (suite / "conftest.py").write_text(CONFTEST)
    environ = {k: v for k, v in os.environ.items()
               if not k.upper().endswith("_PROXY") and not k.startswith(("VCRPROXY_",
                                                                         "PYTEST_XDIST"))}
    with FakeGateway() as gw:
        environ.update(SAMPLE_GATEWAY_URL=gw.url, VCRPROXY_CONFDIR=confdir,
                       PYTHONDONTWRITEBYTECODE="1")
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
             "-n", "2", "--rootdir", str(suite), str(suite), "--vcrproxy-mode", "record",
             "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}"],
            env=environ, capture_output=True, text=True, timeout=240, cwd=suite,
        )
        assert run.returncode == 0, run.stdout[-3000:]
        assert len(gw.requests) == 2
    urls = [i.request.url for i in
            load_cassette(str(suite / "cassettes" / "shared" / "chat.yaml")).interactions]
    assert sorted(u.rsplit("?", 1)[1] for u in urls) == ["who=a", "who=b"], urls
