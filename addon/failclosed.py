"""Replay fails closed: nothing reaches upstream unless our code chose to send it there.

Two independent guards, each enough on its own for the replay path:

1. `UpstreamGate` (mitmproxy's `server_connect` hook) opens a server connection only when a hook
   of ours explicitly forwarded a flow to that address on that client connection (`permit`), or,
   for a client connection that carried no HTTP request at all (raw TCP or TLS after CONNECT,
   where no request hook runs), when that connection's cassette is in a mode that goes upstream.
   Refusing is mitmproxy's documented way: "Setting data.server.error kills the connection"
   (mitmproxy/proxy/server_hooks.py; proxy/server.py checks it right after the hook and never
   opens the socket, in 11.0 and 12.x alike). The gate sets the error first and clears it only
   once it has decided to allow, so an exception inside the gate itself leaves it closed.
2. `fail_closed`, a decorator for every flow hook of our addons: an exception becomes an answer
   to the client (a miss in the provider's error shape, `X-Vcrproxy-Miss`, one-line reason)
   instead of mitmproxy's "Addon error" log line followed by forwarding the flow.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from mitmproxy import connection, http
from mitmproxy.proxy import server_hooks
from mitmproxy.proxy.mode_specs import UpstreamMode

from .redaction import log_text
from .terminal import clean_line, cut_text

log = logging.getLogger("vcrproxy")

# Modes whose sessions may open upstream connections; everything else (replay, and `once` with
# an existing cassette, which resolves to replay) never does.
UPSTREAM_MODES = frozenset({"record", "new-episodes", "passthrough"})
MISS_HEADER = "X-Vcrproxy-Miss"
_MAX_REASON = 2000  # characters of a reason kept on one line


def one_line(text: object, limit: int = _MAX_REASON) -> str:
    """`text` as one printable line: newlines folded, lone surrogates escaped as \\udXXX,
    control characters, C1 (U+009B is CSI) and bidi overrides as terminal.clean escapes them
    (it reaches stderr, a pytest report and the client's error message). Cut as
    terminal.cut_text cuts: mask `text` first."""
    s = " ".join(str(text).split())
    s = clean_line(s.encode("utf-8", "backslashreplace").decode("utf-8"))
    return cut_text(s, limit, mark="...")


def _fallback_response(text: str, method: str = "GET") -> http.Response:
    """A miss answer that cannot fail: ASCII JSON in the OpenAI error shape."""
    body = json.dumps(
        {
            "error": {
                "message": text,
                "type": "invalid_request_error",
                "param": None,
                "code": "vcrproxy_cassette_miss",
            }
        }
    ).encode("ascii")
    from .flows import made_answer  # (no body for HEAD)

    return made_answer(400, body, {"Content-Type": "application/json", MISS_HEADER: "1"}, method)


def answer_refused(flow: http.HTTPFlow, text: str) -> None:
    """Answer `flow` here with a miss (never upstream): the provider's error shape when it can
    be built, else a plain OpenAI-shaped one."""
    text = one_line(text)
    try:
        from .misses import miss_response

        flow.response = miss_response(flow.request, text)
    except Exception:  # noqa: BLE001 - the fallback below cannot fail
        flow.response = _fallback_response(text, flow.request.method)
    flow.metadata["vcrproxy"] = "miss"
    flow.comment = text


def fail_closed(hook: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Decorate a sync mitmproxy hook method of ours so no exception escapes it.

    For an HTTP flow the exception becomes a miss answer (for `http_connect`: a refused tunnel;
    in `error`, nothing is left to answer); in `server_connect` it kills the server connection,
    in `client_connected` the client's; for other hooks it is logged. Either way the addon's
    `hook_failed(hook_name, flow_or_None, reason)` is called when it has one, so the failure
    counts in the summary and the exit code. The body is looked up at call time through
    `__wrapped__`, which lets tests inject a failure into the real hook.
    """
    name = hook.__name__

    @functools.wraps(hook)
    def guarded(self, arg):
        try:
            return guarded.__wrapped__(self, arg)
        except Exception as e:  # noqa: BLE001 - this is the point
            # First what cannot fail (no exception text yet): kill the connection if that is
            # the hook's way to refuse.
            reason = (f"vcrproxy: internal error in the {name} hook ({type(e).__name__}); "
                      "answered by vcrproxy, nothing forwarded")
            flow = arg if isinstance(arg, http.HTTPFlow) else None
            if isinstance(arg, server_hooks.ServerConnectionHookData):
                arg.server.error = reason  # a server_connect that failed must not connect
            elif name == "client_connected" and isinstance(arg, connection.Client):
                arg.error = reason  # a check on a new client that failed refuses the client
            try:
                reason = one_line(log_text(  # an exception's text may quote a request
                    f"vcrproxy: internal error in the {name} hook ({type(e).__name__}: {e}); "
                    "answered by vcrproxy, nothing forwarded"))
                log.error("%s", reason, exc_info=log.isEnabledFor(logging.DEBUG))
                if flow is not None and name != "error":
                    answer_refused(flow, reason)
                report = getattr(self, "hook_failed", None)
                if report is not None:
                    report(name, flow, reason)
            except Exception:  # noqa: BLE001 - the answer is what matters
                if flow is not None and name != "error":
                    flow.response = _fallback_response(reason, flow.request.method)
            return None

    guarded.__fail_closed__ = True  # type: ignore[attr-defined]
    return guarded


class UpstreamGate:
    """mitmproxy addon: refuses every server connection our hooks did not choose to open.

    `permit(flow)`: a hook decided to send `flow` upstream (record, passthrough, paced replay to
    our own loopback chunk server). `upstream_allowed(client)`: a callable given by the owner,
    True when the cassette of that client connection is in an upstream mode; consulted only for
    client connections that carried no HTTP request (raw TCP/TLS after CONNECT).
    `hook_failed`: as for `fail_closed`, so the owner counts failures of the gate's hooks.
    `offline()`: True for a proxy started for replay (options.offline); then only `own(address)`
    (our loopback chunk server and WebSocket player) may be connected to, permit or not: no
    client, whatever its proxy URL names, and no hook of ours can take such a proxy upstream.
    """

    def __init__(
        self,
        upstream_allowed: Callable[[connection.Client], bool],
        hook_failed: Callable[[str, http.HTTPFlow | None, str], None] | None = None,
        *,
        offline: Callable[[], bool] = lambda: False,
        own: Callable[[tuple[str, int] | None], bool] = lambda address: False,
    ) -> None:
        self.upstream_allowed = upstream_allowed
        self.hook_failed = hook_failed  # the owner counts our failures with its own
        self.offline = offline
        self.own = own
        self._permits: Counter[tuple[str, tuple[str, int]]] = Counter()
        self._http_clients: set[str] = set()
        self.refused = 0
        # What the proxy saw, for bypass detection (bypass.py): HTTP requests, client connections.
        self.requests = 0
        self.clients = 0

    def permit(self, flow: http.HTTPFlow) -> None:
        address = (flow.request.host, flow.request.port)
        self._permits[(flow.client_conn.id, address)] += 1

    @fail_closed
    def client_connected(self, client: connection.Client) -> None:
        self.clients += 1

    @fail_closed
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        self.requests += 1
        self._http_clients.add(flow.client_conn.id)

    @fail_closed
    def client_disconnected(self, client: connection.Client) -> None:
        self._http_clients.discard(client.id)
        for key in [k for k in self._permits if k[0] == client.id]:
            del self._permits[key]

    @fail_closed
    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        server = data.server
        # An earlier addon's refusal stands: mitmproxy's proxyserver refuses a connection to the
        # proxy's own address (a request aimed at the proxy itself would loop through it).
        refused_before = server.error
        server.error = "vcrproxy: no upstream connection in replay"  # closed until proven open
        if self._allowed(data.client, server):
            server.error = refused_before
            return
        self.refused += 1
        host, port = server.address or ("?", 0)
        reason = (f"vcrproxy: refused an upstream connection to {host}:{port} (its cassette is "
                  "replayed, the proxy was started for replay, or no hook of ours sent a request "
                  "there)")
        log.warning("%s", reason)
        if self.hook_failed is not None:
            # Something tried to reach upstream where nothing may: the run must not pass.
            self.hook_failed("server_connect", None, reason)

    def _allowed(self, client: connection.Client, server: connection.Server) -> bool:
        if self.offline() and (server.via is not None or not self.own(server.address)):
            return False  # closed by construction: our own loopback servers only, permit or not
        return self._permitted(client, server)

    def _permitted(self, client: connection.Client, server: connection.Server) -> bool:
        cid = client.id
        key = (cid, server.address)
        if server.address is not None and self._permits[key] > 0:
            self._permits[key] -= 1
            if not self._permits[key]:
                del self._permits[key]
            return True
        if server.via is not None or _upstream_proxy(client, server):
            # Upstream-proxy mode: the address is the proxy's; any forward decision counts.
            for k in self._permits:
                if k[0] == cid:
                    self._permits[k] -= 1
                    if not self._permits[k]:
                        del self._permits[k]
                    return True
        if cid in self._http_clients:
            return False  # HTTP on this connection, and no request was sent upstream by us
        return bool(self.upstream_allowed(client))


def _upstream_proxy(client: connection.Client, server: connection.Server) -> bool:
    """Whether `server` is the upstream proxy of an upstream-mode listener (`--mode
    upstream:URL`): mitmproxy opens that connection as a server of its own, without `via`
    (the request's server, tunnelled through it, has the `via`), so a permit for the
    request's host is met at the proxy's address."""
    mode = getattr(client, "proxy_mode", None)
    return isinstance(mode, UpstreamMode) and server.address is not None and \
        tuple(server.address) == tuple(mode.address)
