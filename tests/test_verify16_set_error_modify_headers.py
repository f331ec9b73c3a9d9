"""Verify16: a sibling of tester14's --set error password (44c9d18). A credential header is
commonly added with mitmproxy's own option, `--set modify_headers=/~q/api-key/KEY` (an Azure
key, an `X-Api-Key`, `Authorization: Basic ...`), whose value no name of the item says is a
credential. A typo in another `--set` printed every item as typed: the key went to the terminal
and the CI log. Expected: the header's value is masked, the error still names the --set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
AZURE = "0123456789abcdef" + "fedcba9876543210"  # an Azure OpenAI api-key's shape
BASIC = "dXNlcjpodW50ZXIy" + "aHVudGVyMg=="
PLAIN = "Zq8hunter2" + "Kx9876"

CASES = {
    "azure api-key": f"modify_headers=/~q/api-key/{AZURE}",
    "basic authorization": f"modify_headers=/~q/Authorization/Basic {BASIC}",
    "x-api-key, no filter": f"modify_headers=|X-Api-Key|{PLAIN}",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_set_error_masks_a_modify_headers_credential(confdir, tmp_path, case):
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["VCRPROXY_CONFDIR"] = confdir
    done = subprocess.run([VCRPROXY, "record", "--set", CASES[case], "--set", "ssl_insecure=maybe",
                           str(tmp_path / "c.yaml"), "--", sys.executable, "-c", "pass"],
                          env=env, capture_output=True, text=True, timeout=60)
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "--set" in out and "ssl_insecure" in out, out
    assert not [s for s in (AZURE, BASIC, PLAIN) if s in out], out
