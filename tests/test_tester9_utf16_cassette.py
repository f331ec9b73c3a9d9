"""A cassette saved as UTF-16 with a byte order mark (Windows PowerShell 5's `>` and `Out-File`
write that by default, e.g. `Get-Content old.yaml > new.yaml`) is loaded by go-vcr: yaml.v3, like
libyaml, reads UTF-16LE and UTF-16BE when the file starts with their BOM. vcrproxy refused it
("not UTF-8 text"): `check` failed and replay would not start on a file go-vcr plays.

Real parts: the cassette recorded through the real proxy from httpx and the real TLS fake
gateway, then re-encoded; the go-vcr oracle (tests/go/vcrcheck) for what go-vcr reads; the real
`vcrproxy check`; a new-episodes session through the real proxy that replays the recorded
request and records a new one (the file must stay one go-vcr loads, holding both).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import proxied_client
from test_govcr_compat import vcrcheck  # noqa: F401  (fixture)

from vcrproxy import load_cassette

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_cassette_loads_replays_and_takes_new_episodes(run_proxy, gateway, ca_cert,
                                                            tmp_path, vcrcheck,  # noqa: F811
                                                            codec):
    path = tmp_path / "c.yaml"
    proxy = run_proxy(str(path), "record")
    with proxied_client(proxy, ca_cert) as client:
        first = client.get(gateway.url + "/json?size=20")
        assert first.status_code == 200
    proxy.stop()
    text = path.read_text(encoding="utf-8")
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    path.write_bytes(bom + text.encode(codec))

    go = subprocess.run([vcrcheck, "load", str(path)], capture_output=True, text=True,
                        timeout=60)
    assert go.returncode == 0, go.stderr
    assert json.loads(go.stdout)["count"] == 1
    checked = subprocess.run([EXE, "check", str(path)], capture_output=True, text=True,
                             timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    proxy = run_proxy(str(path), "new-episodes")
    with proxied_client(proxy, ca_cert) as client:
        again = client.get(gateway.url + "/json?size=20")
        assert (again.status_code, again.content) == (200, first.content)
        assert client.get(gateway.url + "/json?size=30").status_code == 200
    proxy.stop()

    go = subprocess.run([vcrcheck, "load", str(path)], capture_output=True, text=True,
                        timeout=60)
    assert go.returncode == 0, go.stderr
    assert json.loads(go.stdout)["count"] == 2
    urls = [i.request.url for i in load_cassette(str(path)).interactions]
    assert urls == [gateway.url + "/json?size=20", gateway.url + "/json?size=30"]
