"""Verify16: the sibling of test_tester12_form_echo_run_over's echo. Go's encoding/json (a Go
server's echo of the request: go-httpbin, debug endpoints, logged requests) writes `&` in a
string as `\\u0026`, so the echoed form reads `password=...\\u0026grant_type=...`. The `.env`
value there ended at a form's next pair only when it held no backslash, so it ran to the
string's end and, as an echo, cut the fields after the secret out of the recorded form body,
which then missed in replay. Expected: the fields after the secret are kept, and replay
matches."""

from __future__ import annotations

import json

from conftest import proxied_client, record_through
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette

FORM = {"content-type": "application/x-www-form-urlencoded"}
BODY = "password=Zq8hunter2Kx&grant_type=password&username=bob"
# What a Go server answers (json.Marshal escapes &, < and > as \u00XX).
ECHO = json.dumps({"body": BODY}).replace("&", "\\u0026").encode()


def test_fields_after_a_form_secret_survive_a_go_echo(run_proxy, ca_cert, gateway, tmp_path):
    path = tmp_path / "c.yaml"
    with tls_upstream(gateway, [("Content-Type", "application/json")], [ECHO]) as upstream:
        request = {"method": "POST", "url": upstream + "/echo", "content": BODY,
                   "headers": FORM}
        record_through(run_proxy, path, ca_cert, request)
    text = path.read_text()
    assert "Zq8hunter2Kx" not in text
    recorded = load_cassette(str(path)).interactions[0]
    assert recorded.request.body == "password=<REDACTED>&grant_type=password&username=bob", \
        recorded.request.body
    assert "\\u0026grant_type=password\\u0026username=bob" in recorded.response.body
    proxy = run_proxy(path, "replay")
    with proxied_client(proxy, ca_cert) as client:
        r = client.request(**request)
    assert r.status_code == 200, r.text[:400]  # (not a miss: x-vcrproxy-miss)


def test_fields_after_a_form_secret_survive_a_plain_text_echo(run_proxy, ca_cert, gateway,
                                                              tmp_path):
    # A server answering the form as text (a raw echo, a debug endpoint): the line reads as a
    # `.env` assignment whose value runs to its end, and that value, as an echo, cut the fields
    # after the secret out of the form body, which missed in replay. A form body's value never
    # holds a raw `&`: an echo found there ends at it.
    path = tmp_path / "c.yaml"
    with tls_upstream(gateway, [("Content-Type", "text/plain")], [BODY.encode()]) as upstream:
        request = {"method": "POST", "url": upstream + "/echo", "content": BODY,
                   "headers": FORM}
        record_through(run_proxy, path, ca_cert, request)
    assert "Zq8hunter2Kx" not in path.read_text()
    recorded = load_cassette(str(path)).interactions[0]
    assert recorded.request.body == "password=<REDACTED>&grant_type=password&username=bob", \
        recorded.request.body
    proxy = run_proxy(path, "replay")
    with proxied_client(proxy, ca_cert) as client:
        r = client.request(**request)
    assert r.status_code == 200, r.text[:400]
