"""Verify12: round 12 reads AWS's capitalised name/value pairs (13e389a: SSM's `Name`/`Value`,
tags' `Key`/`Value`), but not the commonest AWS pair of all: CloudFormation's stack parameters,
`ParameterKey` / `ParameterValue` (the documented `DBPassword` NoEcho parameter of every RDS
template), which boto3 and the AWS CLI send as a query-protocol form
(`Parameters.member.1.ParameterKey=DBPassword&Parameters.member.1.ParameterValue=...`). The
database password is recorded as sent and `vcrproxy check` says ok. Real proxy, boto3's
cloudformation client, a loopback upstream answering as CloudFormation does.
"""

from __future__ import annotations

import http.server
import threading

import pytest
from click.testing import CliRunner

from vcrproxy.cli.main import main

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402

PASSWORD = "Zq8hunter2" + "Secret77"
ANSWER = (b'<CreateStackResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
          b"<CreateStackResult><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/db/1"
          b"</StackId></CreateStackResult><ResponseMetadata><RequestId>r1</RequestId>"
          b"</ResponseMetadata></CreateStackResponse>")


class _CloudFormation(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *a):
        pass


def test_verify12_a_cloudformation_password_parameter_is_redacted(run_proxy, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CloudFormation)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cassette = tmp_path / "cfn.yaml"
    try:
        proxy = run_proxy(cassette, "record")
        client = boto3.client(
            "cloudformation", region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            aws_access_key_id="AKIA" + "TESTONLY" * 2, aws_secret_access_key="x" * 40,
            config=Config(proxies={"http": proxy.url}, retries={"max_attempts": 1},
                          read_timeout=20, connect_timeout=10))
        client.create_stack(StackName="db", TemplateURL="https://s3.amazonaws.com/b/rds.yaml",
                            Parameters=[{"ParameterKey": "DBUser", "ParameterValue": "admin"},
                                        {"ParameterKey": "DBPassword",
                                         "ParameterValue": PASSWORD}])
        proxy.stop()
    finally:
        server.shutdown()
        server.server_close()
    text = cassette.read_text()
    assert "CreateStack" in text  # (recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert PASSWORD not in text, ("the DBPassword parameter reached the cassette", out.output)
