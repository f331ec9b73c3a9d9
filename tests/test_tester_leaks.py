"""Tester: secrets that reach the cassette through a real recording session (real mitmproxy, the
fake TLS gateway, httpx clients) in response XML and in URLs inside bodies; fake keys are
built at runtime.
"""

from __future__ import annotations

import urllib.parse

from conftest import record_through
from secret_shapes import SHAPE_EXAMPLES

# -- AWS STS: the temporary secret key comes back in XML ------------------------------------------


def test_sts_assume_role_secret_access_key_is_not_recorded(run_proxy, gateway, ca_cert, tmp_path):
    """botocore's AssumeRole (README: `--match-ignore-query RoleSessionName for botocore's STS
    call`; the usual way to reach Bedrock) answers the temporary credentials as XML:
    `<SecretAccessKey>` has no key shape and XML element names are not looked at, so the
    secret access key is written to the cassette as it came (and `check` says ok)."""
    cassette = tmp_path / "sts.yaml"
    form = {"Action": "AssumeRole", "Version": "2011-06-15", "RoleSessionName": "s1",
            "RoleArn": "arn:aws:iam::123456789012:role/fake"}
    (r,) = record_through(run_proxy, cassette, ca_cert,
                          {"method": "POST", "url": f"{gateway.url}/sts", "data": form})
    secret = "fakeSecretAccessKeyValue0001"  # what the fake STS hands out
    assert f"<SecretAccessKey>{secret}</SecretAccessKey>" in r.text  # (the test proves something)
    text = cassette.read_text(encoding="utf-8")
    assert secret not in text, "the STS secret access key reached the cassette"


# -- a key shape hidden by percent-encoding, in a body or header URL ------------------------------


def _presigned_url() -> tuple[str, str]:
    """An S3 presigned URL (temporary credentials), as a Bedrock batch or file API answers it:
    the STS session token is percent-encoded in its query, as every presigner writes it."""
    token = SHAPE_EXAMPLES["aws-session-token"]
    query = urllib.parse.urlencode({
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": "ASIA" + "FAKE" * 4 + "/20250101/us-east-1/s3/aws4_request",
        "X-Amz-Date": "20250101T000000Z", "X-Amz-Expires": "3600",
        "X-Amz-SignedHeaders": "host", "X-Amz-Security-Token": token,
        "X-Amz-Signature": "0123456789abcdef" * 4,
    })
    return "https://bucket.s3.amazonaws.com/batch/output.jsonl?" + query, token


def test_percent_encoded_session_token_in_json_body_is_redacted(run_proxy, gateway, ca_cert,
                                                                tmp_path):
    """The README: shapes are found "anywhere (headers, URL, form values even percent-encoded,
    text, JSON...)". In a JSON body a presigned URL holds the STS session token percent-encoded
    (`IQoJb3JpZ2luX2VjEJr%2F%2F...`): the shape needs 40 base64 characters in a row and `%2F`
    breaks the run, so the whole token is recorded (the access key id and signature next to it
    are caught). Decoded, it is the token the request URL's `X-Amz-Security-Token` would lose."""
    url, token = _presigned_url()
    encoded = urllib.parse.quote(token, safe="")
    assert encoded != token
    cassette = tmp_path / "presigned.yaml"
    record_through(run_proxy, cassette, ca_cert,
                   {"method": "POST", "url": f"{gateway.url}/echo?plain=1",
                    "json": {"output_file": {"download_url": url}}})
    text = cassette.read_text(encoding="utf-8")
    leaked = [f for f in (encoded, encoded[:40], token) if f in text]
    assert leaked == [], "the percent-encoded STS session token reached the cassette"


def test_named_query_parameter_of_a_url_in_a_body_is_redacted(run_proxy, gateway, ca_cert,
                                                              tmp_path):
    """`sig` is a secret query parameter (Azure SAS, DEFAULT_QUERY_PARAMS): in the request URL
    it is redacted, and in a log line `redact_text` redacts it in any URL. But an image URL an
    API answers in JSON (DALL-E / gpt-image `response_format=url` answers Azure blob URLs with
    `sig=`) keeps its signature in the cassette: query names are applied to the request URL
    only, not to URLs inside bodies (nor in headers such as Location or Referer)."""
    sig = "Zk3mQ9xYt2LpW8vRn4sB6cJ1hF5dG7aE0oU3iK9y"
    sas = ("https://oaidalleapiprodscus.blob.core.windows.net/private/org/img-1.png?"
           "st=2025-01-01T00%3A00%3A00Z&se=2025-01-01T02%3A00%3A00Z&sp=r&sv=2021-08-06&sr=b&"
           "sig=" + urllib.parse.quote(sig + "=", safe=""))
    from vcrproxy.redaction import redact_text
    assert sig not in redact_text(f"answer: {sas}")  # what the logs get
    cassette = tmp_path / "sas.yaml"
    record_through(run_proxy, cassette, ca_cert,
                   {"method": "POST", "url": f"{gateway.url}/echo?plain=1",
                    "json": {"created": 1, "data": [{"url": sas}]}})
    text = cassette.read_text(encoding="utf-8")
    assert sig not in text, "the SAS signature of a URL in the body reached the cassette"
