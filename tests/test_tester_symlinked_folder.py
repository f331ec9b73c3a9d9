"""Tester: one cassette file reached by two paths (a symlinked folder) must be one session:
the registry keys sessions by the file's real path. Real proxy, fake gateway, httpx.
"""

from __future__ import annotations

import ssl

import httpx
from conftest import proxied_client


def test_one_file_reached_through_a_symlinked_folder_gets_one_mode(run_proxy, gateway, ca_cert,
                                                                   tmp_path):
    """README: "Two clients asking for one cassette in different modes get an error". The
    default session is keyed by abspath, a named one by realpath: when the cassette folder is
    reached through a symlink (macOS's /tmp and /var are, so are many checkouts), the same file
    opens twice. A client naming it `chat:record` while the proxy replays it is recorded
    upstream, and the record session replaces the file being replayed (its interaction lost).
    """
    from vcrproxy import load_cassette

    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    cassette = tmp_path / "link" / "chat.yaml"
    recorder = run_proxy(cassette, "record")
    with proxied_client(recorder, ca_cert) as client:
        assert client.get(f"{gateway.url}/json?first=1").status_code == 200
    recorder.stop()

    replay = run_proxy(cassette, "replay")
    with proxied_client(replay, ca_cert) as client:
        assert client.get(f"{gateway.url}/json?first=1").status_code == 200  # opens the session
    before = len(gateway.requests)
    url = replay.url.replace("http://", "http://chat:record@", 1)
    with httpx.Client(proxy=url, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=10) as client:
        r = client.get(f"{gateway.url}/json?second=1")
    replay.stop()
    urls = [i.request.url.rsplit("?", 1)[1] for i in load_cassette(real / "chat.yaml").interactions]
    assert urls == ["first=1"], f"the replayed cassette was re-recorded: {urls}"
    assert len(gateway.requests) == before and r.status_code == 400, r.text[:200]
