"""mitmproxy flow <-> cassette Interaction, with fields as go-vcr would write them.

go-vcr records from the Go client side of an http.Client; we sit in the middle, so each field is
derived from what crossed the wire the way Go's net/http would have exposed it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from urllib.parse import urlsplit

from mitmproxy import http
from mitmproxy.connection import ConnectionState

from . import decoders, forms, trailers
from .cassette import Interaction, Request, Response, status_parts
from .headers import canonical_header_name, clean_field_value
from .hosts import ascii_host, split_netloc
from .yamlv3 import go_key_sorted

# Never replayed or recorded as headers: connection-level, or carried in dedicated fields.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "http2-settings",
    }
)
_REQUEST_DROP = HOP_BY_HOP | {"host", "content-length"}
_DECODED_DROP = _REQUEST_DROP | {"content-encoding"}

log = logging.getLogger("vcrproxy")

# flow.metadata key: [[offset_ms, size], ...] of the response chunks, from the recording or the
# cassette (the `LLM` contentview shows the time to the first chunk and token from it).
CHUNKS_METADATA = "vcrproxy_chunks"


def _proto(http_version: str) -> tuple[str, int, int]:
    if http_version.startswith("HTTP/2"):
        return "HTTP/2.0", 2, 0
    if http_version.startswith("HTTP/3"):
        return "HTTP/3.0", 3, 0
    if http_version == "HTTP/1.0":
        return "HTTP/1.0", 1, 0
    return "HTTP/1.1", 1, 1


def _request_proto(http_version: str) -> tuple[str, int, int]:
    """The request `proto` as go-vcr writes it: the Go client's http.Request says HTTP/1.1 (what
    http.NewRequest sets) whatever the transport then speaks, h2 included (all 590 requests of
    the real go-vcr corpus, 580 of them answered over h2). Only an HTTP/1.0 client differs."""
    if http_version == "HTTP/1.0":
        return "HTTP/1.0", 1, 0
    return "HTTP/1.1", 1, 1


def request_url(req: http.Request) -> str:
    """The URL as Go writes it: an IPv6 literal host in brackets (`https://[::1]:8443/v1`; RFC
    3986 3.2.2). mitmproxy's `req.url` leaves it bare (`https://::1:8443/v1`), which
    `urlsplit().port` cannot read."""
    url = req.url  # computed by mitmproxy on each access (host IDNA-decoded): once here
    host = req.host
    if ":" in host and not host.startswith("["):
        default = (req.scheme, req.port) in (("https", 443), ("http", 80))
        authority = f"[{host}]" if default else f"[{host}]:{req.port}"
        url = f"{req.scheme}://{authority}{req.path}"
    elif not host.isascii():  # (an IDN host as the client sent it, as Go writes it: IDNA)
        default = (req.scheme, req.port) in (("https", 443), ("http", 80))
        host = ascii_host(host)
        url = f"{req.scheme}://{host if default else f'{host}:{req.port}'}{req.path}"
    if _URL_CONTROLS.search(url):
        # A raw control character or space in the target (mitmproxy's HTTP/1 parser lets \x00,
        # \x01, \x7f... through; an h2 :path may hold a space) as Go's URL.String() writes it:
        # percent-encoded. Written raw it made a cassette replay refuses whole (schema.py).
        url = _URL_CONTROLS.sub(lambda m: f"%{ord(m.group()):02X}", url)
    return url


_URL_CONTROLS = re.compile(r"[\x00-\x20\x7f]")


def field_value(raw: bytes, encoding: str = "utf-8") -> str:
    """A header value (or, in latin-1, a reason phrase) as recorded: valid on the wire
    (headers.clean_field_value: each CTL but HTAB as SP, RFC 9110 5.5). mitmproxy relays what
    a lenient upstream sent; recorded as it came, a CR/LF/NUL makes a cassette replay refuses
    (schema.py), and any other CTL one an HTTP/2 client rejects whole when replayed. Bytes that
    are not UTF-8 (obs-text, 0x80-0xFF, valid in a field value: a latin-1 filename) are kept as
    surrogateescape's U+DC80-U+DCFF, so the cassette holds them (`!!binary`, as go-vcr writes a
    Go string that is not UTF-8) and replay sends them back byte for byte."""
    return clean_field_value(raw.decode(encoding, "surrogateescape"))


def _header_map(headers: http.Headers, drop: frozenset[str] | set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in headers.fields:
        key = name.decode("latin-1")
        if key.lower() in drop or key.startswith(":"):
            continue
        out.setdefault(canonical_header_name(key), []).append(field_value(value))
    return out


def text_or_bytes(raw: bytes) -> str | bytes:
    """go-vcr bodies are strings; bytes that are not UTF-8 are written as `!!binary`."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _form(req: http.Request, url: str, body: bytes) -> dict[str, list[str]] | None:
    # Go's Request.Form after ParseForm (go-vcr v4's default matcher compares it): the values
    # of a urlencoded POST/PUT/PATCH body (media type in any case, as mime.ParseMediaType
    # reads it) first, then the URL query's; pairs Go cannot read left out; percent-escapes of
    # bytes that are not UTF-8 (`?q=%E9`) stay those bytes, as in a Go string (surrogateescape).
    form: dict[str, list[str]] = {}
    if req.method in ("POST", "PUT", "PATCH") and forms.is_form(
        req.headers.get("content-type", "")
    ):
        for key, value in forms.go_query_pairs(body.decode("utf-8", "surrogateescape")):
            form.setdefault(key, []).append(value)
    if "?" in url:  # most API calls have no query: skip the parse (it runs on every request)
        for key, value in forms.go_query_pairs(urlsplit(url).query):
            form.setdefault(key, []).append(value)
    return form or None


def request_body(req: http.Request) -> tuple[bytes, bool]:
    """The request body decoded per its Content-Encoding (telemetry and batch exporters gzip
    theirs), and whether it was: matching, redaction and miss texts need what was meant, not
    bytes that change with a gzip timestamp. A coding with no decoder, or bytes that do not
    decode, stay as sent."""
    raw = req.raw_content or b""
    coding = req.headers.get("content-encoding", "")
    if not raw or not coding:
        return raw, False
    try:
        return decoders.decode(raw, coding), True
    except decoders.TooLarge as e:  # (a bomb: never inflated past decoders.MAX_DECODED)
        log.warning("%s %s: request body kept as sent: %s", req.method, req.pretty_url, e)
        return raw, False
    except ValueError as e:  # UnsupportedEncoding, DecodingError
        log.debug("%s %s: request body kept as sent: %s", req.method, req.pretty_url, e)
        return raw, False


def _same_authority(a: str, b: str, scheme: str) -> bool:
    """Whether two `host[:port]` name one authority: host names in any case (RFC 9110 4.2.3),
    the scheme's default port written or not (`api.example:443` is `api.example` in https)."""
    if a == b:
        return True
    default = "443" if scheme in ("https", "wss") else "80"
    (ha, pa), (hb, pb) = split_netloc(a.lower()), split_netloc(b.lower())
    return ha == hb and (pa or default) == (pb or default)


def request_to_model(req: http.Request) -> Request:
    """The live request as go-vcr would record it, except that an encoded body is stored
    decoded, without its Content-Encoding header (like a decoded response, whose Go transport
    drops the header too), so that it can be matched, redacted and read."""
    proto, major, minor = _request_proto(req.http_version)
    body, decoded = request_body(req)
    chunked = "chunked" in req.headers.get("transfer-encoding", "").lower()
    # Host is only recorded when it overrides the URL's authority (Go's Request.Host).
    host_header = ascii_host(req.host_header or "")  # (h2's :authority comes decoded)
    url = request_url(req)
    authority = urlsplit(url).netloc
    host = host_header if host_header and not _same_authority(
        host_header, authority, req.scheme) else ""
    return Request(
        proto=proto,
        proto_major=major,
        proto_minor=minor,
        content_length=-1 if chunked and not body else len(body),
        transfer_encoding=["chunked"] if chunked else None,
        host=host,
        body=text_or_bytes(body),
        form=_form(req, url, body),
        headers=_header_map(req.headers, _DECODED_DROP if decoded else _REQUEST_DROP),
        trailer=trailers.to_model(req.trailers),
        url=url,
        method=req.method,
    )


# Live requests converted by replay, by their raw parts (see shared_request_model).
_SHARED_MAX = 256
_SHARED_BODY_MAX = 1 << 16
_shared: dict[tuple, Request] = {}


def shared_request_model(req: http.Request) -> Request:
    """`request_to_model(req)` memoised by the request's raw parts (version, method, scheme, host,
    port, authority, path, header fields, body, trailer fields: all it is computed from), for
    replay: retries, test suites and load tests send the same request again and again, and the
    conversion is about a fifth of vcrproxy's own work per replayed request. The result is
    shared, so it must not be changed (the recorder redacts its request in place: it gets
    `request_to_model`'s own). Bodies over 64 KiB are converted each time (a key would keep
    them alive); at most 256 are kept."""
    d = req.data
    body = d.content
    if body is not None and len(body) > _SHARED_BODY_MAX:
        return request_to_model(req)
    key = (
        d.http_version, d.method, d.scheme, d.host, d.port, d.authority, d.path,
        d.headers.fields, body, None if d.trailers is None else d.trailers.fields,
    )
    model = _shared.get(key)
    if model is None:
        if len(_shared) >= _SHARED_MAX:
            _shared.clear()
        model = _shared[key] = request_to_model(req)
    return model


def reason_phrase(resp: Response) -> str:
    """The reason phrase replay sends after `resp.code`: the recorded `status` text's, unless
    that text names another code (a hand-edited cassette), then the standard one for `code`.

    go-vcr's rule: `code` is the status (Go's `Response.StatusCode`), `status` only its text, so
    instant and paced replay send one status code, the same as go-vcr replays (schema.py has
    `vcrproxy check` report the disagreement)."""
    code, reason = status_parts(resp.status)
    if code is not None and code != resp.code:
        from mitmproxy.net.http import status_codes

        return status_codes.RESPONSES.get(resp.code, "")
    return clean_field_value(reason)  # (no CTL: RFC 9112 4)


def status_line(resp: http.Response) -> str:
    from mitmproxy.net.http import status_codes

    reason = (field_value(resp.data.reason, "latin-1")  # (as mitmproxy's Response.reason)
              or status_codes.RESPONSES.get(resp.status_code, ""))
    return f"{resp.status_code} {reason}".rstrip()


def response_to_model(
    flow: http.HTTPFlow,
    body: bytes,
    *,
    decoded: bool,
    chunks: list[tuple[float, int]] | None,
) -> Response:
    """Build the recorded response. `body` is what to store (decoded if `decoded`)."""
    resp = flow.response
    assert resp is not None
    proto, major, minor = _proto(resp.http_version)
    headers = flow.metadata.get(_SENT_HEADERS) or resp.headers  # (hold_end_for_write)
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    # Go's transport moves the `Trailer` announcement into Response.Trailer, filled at the end.
    drop = {"transfer-encoding", "trailer"}
    if decoded:
        # Like Go's transport after transparent gunzip: no encoding/length, `uncompressed: true`.
        drop |= {"content-encoding", "content-length"}
    length = headers.get("content-length")
    if decoded or length is None or not length.isdigit():
        content_length = -1
    else:
        content_length = int(length)
    if flow.request.method != "HEAD" and (
        resp.status_code < 200 or resp.status_code in (204, 304)
    ):
        # No body by its status, whatever a Content-Length says (a 304 gives the selected
        # representation's): Go's ContentLength is 0 (transfer.go fixLength), so go-vcr's.
        content_length = 0
    extra = {}
    if chunks:
        from .cassette import CHUNKS_KEY

        extra[CHUNKS_KEY] = [[round(at, 3), size] for at, size in chunks]
    start = flow.request.timestamp_end or flow.request.timestamp_start
    headers_at = resp.timestamp_start or start
    return Response(
        proto=proto,
        proto_major=major,
        proto_minor=minor,
        transfer_encoding=["chunked"] if chunked else None,
        content_length=content_length,
        uncompressed=True if decoded else None,
        body=text_or_bytes(body),
        headers=_header_map(headers, frozenset(drop)),
        trailer=trailers.to_model(resp.trailers),
        status=status_line(resp),
        code=resp.status_code,
        duration_ns=max(0, int((headers_at - start) * 1e9)),
        extra=extra,
    )


# The response headers as the server sent them, where the client gets other framing.
_SENT_HEADERS = "vcrproxy.server_headers"


def hold_end_for_write(flow: http.HTTPFlow) -> None:
    """Let a recorded stream's end reach an HTTP/1.1 client only once its interaction is in the
    file, whatever the server's framing. A chunked body's last chunk and an h2 END_STREAM
    follow the response hook, which waits for the write; a Content-Length body's last byte is
    its end, sent before the hook (a kill -9 at that moment lost the interaction the client
    had). Such a body goes to the client chunked (RFC 9112 7.1: framing is hop-by-hop; the
    client drops the Content-Length, 6.3); the recording keeps the server's headers
    (`response_to_model`)."""
    resp = flow.response
    if (resp is None or flow.request.http_version != "HTTP/1.1" or bodiless(
            resp.status_code, flow.request.method) or "content-length" not in resp.headers
            or "transfer-encoding" in resp.headers):
        return
    flow.metadata[_SENT_HEADERS] = resp.headers.copy()
    del resp.headers["content-length"]
    resp.headers["transfer-encoding"] = "chunked"


def interaction_from_flow(
    flow: http.HTTPFlow,
    body: bytes,
    *,
    decoded: bool = False,
    chunks: list[tuple[float, int]] | None = None,
    request: Request | None = None,
) -> Interaction:
    """The flow as a go-vcr interaction. `request`: `request_to_model(flow.request)` when the
    caller has it already (a new-episodes flow was converted to be matched): not converted
    twice."""
    req = request if request is not None else request_to_model(flow.request)
    resp = response_to_model(flow, body, decoded=decoded, chunks=chunks)
    # Written as go-vcr writes them: `headers`, `form` and `trailer` are Go maps (http.Header,
    # url.Values), whose keys yaml.v3 sorts (sorter.go); the wire's order would make two files
    # of one exchange, and churn a re-recording whose SDK reorders its headers.
    return Interaction(
        id=-1,  # assigned when appended to a cassette
        request=replace(req, headers=_go_map(req.headers), form=_go_map(req.form),
                        trailer=_go_map(req.trailer)),
        response=replace(resp, headers=_go_map(resp.headers), trailer=_go_map(resp.trailer)),
    )


def _go_map(values: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
    if not values or len(values) < 2:
        return values
    return {key: values[key] for key in go_key_sorted(values)}


def made_answer(code: int, body: bytes, headers: dict[str, str], method: str) -> http.Response:
    """An answer of ours (a miss, an injected error): its body dropped when the request's
    method or the status says it has none (`bodiless`: a HEAD answer's body would be read as
    the next response on an HTTP/1.1 connection, and breaks an h2 stream)."""
    return http.Response.make(code, b"" if bodiless(code, method) else body, headers)


def client_hung_up(flow: http.HTTPFlow) -> bool:
    """The client went away mid-response, not the upstream. mitmproxy's messages for it
    (proxy/layers/http/_http1.py, _http2.py): HTTP/1 "Client disconnected."; HTTP/2 "stream
    reset by client (CANCEL)" for the stream, or "peer closed connection" for the connection,
    which an upstream's HTTP/2 connection gives too: then the client's side must be the one
    closed (the server loop clears CAN_READ before it reports the close)."""
    if flow.response is None or flow.error is None:
        return False
    msg = flow.error.msg
    return msg.startswith(("Client disconnected", "stream reset by client")) or (
        msg == "peer closed connection" and client_closed(flow))


# A bytes repr in a mitmproxy error (`illegal chunk header: bytearray(b'{"access_token": ...')`,
# `Bad HTTP request line: b'GET /?key=...'`): what a peer sent, as it sent it.
_BYTES_REPR = re.compile(r"""(?:bytearray\()?b(['"])(?:\\.|(?!\1).)*\1\)?""")


def error_text(flow: http.HTTPFlow) -> str:
    """The flow's error message as it may leave the proxy (then through redact_text): the
    bytes a peer sent, which mitmproxy quotes in protocol errors, left out (a token endpoint's
    JSON quoted whole: values named as credentials, that no shape masks)."""
    msg = flow.error.msg if flow.error else "unknown error"
    return _BYTES_REPR.sub("(the bytes received)", msg)


def client_closed(flow: http.HTTPFlow) -> bool:
    """Whether the client closed its side of the connection (the server loop clears CAN_READ
    as soon as it reads the end: seen while a hook still runs). An HTTP/1.1 client that left
    does so; an h2 client resets one stream instead, which this does not see."""
    return not flow.client_conn.state & ConnectionState.CAN_READ


def bodiless(code: int, method: str = "GET") -> bool:
    """Whether a response has no body and so no framing, whatever its headers say: the answer to
    a HEAD request, and every 1xx, 204 and 304 response (RFC 9110 6.4.1, RFC 9112 6.3)."""
    return code in (204, 304) or 100 <= code < 200 or method.upper() == "HEAD"


STREAM_TYPES = (
    "text/event-stream",
    "application/x-ndjson",
    "application/jsonl",
    "application/ndjson",
    "application/vnd.amazon.eventstream",
)


def is_stream_type(content_type: str) -> bool:
    """The one rule for streaming content types: SSE, NDJSON/JSONL, AWS event streams."""
    content_type = content_type.lower()
    return any(t in content_type for t in STREAM_TYPES)


def is_stream(resp: Response) -> bool:
    """Whether a recorded response was a stream (replayed chunked / as DATA frames)."""
    if bodiless(resp.code):
        return False
    return (
        resp.content_length < 0
        or bool(resp.transfer_encoding)
        or is_stream_type(",".join(resp.header_values("content-type")))
    )


# Bodies announced larger than this are streamed through too: buffered, mitmproxy would join and
# encrypt hundreds of MB in single calls on its event loop (a 200 MB body: stalls of 0.6-0.9 s
# for every other client, even in passthrough).
LARGE_BODY = 8 * 1024 * 1024


def streams(request: http.Request, response: http.Response, stream_from: int = LARGE_BODY
            ) -> bool:
    """Whether a live response is streamed (never buffered): a streaming content type, a body
    of unknown length or a large one (LARGE_BODY); never a response that has no body
    (`bodiless`: HEAD, 1xx, 204, 304; a 101's WebSocket messages go through the websocket
    hooks). `stream_from`: a lower size from which to stream (mitmproxy's stream_large_bodies,
    taken over by the VCR addon)."""
    if bodiless(response.status_code, request.method):
        return False
    if is_stream_type(response.headers.get("content-type", "")):
        return True
    try:
        return int(response.headers["content-length"]) > min(LARGE_BODY, stream_from)
    except (KeyError, ValueError):
        return "content-length" not in response.headers


def replay_headers(
    resp: Response, body_len: int, *, h2: bool, stream: bool, method: str = "GET"
) -> http.Headers:
    """Recorded headers as sent back to the client, framed per RFC 9112 6: hop-by-hop dropped;
    a body framed by a Content-Length recomputed for it, or (a stream over HTTP/1.1) chunked.
    A response without a body (`bodiless`) gets no framing: the recorded Content-Length stays
    as it was (a HEAD or 304 answer states the length of the body it does not carry), except on
    1xx and 204, which must not have one (RFC 9110 8.6)."""
    no_body = bodiless(resp.code, method)
    keep_length = no_body and resp.code != 204 and resp.code >= 200
    hop = HOP_BY_HOP
    if resp.uncompressed:
        # The body is stored decoded (Go's transport gunzipped it and dropped the coding); a
        # Content-Encoding left beside it (a hand edit) would make the client decode it again.
        hop = hop | {"content-encoding"}
    # RFC 9110 7.6.1: the fields a Connection header names are hop-by-hop as well
    connection = resp.header_values("connection")
    hop = hop | {o.strip().lower() for v in connection for o in v.split(",") if o.strip()}
    fields: list[tuple[bytes, bytes]] = []
    for name, values in resp.headers.items():
        low = name.lower()
        if low in hop or (low == "content-length" and not keep_length):
            continue
        for value in values:
            # (a cassette from elsewhere may hold a CTL: sent as the recorder would have kept it)
            value = clean_field_value(value)
            fields.append((name.encode("latin-1"), value.encode("utf-8", "surrogateescape")))
    if no_body:
        pass
    elif stream and not h2:
        fields.append((b"Transfer-Encoding", b"chunked"))
    elif not stream:
        fields.append((b"Content-Length", str(body_len).encode()))
    return http.Headers(fields)



# Bodies of requests that may stream both ways at once over HTTP/2: gRPC (bidi and client
# streaming), AWS event streams (Bedrock's InvokeModelWithBidirectionalStream).
_BIDI_TYPES = ("application/grpc", "application/vnd.amazon.eventstream")


def bidirectional(request: http.Request) -> bool:
    """Whether `request` may be a bidirectional stream: its client may wait for answers before
    it ends the request body (so a proxy must pass the body on as it comes)."""
    return (request.is_http2 or request.is_http3) and \
        request.headers.get("content-type", "").lower().startswith(_BIDI_TYPES)
