"""Tester6: name/value pairs are redacted only when the pair's keys are lower-case. Round 11
added `{"name": "DB_PASSWORD", "value": ...}` (README: "name/value pairs"), and names are
matched case-insensitively everywhere else, but AWS's JSON APIs write the pair capitalised:
SSM's PutParameter, which boto3 sends as `{"Name": "/prod/db/password", "Value": "...",
"Type": "SecureString"}` (`X-Amz-Target: AmazonSSM.PutParameter`), EC2/ECS tags' `Key` /
`Value`. The parameter's value, a SecureString, is recorded as sent and `vcrproxy check` says
ok; the same body with `name`/`value` is redacted. Real proxy, httpx, the fake gateway's /echo.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import record_through

from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77xx"

BODIES = {
    "ssm-put-parameter": {"Name": "/prod/db/password", "Value": SECRET, "Type": "SecureString",
                          "Overwrite": True},
    "name-value": {"Parameters": [{"Name": "DB_PASSWORD", "Value": SECRET}]},
    "key-value": {"Tags": [{"Key": "DB_PASSWORD", "Value": SECRET}]},
}


@pytest.mark.parametrize("kind", list(BODIES))
def test_tester6_capitalised_name_value_pair_is_redacted(kind, run_proxy, gateway, ca_cert,
                                                         tmp_path):
    cassette = tmp_path / "ssm.yaml"
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo?plain=1",
        "content": json.dumps(BODIES[kind]),
        "headers": {"content-type": "application/x-amz-json-1.1",
                    "x-amz-target": "AmazonSSM.PutParameter"}})
    text = cassette.read_text()
    assert "AmazonSSM.PutParameter" in text  # (the request was recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in text, ("the pair's value reached the cassette", out.output)
