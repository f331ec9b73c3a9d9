"""Tester: a replay session (`vcrproxy replay`, `VCRPROXY_MODE=replay vcrproxy run` in CI) is
offline by the README ("replay: replay only, never opens an upstream connection"), but any
client can lift that by naming a cassette and an upstream mode in its proxy URL
(`http://NAME:passthrough@...`, `http://NAME:record@...`): the registry opens that session in
the client's mode, and the gate lets it go upstream. Real proxy, fake gateway, httpx.
"""

from __future__ import annotations

import ssl

import httpx
import pytest
from conftest import proxied_client


@pytest.mark.parametrize("mode", ["passthrough", "record", "new-episodes"])
def test_a_replay_session_lets_no_client_go_upstream(run_proxy, gateway, ca_cert, tmp_path,
                                                     mode):
    cassette = tmp_path / "c.yaml"
    recorder = run_proxy(cassette, "record")
    with proxied_client(recorder, ca_cert) as client:
        assert client.get(f"{gateway.url}/json").status_code == 200
    recorder.stop()

    replay = run_proxy(cassette, "replay")
    before = len(gateway.requests)
    url = replay.url.replace("http://", f"http://other:{mode}@", 1)
    with httpx.Client(proxy=url, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=10) as client:
        r = client.get(f"{gateway.url}/json?escape=1")
    assert len(gateway.requests) == before, (
        f"the replay session forwarded a request upstream for a client asking {mode!r}")
    assert r.status_code != 200 or r.headers.get("x-vcrproxy-miss")
    assert not (tmp_path / "other.yaml").exists()
