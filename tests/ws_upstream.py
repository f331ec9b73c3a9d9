"""A loopback TLS WebSocket server (the `websockets` package) for tests of recorded sessions:
its certificate is issued by the fake gateway's CA, which the conftest's proxies trust."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from fakegateway import _ca


@contextlib.contextmanager
def ws_upstream(handler: Callable[[Any], Awaitable[None]]) -> Iterator[int]:
    """Serve each session with `handler` (a websockets.asyncio.server handler) on 127.0.0.1 in a
    thread of its own; yields the port (`wss://localhost:PORT/...`), stops the server after."""
    from websockets.asyncio.server import serve

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _ca().issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    loop = asyncio.new_event_loop()
    ready, port, stopping = threading.Event(), [], []

    async def main() -> None:
        stopping.append(asyncio.Event())
        async with serve(handler, "127.0.0.1", 0, ssl=ctx) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            await stopping[0].wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    try:
        assert ready.wait(10), "the WebSocket server did not start"
        yield port[0]
    finally:
        if stopping:
            loop.call_soon_threadsafe(stopping[0].set)
        thread.join(10)


def close_code_after(proxy_url: str, ca_cert: str, url: str, message: str | bytes) -> int | None:
    """Open `url` through the proxy at `proxy_url` (trusting `ca_cert`), wait for the first
    server message (5 s), send `message` and return the close code the session then ends with
    (None: closed with none, or still open after 5 s)."""
    import websockets
    from websockets.asyncio.client import connect

    async def session() -> int | None:
        async with connect(url, proxy=proxy_url, ping_interval=None,
                           ssl=ssl.create_default_context(cafile=ca_cert)) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            await ws.send(message)
            try:
                await asyncio.wait_for(ws.recv(), 5)
            except websockets.ConnectionClosed as e:
                return e.rcvd.code if e.rcvd else None
        return None

    return asyncio.run(session())
