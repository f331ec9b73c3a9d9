"""A cassette followed by an empty YAML document (a trailing `---` line, `--- ~`, `...` then
`---`: what tools that join or template YAML streams leave) is loaded by go-vcr, whose yaml.v3
Unmarshal reads the first document only. vcrproxy refused the file ("expected a single document
in the stream"): `check` failed and replay would not start on a cassette go-vcr plays. An empty
document holds nothing, so nothing is lost; a new episode appended to such a file must leave
one go-vcr still loads, with both interactions.

Real parts: the cassette recorded through the real proxy (httpx, the real TLS fake gateway),
the go-vcr oracle (tests/go/vcrcheck), the real `vcrproxy check`, a new-episodes session.
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


@pytest.mark.parametrize("tail", ["---\n", "--- ~\n", "...\n---\n# nothing more\n"],
                         ids=["dashes", "null", "end-then-dashes"])
def test_an_empty_trailing_document_is_ignored_as_go_vcr_does(run_proxy, gateway, ca_cert,
                                                             tmp_path, vcrcheck,  # noqa: F811
                                                             tail):
    path = tmp_path / "c.yaml"
    proxy = run_proxy(str(path), "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(gateway.url + "/json?size=20").status_code == 200
    proxy.stop()
    with open(path, "a", encoding="utf-8") as f:
        f.write(tail)

    go = subprocess.run([vcrcheck, "load", str(path)], capture_output=True, text=True,
                        timeout=60)
    assert go.returncode == 0 and json.loads(go.stdout)["count"] == 1, go.stderr
    checked = subprocess.run([EXE, "check", str(path)], capture_output=True, text=True,
                             timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    proxy = run_proxy(str(path), "new-episodes")
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(gateway.url + "/json?size=20").status_code == 200
        assert client.get(gateway.url + "/json?size=30").status_code == 200
    proxy.stop()
    go = subprocess.run([vcrcheck, "load", str(path)], capture_output=True, text=True,
                        timeout=60)
    assert go.returncode == 0 and json.loads(go.stdout)["count"] == 2, go.stderr
    assert len(load_cassette(str(path)).interactions) == 2
