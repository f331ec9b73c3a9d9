"""Replay responses built without mitmproxy's debug-time type check on every request.

`http.Response.__init__` runs `MessageData.__post_init__`, a per-field type check that only runs
when Python is not started with -O (`if __debug__`): about 40 µs, a twentieth of the CPU of a
replayed h2 request. So each recorded response is built once through the public constructor
(checked) and every replay takes a shallow copy with its own headers and timestamps. This relies on
`Response.data` being a copyable dataclass; tests/test_mitmproxy_contract.py fails if it changes.
The header fields sent for a recorded response are likewise computed once per (response, h2 or
not, HEAD or not): `replay_answer`.
"""

from __future__ import annotations

import time

from mitmproxy import http

from .cassette import Response
from .flows import bodiless, is_stream, reason_phrase, replay_headers

_MAX = 4096  # templates kept; cleared when full (they pin their recorded responses)
_templates: dict[int, tuple[Response, http.Response]] = {}
_heads: dict[tuple[int, bool, bool], tuple[Response, tuple[tuple[bytes, bytes], ...]]] = {}


def _template(recorded: Response) -> http.Response:
    entry = _templates.get(id(recorded))
    if entry is not None and entry[0] is recorded:
        return entry[1]
    if len(_templates) >= _MAX:
        _templates.clear()
    reason = reason_phrase(recorded).encode("utf-8", "replace")
    template = http.Response(b"HTTP/1.1", recorded.code, reason, http.Headers(), b"", None, 0, 0)
    template.raw_content = recorded.body_bytes  # as recorded: no re-encoding, no header rewrite
    _templates[id(recorded)] = (recorded, template)
    return template


def replay_response(
    recorded: Response, headers: http.Headers, *, bodiless: bool = False
) -> http.Response:
    """A fresh mitmproxy response for `recorded`, carrying `headers` (owned by the caller);
    `bodiless` (a HEAD answer, 1xx/204/304) sends no body bytes even if some were recorded."""
    template = _template(recorded)
    # Shallow copies (what copy.copy makes of these plain objects, without its protocol).
    data = object.__new__(type(template.data))
    data.__dict__.update(template.data.__dict__)
    data.headers = headers
    if bodiless:
        data.content = b""
    data.timestamp_start = data.timestamp_end = time.time()
    response = object.__new__(type(template))
    response.__dict__.update(template.__dict__)
    response.data = data
    return response


def replay_answer(recorded: Response, *, h2: bool, method: str,
                  http10: bool = False) -> http.Response:
    """The response replaying `recorded` to a `method` request over h2 or HTTP/1.1: its head as
    `flows.replay_headers` frames it (computed once per response, h2, HEAD-or-not and HTTP/1.0),
    its body unless the answer is bodiless. `http10`: an HTTP/1.0 request knows no chunked
    coding (RFC 9112 6.1: no Transfer-Encoding to it): a stream goes with a Content-Length."""
    head = method.upper() == "HEAD"
    key = (id(recorded), h2, head, http10)
    entry = _heads.get(key)
    if entry is None or entry[0] is not recorded:
        if len(_heads) >= _MAX:
            _heads.clear()
        fields = replay_headers(recorded, len(recorded.body_bytes), h2=h2,
                                stream=is_stream(recorded) and not http10, method=method).fields
        entry = _heads[key] = (recorded, fields)
    return replay_response(recorded, http.Headers(entry[1]),
                           bodiless=bodiless(recorded.code, method))
