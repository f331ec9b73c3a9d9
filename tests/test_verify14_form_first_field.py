"""Verify14: a urlencoded form whose first field is a credential (`token=...&token_type_hint=...`,
an OAuth 2.0 revocation request, RFC 7009 2.1; `password=...&username=...`) was recorded with
every field after it gone: the body's start reads as a `.env` line `token=...` too, whose value
runs to the end of the line, so `token=<REDACTED>` was all that was left of the form (the
form's own pass masks the value alone). The recording then says the request held one field,
and `show` and `diff` show that. Real proxy, httpx posting a form to a loopback TLS upstream."""

from __future__ import annotations

import pytest
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

SECRET = "Zq8hunter2" + "Secret77xx"
FORMS = {
    "revocation": [("token", SECRET), ("token_type_hint", "refresh_token")],
    "password-grant": [("password", SECRET), ("username", "bob"), ("grant_type", "password")],
}


@pytest.mark.parametrize("case", list(FORMS))
def test_verify14_fields_after_a_first_credential_field_are_kept(case, run_proxy, gateway,
                                                                 ca_cert, tmp_path):
    fields = FORMS[case]
    cassette = tmp_path / "form.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [b"{}"]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            assert client.post(f"{upstream}/oauth/revoke", data=dict(fields)).status_code == 200
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    body = i.request.body_bytes.decode()
    assert SECRET not in body
    rest = "&".join(f"{k}={v}" for k, v in fields[1:])
    assert body == f"{fields[0][0]}=<REDACTED>&{rest}", body
