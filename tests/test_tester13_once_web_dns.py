"""Tester: `vcrproxy run` (mode once) on an existing cassette is replay (its summary says
"mode replay"), but with `--web` and a DNS listener (`--set mode=regular --set mode=dns@PORT`)
it answers each DNS query by asking the name servers from the network: mitmweb's `dns_resolver`
addon is removed only from a proxy started with mode replay (67d8b3c, for
test_tester4_web_dns_leak), not from one whose cassette `once` resolved to replay. The same
session without `--web` sends nothing anywhere.

README: "Replay is closed by construction: ... (so replay, `once` with a cassette, and raw
TCP/TLS after CONNECT never connect"; "--web runs the session in mitmproxy's web UI".

Expected: nothing reaches the name server from `run` on an existing cassette, with --web as
without it."""

from __future__ import annotations

import os
import socket
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_tester4_web_dns_leak import (  # noqa: E402
    CASSETTE,
    NAME_SERVER,
    QUERY,
    run_with_dns_listener,
)


def test_a_once_session_replaying_its_cassette_sends_no_dns_query_from_the_web_ui(
        confdir, tmp_path):
    from sessions import web_has_login_token

    if not web_has_login_token():
        pytest.skip("mitmproxy < 11.1: --web is refused")
    name_server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        name_server.bind((NAME_SERVER, 53))
    except OSError as e:
        name_server.close()
        pytest.skip(f"cannot listen on {NAME_SERVER}:53 ({e})")
    name_server.settimeout(0.2)
    cassette = tmp_path / "c.yaml"
    cassette.write_text(CASSETTE)
    env = {k: v for k, v in os.environ.items()
           if "PROXY" not in k.upper() and not k.startswith("VCRPROXY_")}
    env["VCRPROXY_CONFDIR"] = confdir
    query = tmp_path / "query.py"
    query.write_text(QUERY)
    try:
        run = run_with_dns_listener(
            ["run", str(cassette), "--web", "--web-port", "0", "--allow-other-users",
             "--allow-no-traffic"], str(query), env)
        asked = []
        while True:
            try:
                data, _ = name_server.recvfrom(4096)
            except OSError:
                break
            asked.append(data[12:])
    finally:
        name_server.close()
    assert "mode replay" in run.stderr, run.stderr[-800:]
    assert not asked, (f"the session replaying its cassette asked the name server {len(asked)} "
                       f"time(s): {asked[:2]}; exit {run.returncode}; {run.stderr[-800:]}")
