"""The cassette model: go-vcr `version: 2` as plain dataclasses.

Field names and order follow dnaeon/go-vcr `pkg/cassette/cassette.go`. Optional go-vcr keys are
`None` when absent from the file, so a loaded cassette writes back exactly the keys it had.
Keys the model does not know are kept in `extra` (in file order) and written back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Headers = dict[str, list[str]]

# Extra key of a response (ignored by go-vcr) holding per-chunk arrival times of a streamed body:
# a list of [offset_ms, size] pairs; offsets count from the end of the request (as `duration`
# does), sizes sum to the body length.
CHUNKS_KEY = "vcrproxy_chunks"
# Extra key of a `101 Switching Protocols` response (ignored by go-vcr) holding the WebSocket
# session that followed: every message both ways with its time and type, and the close (format in
# websocket.py).
WEBSOCKET_KEY = "vcrproxy_websocket"

REDACTED = "<REDACTED>"


class CassetteError(Exception):
    """A cassette that cannot be read or written; the message is one line for the user."""


# A file this small is read to tell whether it holds any YAML at all.
_BLANK_MAX = 4096


def blank_file(path: str, size: int) -> bool:
    """Whether the regular file at `path` holds no YAML document: nothing, or only blank lines
    and comments (`echo > c.yaml`, an editor's empty buffer with its final newline, a `#` note),
    which YAML reads as a stream of no documents (YAML 1.2 section 9.2): an empty cassette, to
    record into like a 0-byte file (modes.probe, CassetteWriter)."""
    if size == 0:
        return True
    if size > _BLANK_MAX:
        return False
    try:
        with open(path, "rb") as f:
            data = f.read(_BLANK_MAX + 1)
    except OSError:
        return False  # (the load that follows says why)
    return all(not line.strip() or line.lstrip().startswith(b"#") for line in data.splitlines())


def os_reason(e: OSError) -> str:
    """The real cause of an OSError, in one line: its strerror ("File name too long",
    "Permission denied", "Too many levels of symbolic links", as a shell prints it), else its
    text. The one place an OSError on a cassette path becomes words: the mode switch
    (modes.py), storage (store.py) and every command call this, never a guess such as
    "permission denied" for any failed stat."""
    return " ".join((e.strerror or str(e) or type(e).__name__).split())


def os_error(path: str, e: OSError, doing: str = "") -> CassetteError:
    """CassetteError `PATH: cannot DOING: CAUSE` (`PATH: CAUSE` without `doing`) for an
    OSError met on the cassette at `path` (os_reason gives the cause)."""
    return CassetteError(f"{path}: cannot {doing}: {os_reason(e)}" if doing
                         else f"{path}: {os_reason(e)}")


def header_values(headers: Mapping[str, list[str] | str] | None, name: str) -> list[str]:
    """Every value of header `name` in `headers`, any capitalisation (RFC 9110 5.1), in file
    order. `headers` is a cassette header map (`{name: [values]}`, names kept as recorded); a
    single string value counts as one (raw parts handed to `aiformats.summarize_exchange`).
    The one case-insensitive header lookup on the model: every other place calls this."""
    if not headers:
        return []
    name = name.lower()
    return [
        v for k, vs in headers.items() if k.lower() == name
        for v in ((vs,) if isinstance(vs, str) else vs)
    ]


def first_header(
    headers: Mapping[str, list[str] | str] | None, name: str, default: str = ""
) -> str:
    """The first value of header `name` in `headers` (see `header_values`), else `default`."""
    values = header_values(headers, name)
    return values[0] if values else default


class _HeaderAccess:
    """Case-insensitive reading of a model's `headers` (names are kept as recorded)."""

    headers: Headers

    def header_values(self, name: str) -> list[str]:
        """Every value of header `name`, any capitalisation, in file order."""
        return header_values(self.headers, name)

    def header(self, name: str, default: str | None = None) -> str | None:
        """The first value of header `name` (any capitalisation), else `default`."""
        values = self.header_values(name)
        return values[0] if values else default


@dataclass
class Request(_HeaderAccess):
    proto: str = "HTTP/1.1"
    proto_major: int = 1
    proto_minor: int = 1
    content_length: int = 0
    transfer_encoding: list[str] | None = None
    trailer: Headers | None = None
    host: str = ""
    remote_addr: str | None = None
    request_uri: str | None = None
    body: str | bytes = ""  # bytes only when not valid UTF-8 (`!!binary`)
    form: dict[str, list[str]] | None = None
    headers: Headers = field(default_factory=dict)
    url: str = ""
    method: str = "GET"
    extra: dict[str, Any] = field(default_factory=dict)
    # Key order as loaded (None: go-vcr's order). Kept so a loaded file saves back byte for byte.
    key_order: list[str] | None = field(default=None, repr=False, compare=False)

    @property
    def body_bytes(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else self.body.encode()


@dataclass
class Response(_HeaderAccess):
    proto: str = "HTTP/1.1"
    proto_major: int = 1
    proto_minor: int = 1
    transfer_encoding: list[str] | None = None
    trailer: Headers | None = None
    content_length: int = -1
    uncompressed: bool | None = None
    body: str | bytes = ""
    headers: Headers = field(default_factory=dict)
    status: str = "200 OK"
    code: int = 200
    duration_ns: int = 0  # `duration`, a Go time.Duration: time until the response headers arrived
    extra: dict[str, Any] = field(default_factory=dict)
    key_order: list[str] | None = field(default=None, repr=False, compare=False)

    @property
    def body_bytes(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else self.body.encode()

    @property
    def chunks(self) -> list[tuple[float, int]] | None:
        """Recorded (offset_ms, size) of each streamed chunk, if this response has them."""
        raw = self.extra.get(CHUNKS_KEY)
        if not isinstance(raw, list):
            return None
        try:
            out = [(float(at), int(size)) for at, size in raw]
        except (TypeError, ValueError, OverflowError):  # (OverflowError: int(inf))
            return None
        if any(not math.isfinite(at) or at < 0 or size < 0 for at, size in out):
            return None  # a plan that cannot be kept: the body is sent whole instead
        return out


@dataclass
class Interaction:
    id: int
    request: Request
    response: Response
    extra: dict[str, Any] = field(default_factory=dict)
    key_order: list[str] | None = field(default=None, repr=False, compare=False)


@dataclass
class Cassette:
    interactions: list[Interaction] = field(default_factory=list)
    version: int = 2
    extra: dict[str, Any] = field(default_factory=dict)
    # Layout to save in: "compact" (2-space, charm) or "indented" (4-space, plain go-vcr yaml.v3).
    layout: str = "compact"
    key_order: list[str] | None = field(default=None, repr=False, compare=False)
    path: str | None = field(default=None, compare=False)

    def next_id(self) -> int:
        return max((i.id for i in self.interactions), default=-1) + 1


def status_parts(status: str) -> tuple[int | None, str]:
    """A cassette's `status` text ("404 Not Found") as (its leading three-digit code or None,
    the reason phrase after it; the whole text when it starts with no code)."""
    head, _, rest = status.partition(" ")
    if len(head) == 3 and head.isascii() and head.isdigit():
        return int(head), rest
    return None, status
