"""Re-recording (record mode, or `once` over a file being replaced) a cassette written by plain
go-vcr (yaml.v3's 4-space layout, `    - id: 0`) rewrote it in charm's compact 2-space layout:
every line of the file changed, so the re-recording's `git diff` showed the whole file instead
of what the API answered differently. go-vcr writes its own layout whatever it replaces; the
file's layout is kept, as appends (new-episodes) already keep it.

Real proxy recording, the real TLS fake gateway, a real httpx client; the go-vcr oracle
(tests/go/vcrcheck) loads the result.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import proxied_client
from test_govcr_compat import vcrcheck  # noqa: F401  (fixture)

from vcrproxy import load_cassette, save_cassette


@pytest.mark.parametrize("layout", ["indented", "compact"])
def test_record_mode_keeps_the_layout_of_the_file_it_replaces(run_proxy, gateway, ca_cert,
                                                             tmp_path, vcrcheck,  # noqa: F811
                                                             layout):
    path = tmp_path / "c.yaml"
    proxy = run_proxy(str(path), "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(gateway.url + "/json?size=20").status_code == 200
    proxy.stop()
    old = load_cassette(str(path))
    old.layout = layout
    save_cassette(old, str(path))
    first_item = path.read_text(encoding="utf-8").splitlines()[3]
    assert first_item == ("    - id: 0" if layout == "indented" else "- id: 0")

    proxy = run_proxy(str(path), "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(gateway.url + "/json?size=21").status_code == 200
        assert client.get(gateway.url + "/json?size=22").status_code == 200
    proxy.stop()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[3] == first_item
    new = load_cassette(str(path))
    assert new.layout == layout
    assert [i.request.url for i in new.interactions] == [
        gateway.url + "/json?size=21", gateway.url + "/json?size=22"]
    go = subprocess.run([vcrcheck, "load", str(path)], capture_output=True, text=True,
                        timeout=60)
    assert go.returncode == 0 and json.loads(go.stdout)["count"] == 2, go.stderr
