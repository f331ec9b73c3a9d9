"""Tester: a cassette emptied (0 bytes: `: > c.yaml`, a script resetting cassettes while a
`--background` recorder runs) during a recording session is never written again: every later
append re-reads the changed file, fails on it ("could not write c.yaml: c.yaml: empty
cassette file"), the flow is reported as an error and nothing more is recorded; the file stays
empty. The README's mode table records into an empty (0 B) file in every recording mode, and a
writer "reads again first" a file changed behind it; a file deleted meanwhile is re-created.

Expected: the next exchange after the file was emptied is recorded into it (the file then
loads with that interaction), in record and new-episodes, for small and large (past 8 MB,
written while streaming) bodies alike."""

from __future__ import annotations

import pytest
from conftest import proxied_client

from vcrproxy.store import load_cassette


@pytest.mark.parametrize("mb", ["0.001", "9"])
@pytest.mark.parametrize("mode", ["record", "new-episodes"])
def test_a_cassette_emptied_mid_session_is_recorded_into(mode, mb, run_proxy, gateway, ca_cert,
                                                         tmp_path):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, mode)
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(f"{gateway.url}/big?mb={mb}&chunked=1&random=1").status_code == 200
        cassette.write_bytes(b"")  # emptied behind the proxy's back
        second = client.get(f"{gateway.url}/big?mb={mb}&chunked=1&random=2")
        assert second.status_code == 200
    proxy.stop()
    assert cassette.stat().st_size > 0, "nothing was recorded into the emptied cassette"
    urls = [i.request.url for i in load_cassette(str(cassette)).interactions]
    assert any(u.endswith("random=2") for u in urls), urls
