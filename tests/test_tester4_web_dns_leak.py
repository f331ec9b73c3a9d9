"""Tester: a replay session with `--web` resolves DNS queries on the network. Given a DNS
listener (`--set mode=regular --set mode=dns@PORT`, mitmproxy's own mode syntax passed
through), the web UI's master (mitmweb's default addons, among them `dns_resolver`) answers
each query by asking the name servers (`dns_name_servers`, else the system's) from the replay
proxy: the name server sees the query, the run exits 0 and the summary counts nothing. The
same session without `--web` (the lean master) answers SERVFAIL and sends nothing anywhere.

README / brief: replay "never opens an upstream connection, whatever the request, protocol or
option"; "--web runs the session in mitmproxy's web UI" (the same session); "Any mitmproxy
option passes through with mitmproxy's own syntax".

Expected: nothing reaches the name server from a replay session, with or without --web
(refused at start, or the query answered without the network, as the lean master does)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
NAME_SERVER = "127.0.0.77"  # a loopback address of its own: port 53 is the only one allowed

CASSETTE = """\
---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 0
    host: ""
    body: ""
    url: https://api.openai.com/v1/models
    method: GET
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 2
    body: '{}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 1ms
"""

QUERY = textwrap.dedent("""
    import socket, struct, sys
    port = int(sys.argv[1])
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    q += b"\\x03api\\x06openai\\x03com\\x00" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(q, ("127.0.0.1", port))
    try:
        s.recvfrom(4096)
    except OSError:
        pass
""")


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_with_dns_listener(args: list[str], query: str, env: dict) -> subprocess.CompletedProcess:
    """`vcrproxy ARGS --set mode=regular --set mode=dns@PORT ... -- python QUERY PORT` on a
    free UDP port; once more on another if the port was taken between its choice and the bind
    (a test of the other xdist worker: the session says `failed to listen on`)."""
    for _ in range(3):
        port = _free_udp_port()
        run = subprocess.run(
            [VCRPROXY, *args, "--set", "mode=regular", "--set", f"mode=dns@{port}",
             "--set", f"dns_name_servers={NAME_SERVER}",
             "--", sys.executable, query, str(port)],
            env=env, capture_output=True, text=True, timeout=90)
        if "failed to listen on" not in run.stderr:
            break
    return run


def web_session_queries(command: str, confdir: str, tmp_path
                        ) -> tuple[subprocess.CompletedProcess, list[bytes]]:
    """`vcrproxy COMMAND` (replay, run...) of CASSETTE with --web and a DNS listener, its
    command sending one query there: (the run, the questions the name server on NAME_SERVER:53
    was asked). Skipped where --web is refused or that address cannot be listened on."""
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
            [command, str(cassette), "--web", "--web-port", "0", "--allow-other-users",
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
    return run, asked


def test_a_web_replay_session_sends_no_dns_query_to_the_network(confdir, tmp_path):
    run, asked = web_session_queries("replay", confdir, tmp_path)
    assert not asked, (f"the replay session asked the name server {len(asked)} time(s): "
                       f"{asked[:2]}; exit {run.returncode}; {run.stderr[-800:]}")
