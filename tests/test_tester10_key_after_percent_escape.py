"""Tester10: in a URL inside a body, a key after a percent-escape (`?q=my%20sk-proj-...`,
`%0A`, `%3A`) follows the escape's hex digit, which a key shape takes for part of its word: the
request URL's query is decoded before it is searched, but the same URL in a JSON answer (a
`next` link, a search result, a model quoting the request) keeps the key, and `vcrproxy check`
says ok. Real proxy, httpx, a loopback TLS upstream answering JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main


@pytest.mark.parametrize("escape", ["%20", "%0A", "%3A"])
@pytest.mark.parametrize("shape", ["openai", "github", "google", "jwt"])
def test_tester10_key_after_a_percent_escape_in_a_body_url_is_redacted(
        shape, escape, run_proxy, gateway, ca_cert, tmp_path):
    key = SHAPE_EXAMPLES[shape]
    link = f"https://search.example.com/v1/search?q=my{escape}{key}&page=2"
    body = json.dumps({"results": [], "next": link}).encode()
    cassette = tmp_path / "link.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [body]) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            r = client.get(f"{upstream}/v1/search?page=1")
        assert r.json()["next"] == link
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    recorded = json.loads(i.response.body_bytes)["next"]
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert key not in recorded, (f"a {shape} key after {escape} was recorded", out.output)
    assert recorded == f"https://search.example.com/v1/search?q=my{escape}<REDACTED>&page=2"
