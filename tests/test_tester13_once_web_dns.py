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
import sys

sys.path.insert(0, os.path.dirname(__file__))
from test_tester4_web_dns_leak import web_session_queries  # noqa: E402


def test_a_once_session_replaying_its_cassette_sends_no_dns_query_from_the_web_ui(
        confdir, tmp_path):
    run, asked = web_session_queries("run", confdir, tmp_path)
    assert "mode replay" in run.stderr, run.stderr[-800:]
    assert not asked, (f"the session replaying its cassette asked the name server {len(asked)} "
                       f"time(s): {asked[:2]}; exit {run.returncode}; {run.stderr[-800:]}")
