"""With `--allow-repeats`, identical requests while recording are answered by what this session
recorded, as go-vcr's recorder does with replayable interactions in its record modes
(recorder.go: "look for existing interaction first, so we avoid hitting multiple times the same
endpoint") and as vcrproxy's own new-episodes mode already did: `record` and `once` (on a new
cassette) sent every repeat upstream and recorded it again, so the option did nothing there and
the three modes left three different cassettes for one test run.

Real proxy, the real TLS fake gateway, a real httpx client; without the option every request is
still recorded.
"""

from __future__ import annotations

import pytest
from conftest import proxied_client

from vcrproxy import load_cassette


@pytest.mark.parametrize("mode", ["record", "once", "new-episodes"])
@pytest.mark.parametrize("repeats", [True, False], ids=["allow-repeats", "default"])
def test_identical_requests_while_recording(run_proxy, gateway, ca_cert, tmp_path, mode,
                                            repeats):
    path = tmp_path / "c.yaml"
    proxy = run_proxy(str(path), mode, allow_repeats=repeats)
    with proxied_client(proxy, ca_cert) as client:
        bodies = [client.get(gateway.url + "/json?size=20") for _ in range(3)]
        other = client.get(gateway.url + "/json?size=21")
    proxy.stop()
    assert [r.status_code for r in bodies] == [200] * 3 and other.status_code == 200
    assert len({r.content for r in bodies}) == 1
    urls = [i.request.url for i in load_cassette(str(path)).interactions]
    one, two = gateway.url + "/json?size=20", gateway.url + "/json?size=21"
    assert urls == ([one, two] if repeats else [one, one, one, two])
