"""The pytest plugin end to end: a sample suite records, replays offline under xdist, and fails
with the miss explanation when a request changes; concurrent clients use separate cassettes."""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import subprocess
import sys

import httpx
import pytest
from fakegateway import FakeGateway

from vcrproxy import load_cassette
from vcrproxy.childenv import proxy_url

SAMPLE = os.path.join(os.path.dirname(__file__), "sample_suite")


def run_suite(suite: str, confdir: str, gateway_url: str, *args: str, **env: str):
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    environ.update(
        SAMPLE_GATEWAY_URL=gateway_url, VCRPROXY_CONFDIR=confdir, PYTHONDONTWRITEBYTECODE="1", **env
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", suite,
         suite, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=suite,
    )


def test_sample_suite_records_replays_offline_and_explains_misses(tmp_path, confdir):
    suite = str(tmp_path / "suite")
    shutil.copytree(SAMPLE, suite)
    with open(os.path.join(suite, "pytest.ini"), "w") as f:
        f.write("[pytest]\nvcrproxy_dir = recorded\n")
    with FakeGateway() as gw:
        url = gw.url
        first = run_suite(suite, confdir, url, "--vcrproxy-mode", "once",
                          "--vcrproxy-set", f"ssl_verify_upstream_trusted_ca={gw.ca_path}")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "5 passed" in first.stdout
        seen = len(gw.requests)
    assert seen == 5  # every test really went upstream once while recording
    root = os.path.join(suite, "recorded", "test_sample_chat")
    assert sorted(os.listdir(root)) == [
        "test_chat.yaml",
        "test_parametrized-one.yaml",
        "test_parametrized-two.yaml",
        "test_stream.yaml",
        "test_subprocess_curl.yaml",
    ]
    chat = load_cassette(os.path.join(root, "test_chat.yaml"))
    assert len(chat.interactions) == 1
    assert "hello there" in chat.interactions[0].request.body
    assert "sk-test-" not in open(os.path.join(root, "test_chat.yaml")).read()

    # The gateway is gone: replay, two workers, nothing upstream.
    offline = run_suite(suite, confdir, url, "--vcrproxy-mode", "replay", "-n", "2")
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert "5 passed" in offline.stdout

    changed = run_suite(suite, confdir, url, "--vcrproxy-mode", "replay", "-k", "test_chat",
                        SAMPLE_PROMPT="goodbye")
    assert changed.returncode == 1, changed.stdout + changed.stderr
    out = changed.stdout
    assert "no recorded interaction matches" in out
    assert "goodbye" in out and "hello there" in out  # live vs recorded value of the message
    assert "$.messages[0].content" in out or "messages[0].content" in out


def test_concurrent_clients_name_their_own_cassettes(tmp_path, run_proxy, gateway, ca_cert):
    proxy = run_proxy(tmp_path / "default.yaml", "record")

    def talk(name: str) -> int:
        url = proxy_url(proxy.proxy.host, proxy.proxy.port, name)
        with httpx.Client(proxy=url, verify=ca_cert, timeout=20) as client:
            for i in range(3):
                r = client.post(gateway.url + "/echo", json={"client": name, "i": i})
                assert r.status_code == 200
        return 3

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        assert list(pool.map(talk, ["alpha", "team/beta"])) == [3, 3]
    for path in (tmp_path / "alpha.yaml", tmp_path / "team" / "beta.yaml"):
        proxy.call(proxy.vcr.release, str(path))
    alpha = load_cassette(str(tmp_path / "alpha.yaml"))
    beta = load_cassette(str(tmp_path / "team" / "beta.yaml"))
    assert [i.id for i in alpha.interactions] == [0, 1, 2]
    assert all('"client":"alpha"' in i.request.body.replace(" ", "") for i in alpha.interactions)
    assert all('"client":"team/beta"' in i.request.body.replace(" ", "")
               for i in beta.interactions)
    assert not os.path.exists(tmp_path / "default.yaml")


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/../../b", "..", "a\\b"])
def test_cassette_names_cannot_escape_the_root(tmp_path, run_proxy, gateway, ca_cert, name):
    proxy = run_proxy(tmp_path / "default.yaml", "record")
    url = proxy_url(proxy.proxy.host, proxy.proxy.port, name)
    with httpx.Client(proxy=url, verify=ca_cert, timeout=20) as client:
        r = client.get(gateway.url + "/json")
    assert r.status_code == 400
    assert "must" in r.json()["error"]["message"] and "under" in r.json()["error"]["message"]
    assert sorted(os.listdir(tmp_path)) == []


REPLAY_ONLY_SUITE = '''
import os

import httpx
import pytest

GW = os.environ["SAMPLE_GATEWAY_URL"]


def get(proxy, vcrproxy):
    with httpx.Client(proxy=proxy, verify=vcrproxy.ca_bundle, timeout=10) as client:
        return client.get(GW + "/json")


def test_a_client_dropping_the_url_credentials(vcrproxy):
    r = get("http://" + vcrproxy.url.split("@", 1)[1], vcrproxy)
    assert r.status_code == 400 and r.headers.get("x-vcrproxy-miss"), r.text


@pytest.mark.vcrproxy(mode="passthrough")
def test_a_marker_asking_for_passthrough(vcrproxy):
    r = get(vcrproxy.url, vcrproxy)
    assert r.status_code == 400 and "started for replay" in r.text, r.text
'''


def test_a_replay_run_opens_no_upstream_connection(tmp_path, confdir):
    """`pytest --vcrproxy-mode=replay` starts its shared proxy for replay: a client that drops
    the proxy URL's credentials (its requests name no cassette) and a marker asking for
    passthrough both get error answers; the gateway sees nothing."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_offline.py").write_text(REPLAY_ONLY_SUITE, encoding="utf-8")
    with FakeGateway() as gw:
        out = run_suite(str(suite), confdir, gw.url, "--vcrproxy-mode", "replay")
        assert gw.connections == 0
    assert "2 passed" in out.stdout, out.stdout + out.stderr
