"""A `%YAML 1.2` directive (ruamel.yaml writes one when asked for YAML 1.2) makes a cassette
go-vcr cannot load: yaml.v3 reads only YAML 1.1 documents and fails the whole file ("found
incompatible YAML document"). `vcrproxy check` said ok and exited 0, and replay played it, so
a cassette a Go test suite cannot use passed CI. The go-vcr oracle (tests/go/vcrcheck: go-vcr's
structs with yaml.v3) says what go-vcr does; `%YAML 1.1` loads in both.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from test_govcr_compat import vcrcheck  # noqa: F401  (fixture)

from vcrproxy import load_cassette
from vcrproxy.cassette import CassetteError

EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
REFERENCE = os.path.join(os.path.dirname(__file__), "..", "cassettes",
                         "openai-responses-simple.yaml")


def with_prefix(tmp_path, prefix: str, name: str) -> str:
    with open(REFERENCE, encoding="utf-8") as f:
        text = f.read()
    path = tmp_path / name
    path.write_text(prefix + text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("version", ["1.2", "1.0", "1.3"])
def test_check_refuses_a_yaml_version_go_vcr_cannot_load(tmp_path, vcrcheck,  # noqa: F811
                                                         version):
    path = with_prefix(tmp_path, f"%YAML {version}\n", "v.yaml")
    go = subprocess.run([vcrcheck, "load", path], capture_output=True, text=True, timeout=60)
    assert go.returncode != 0 and "incompatible YAML document" in go.stderr
    checked = subprocess.run([EXE, "check", path], capture_output=True, text=True, timeout=30)
    out = checked.stdout + checked.stderr
    assert checked.returncode != 0, out
    assert "incompatible YAML" in out and "Traceback" not in out
    with pytest.raises(CassetteError, match="incompatible YAML"):
        load_cassette(path)


def test_yaml_1_1_directive_loads_in_both(tmp_path, vcrcheck):  # noqa: F811
    path = with_prefix(tmp_path, "# recorded by hand\n%YAML 1.1\n%TAG !e! tag:e.com,2000:\n",
                       "ok.yaml")
    go = subprocess.run([vcrcheck, "load", path], capture_output=True, text=True, timeout=60)
    assert go.returncode == 0, go.stderr
    checked = subprocess.run([EXE, "check", path], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert len(load_cassette(path).interactions) == 1
