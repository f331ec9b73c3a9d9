"""HTTP trailers (RFC 9110 6.5): recorded into go-vcr's `trailer` field, sent back on replay.

What mitmproxy (11 and 12) can carry, checked against its source:
- HTTP/2 both ways: trailers received arrive on `flow.request/response.trailers`; trailers set
  on a response before the `response` hook returns are sent as a trailing HEADERS frame.
- HTTP/1.1: neither. Reading a chunked message whose trailer section is not empty raises
  `NotImplementedError("HTTP trailers are not implemented yet.")` in its HTTP/1 layer (the
  connection handler logs "mitmproxy has crashed!" and the client waits until its own timeout);
  its HTTP/1 server has no way to send `ResponseTrailers`. mitmproxy issue #2474.
So: a recording keeps h2 trailers; a replay sends them to h2 clients and leaves them out for
HTTP/1.1 clients, saying so once; an HTTP/1.1 upstream that announces trailers (`Trailer`
header, RFC 9110 6.6.2) is cut off at its headers with a one-line error instead of hanging the
client. Still hitting the mitmproxy limitation: unannounced HTTP/1.1 response trailers, and
HTTP/1.1 request trailers (mitmproxy parses a request body sent with its headers before any hook
can act, so a `requestheaders` guard cannot prevent the crash).
"""

from __future__ import annotations

import logging

from mitmproxy import http

from .cassette import Headers
from .headers import canonical_header_name, clean_field_value

log = logging.getLogger("vcrproxy")

H1_LIMIT = (
    "mitmproxy cannot read or send HTTP/1.1 trailers (its HTTP/1 layer has no trailer support, "
    "mitmproxy issue #2474)"
)
_said: set[str] = set()


def _once(key: str, message: str, *args: object) -> None:
    if key not in _said:
        _said.add(key)
        log.warning(message, *args)


def to_model(trailers: http.Headers | None) -> Headers | None:
    """mitmproxy trailers -> go-vcr's `trailer` map (canonical names, values in order, valid on
    the wire as header values are: headers.clean_field_value)."""
    if not trailers:
        return None
    out: Headers = {}
    for name, value in trailers.fields:
        key = canonical_header_name(name.decode("latin-1"))
        out.setdefault(key, []).append(clean_field_value(value.decode("utf-8", "surrogateescape")))
    return out


def to_wire(trailer: Headers | None) -> http.Headers | None:
    """go-vcr's `trailer` map -> trailers to send. Names lower-cased: only h2 carries them, and
    h2 field names must be (RFC 9113 8.2.1; mitmproxy passes trailer names through as given)."""
    if not trailer:
        return None
    return http.Headers(
        [
            (name.lower().encode("latin-1"),
             clean_field_value(value).encode("utf-8", "surrogateescape"))
            for name, values in trailer.items()
            for value in values
        ]
    )


def for_client(trailer: Headers | None, flow: http.HTTPFlow) -> http.Headers | None:
    """The recorded trailers to send to this flow's client, or None. HTTP/1.1 clients get none
    (mitmproxy cannot send them): said once per process."""
    if not trailer:
        return None
    if not flow.request.http_version.startswith(("HTTP/2", "HTTP/3")):
        _once(
            "replay-h1",
            "%s %s: the recorded response has trailers (%s); replayed without them to "
            "HTTP/1.1 clients: %s",
            flow.request.method,
            flow.request.pretty_url,
            ", ".join(trailer),
            H1_LIMIT,
        )
        return None
    return to_wire(trailer)


def announced_h1_trailers(flow: http.HTTPFlow) -> bool:
    """Whether an HTTP/1.1 upstream announced trailers for this chunked response: mitmproxy
    would crash reading them and leave the client hanging. The caller kills the flow; this says
    why, once per process (the upstream report)."""
    resp = flow.response
    if resp is None or not resp.http_version.startswith("HTTP/1"):
        return False
    if "trailer" not in resp.headers:
        return False
    if "chunked" not in resp.headers.get("transfer-encoding", "").lower():
        return False
    log.error(
        "%s %s: the upstream announced HTTP/1.1 trailers (%s); %s, so the exchange is closed "
        "now instead of leaving the client to time out (not recorded)",
        flow.request.method,
        flow.request.pretty_url,
        resp.headers["trailer"],
        H1_LIMIT,
    )
    return True


def drop_for_h1_client(flow: http.HTTPFlow) -> None:
    """Trailers that reached an HTTP/1.1 client's flow (from an h2 upstream) cannot be sent by
    mitmproxy's HTTP/1 server (it would crash): drop them from what is sent, after recording."""
    resp = flow.response
    if resp is None or not resp.trailers:
        return
    if flow.request.http_version.startswith(("HTTP/2", "HTTP/3")):
        return
    _once(
        "live-h1",
        "%s %s: trailers not forwarded to an HTTP/1.1 client: %s",
        flow.request.method,
        flow.request.pretty_url,
        H1_LIMIT,
    )
    resp.trailers = None
