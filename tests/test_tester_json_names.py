"""Tester: JSON body fields that the built-in name rule (`is_credential_name`) calls
credentials must lose their value, as the redaction module doc says ("a ... JSON field (at any
depth, string values) whose name says it holds a credential loses its value"). Field names were
found by needles on their *ending* (`_FIELD_ENDS` + '"'), so a credential name that ends in
another word (`api_keys`, `password_hash`, `secret_value`, `accessTokenValue`) was never looked
at: its value reached the cassette, in the request body and in the upstream's echo of it. Now
the needles are the rule's stems, in any case (`CREDENTIAL_STEMS`)."""

from __future__ import annotations

import json

import pytest
from conftest import proxied_client

from vcrproxy.redaction import is_credential_name
from vcrproxy.store import load_cassette

NAMES = ["api_keys", "password_hash", "secret_value", "auth_header", "privateKeyPem",
         "client_secret_2", "accessTokenValue", "refresh_token_raw", "AUTH_TOKEN_V2",
         "aPiKeY"]


@pytest.mark.parametrize("name", NAMES)
def test_json_field_named_as_credential_is_redacted(name, run_proxy, gateway, ca_cert,
                                                    tmp_path):
    assert is_credential_name(name)  # (the rule says so)
    value = "Zq81xkPL" + "m3vR7tY0aQ"
    cassette = tmp_path / "names.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(f"{gateway.url}/echo?plain=1", json={"model": "m", name: value})
    assert r.status_code == 200 and value in r.text
    proxy.stop()
    (i,) = load_cassette(str(cassette)).interactions
    assert value not in i.request.body_bytes.decode(), "request body"
    assert value not in i.response.body_bytes.decode(), "response body (echo)"
    assert value not in cassette.read_text()


def test_mixed_case_bearer_token_is_redacted(run_proxy, gateway, ca_cert, tmp_path):
    """The bearer shape is case-insensitive (`(?i:\\bbearer)`); its needles were only `earer`
    and `EARER`, so `BeArEr <token>` in a neutral header (and its echo) was never tried."""
    token = "vcx" + "_3fK9aLq0Zr7TbX2m"
    cassette = tmp_path / "bearer.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(f"{gateway.url}/echo?plain=1", headers={"X-Note": f"BeArEr {token}"})
    assert r.status_code == 200 and token in r.text
    proxy.stop()
    assert token not in cassette.read_text()


@pytest.mark.parametrize("body", [
    '{"model": "m", "api\\u005fkey": "%s"}',  # (`_` written as an escape)
    '{"model": "m", "\\u0041ccess\\u0054oken": "%s"}',  # (no stem shows in the bytes)
    '{"args": "{\\"\\\\u0070assword\\": \\"%s\\"}"}',  # (in JSON inside a string)
], ids=["underscore", "letters", "nested"])
def test_json_field_name_written_with_escapes_is_redacted(body, run_proxy, gateway, ca_cert,
                                                          tmp_path):
    """JSON may write any character of a name as `\\uXXXX`: the name is the decoded one."""
    value = "Zq81xkPL" + "m3vR7tY0aQ"
    content = (body % value).encode()
    assert json.loads(json.loads(content).get("args", "{}")) or True  # (valid JSON)
    cassette = tmp_path / "escaped.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(f"{gateway.url}/echo?plain=1", content=content,
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and value in r.text
    proxy.stop()
    assert value not in cassette.read_text()


@pytest.mark.parametrize("body", [
    '{"model": "m", "api_keys": ["%s", "%s"]}',
    '{"args": "{\\"secrets\\": [ \\"%s\\",\\n\\"%s\\" ]}"}',  # (in JSON inside a string)
], ids=["array", "nested"])
def test_json_field_named_as_credential_holding_an_array_of_strings_is_redacted(
        body, run_proxy, gateway, ca_cert, tmp_path):
    """A credential name may hold several (`api_keys: [...]`): each string loses its value."""
    first, second = "Zq81xkPL" + "m3vR7tY0aQ", "Wq81xkPL" + "m3vR7tY0aQ"
    content = (body % (first, second)).encode()
    cassette = tmp_path / "array.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        r = client.post(f"{gateway.url}/echo?plain=1", content=content,
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and first in r.text and second in r.text
    proxy.stop()
    text = cassette.read_text()
    assert first not in text and second not in text
