"""A query parameter (or urlencoded/multipart field) named `<<` makes a cassette go-vcr cannot load.

The recorder writes go-vcr's `form` map; our emitter, like yaml.v3's, writes the key `<<` plain,
and yaml.v3 reads a plain `<<` key as a YAML merge key: go-vcr's Load fails on the whole cassette
("map merge requires map or sequence of maps as the value"), every other interaction with it.
Our own loader reads the file back fine, and `vcrproxy check` says ok. (yaml.v3's Marshal has
the same flaw, so matching its output byte for byte cannot be the rule for this key: the
README's promise is that go-vcr loads ours.) Real proxy, the fake gateway, httpx, and the go-vcr
oracle (tests/go/vcrcheck: go-vcr's structs with yaml.v3).
"""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import proxied_client
from test_govcr_compat import vcrcheck  # noqa: F401  (fixture)

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_go_vcr_loads_a_cassette_with_a_form_key_named_merge(run_proxy, gateway, ca_cert,
                                                            tmp_path, vcrcheck):  # noqa: F811
    path = tmp_path / "c.yaml"
    proxy = run_proxy(path, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(gateway.url + "/json", params={"size": "20"}).status_code == 200
        assert client.get(gateway.url + "/json", params={"size": "21", "<<": "x"}).status_code \
            == 200
    proxy.stop()
    checked = subprocess.run([EXE, "check", str(path)], capture_output=True, text=True,
                             timeout=30)
    go = subprocess.run([vcrcheck, "load", str(path)], capture_output=True, text=True,
                        timeout=60)
    assert go.returncode == 0, (
        f"go-vcr cannot load the cassette: {go.stderr.strip()} (check says: "
        f"{checked.stdout.strip()})"
    )
