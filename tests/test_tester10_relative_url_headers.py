"""Tester10: after the fix for URLs in any header, only absolute URLs (`scheme://`) are found
there; `Location` and `Content-Location` are redacted however relative, but a relative
target in a `Link` header (RFC 8288: `</v1/items?after=x&token=...>; rel="next"`), in
`Refresh: 0; url=/login?token=...`, or in a header whose name says it is a URL
(`X-Next-Url: /v1/items?access_token=...`) keeps its credential, and `vcrproxy check` says ok.
Real proxy, httpx, a loopback TLS upstream answering with it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77xxAbCd"
HEADERS = {
    "Link": f'</v1/items?after=it_2&token={SECRET}>; rel="next", </v1/items>; rel="first"',
    "Refresh": f"0; url=/login/continue?token={SECRET}",
    "X-Next-Url": f"/v1/items?after=it_2&access_token={SECRET}",
}


@pytest.mark.parametrize("header", list(HEADERS))
def test_tester10_relative_url_with_a_token_in_a_header_is_redacted(header, run_proxy, gateway,
                                                                    ca_cert, tmp_path):
    value = HEADERS[header]
    cassette = tmp_path / "relative.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json"), (header, value)],
                      [b'{"data": []}']) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(f"{upstream}/v1/items?limit=1")
        assert r.status_code == 200 and r.headers[header] == value
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    recorded = i.response.headers[header][0]
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in recorded, (recorded, out.output)
    assert recorded == value.replace(SECRET, "<REDACTED>"), recorded
