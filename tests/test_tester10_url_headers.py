"""Tester10: the query parameters of URLs are redacted by name in a body and in `Location`,
`Content-Location` and `Referer`, but not in the other headers that carry URLs: a `Link`
header (RFC 8288: the next page of a listing, a preload), `Refresh`, an upload URL an API hands
back in its own header. A signed URL's `sig=` (Azure SAS) or `token=` there is recorded as sent,
and `vcrproxy check` says ok. Real proxy, httpx, a loopback TLS upstream answering with it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import proxied_client
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

SECRET = "Zq8hunter2" + "Secret77xxAbCd"
URLS = {
    "sas-sig": "https://acct.blob.core.windows.net/c/b.bin?sv=2021-08-06&se=2030-01-01"
               f"&sp=r&sig={SECRET}%3D",
    "token": f"https://cdn.example.com/files/f1?token={SECRET}&expires=1893456000",
}
HEADERS = {
    "Link": '<{url}>; rel="next"',
    "Refresh": "0; url={url}",
    "X-Upload-Url": "{url}",
}


@pytest.mark.parametrize("header", list(HEADERS))
@pytest.mark.parametrize("kind", list(URLS))
def test_tester10_signed_url_in_a_response_header_is_redacted(kind, header, run_proxy, gateway,
                                                              ca_cert, tmp_path):
    value = HEADERS[header].format(url=URLS[kind])
    cassette = tmp_path / "links.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json"), (header, value)],
                      [b'{"data": []}']) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(f"{upstream}/v1/files?limit=1")
        assert r.status_code == 200 and r.headers[header] == value  # (the client got it whole)
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    recorded = i.response.headers[header][0]
    assert "://" in recorded  # (recorded)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert SECRET not in cassette.read_text(), (recorded, out.output)
    assert "expires=1893456000" in recorded or "se=2030-01-01" in recorded  # (the rest stays)
