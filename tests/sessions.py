"""Driving a proxy from outside, as a client or a user would: a raw CONNECT tunnel, the exports
a standalone session prints, the web UI address it logs. One home for what several test files
need (they each had their own copy)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterable
from typing import IO


def web_has_login_token() -> bool:
    """Whether this mitmproxy's web UI asks for a login token (`web_password`, mitmproxy >= 11.1):
    without one `--web` is refused (proxy.py's check), so the tests know what to expect."""
    import inspect

    from mitmproxy.tools.web import webaddons

    return "web_password" in inspect.getsource(webaddons)


def connect_tunnel(proxy_host: str, proxy_port: int, authority: str,
                   timeout: float = 10) -> socket.socket:
    """A socket through the proxy to `authority` ("host:port"), its CONNECT answered 200."""
    sock = socket.create_connection((proxy_host, proxy_port), timeout=timeout)
    sock.sendall(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "the proxy closed the CONNECT"
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    return sock


def read_exports(lines: Iterable[str]) -> dict[str, str]:
    """The `export NAME=value` lines a standalone session prints, read up to VCRPROXY_CA (the
    last one it needs; the session keeps serving after)."""
    exports: dict[str, str] = {}
    for line in lines:
        m = re.match(r"export (\w+)=(.*)", line.strip())
        if m:
            exports[m.group(1)] = m.group(2).strip("'")
        if "VCRPROXY_CA" in exports:
            break
    return exports


def web_ui_url(err: IO[str], web_port: int, timeout: float = 15) -> str:
    """The `web UI: URL` a `--web` session logs into the file `err` (waited for)."""
    deadline = time.monotonic() + timeout
    while True:
        err.seek(0)
        m = re.search(rf"web UI: (http://127\.0\.0\.1:{web_port}/\S*)", err.read())
        if m:
            return m.group(1)
        assert time.monotonic() < deadline, "no web UI address printed"
        time.sleep(0.1)
