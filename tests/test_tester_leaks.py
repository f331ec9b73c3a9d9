"""Tester: secrets that reach the cassette through a real recording session (real mitmproxy, the
fake TLS gateway, httpx clients) in response XML and in URLs inside bodies; fake keys are
built at runtime.
"""

from __future__ import annotations

from click.testing import CliRunner
from conftest import proxied_client

from vcrproxy.cli.main import main


def _record(run_proxy, cassette, ca_cert, *requests) -> list:
    proxy = run_proxy(cassette, "record")
    out = []
    with proxied_client(proxy, ca_cert) as client:
        for kw in requests:
            r = client.request(**kw)
            assert r.status_code == 200, r.text[:300]
            out.append(r)
    proxy.stop()
    return out


def _check(path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(path)], prog_name="vcrproxy")
    return result.exit_code, result.output


# -- AWS STS: the temporary secret key comes back in XML ------------------------------------------


def test_sts_assume_role_secret_access_key_is_not_recorded(run_proxy, gateway, ca_cert, tmp_path):
    """botocore's AssumeRole (README: `--match-ignore-query RoleSessionName for botocore's STS
    call`; the usual way to reach Bedrock) answers the temporary credentials as XML:
    `<SecretAccessKey>` has no key shape and XML element names are not looked at, so the
    secret access key is written to the cassette as it came (and `check` says ok)."""
    cassette = tmp_path / "sts.yaml"
    form = {"Action": "AssumeRole", "Version": "2011-06-15", "RoleSessionName": "s1",
            "RoleArn": "arn:aws:iam::123456789012:role/fake"}
    (r,) = _record(run_proxy, cassette, ca_cert,
                   {"method": "POST", "url": f"{gateway.url}/sts", "data": form})
    secret = "fakeSecretAccessKeyValue0001"  # what the fake STS hands out
    assert f"<SecretAccessKey>{secret}</SecretAccessKey>" in r.text  # (the test proves something)
    text = cassette.read_text(encoding="utf-8")
    assert secret not in text, "the STS secret access key reached the cassette"
