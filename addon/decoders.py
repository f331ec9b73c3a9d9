"""Incremental HTTP content decoders: one small class per content coding, and a registry.

The shape is httpx's `_decoders.py`: each decoder takes the encoded bytes in pieces as they
arrive (`decode(chunk) -> bytes`) and returns what those pieces decode to at once, so a stream's
timing carries over to its decoded bytes and nothing is buffered; `flush() -> bytes` ends it.
The codings are those a client can negotiate through mitmproxy 11 and 12 (RFC 9110 section 8.4.1
and the IANA registry): `gzip` (and `x-gzip`), `deflate` (zlib-wrapped as the RFC says, or raw
deflate as some servers send), `br` and `zstd`. The libraries are the ones mitmproxy itself ships:
brotli through the `brotli` binding (`process()`) or `brotlicffi` (`decompress()`); zstd through
`compression.zstd` (Python 3.14), `backports.zstd` (mitmproxy 12) or `zstandard` (mitmproxy 11).

Use:
    decoder = decoder_for(headers.get("content-encoding", ""))   # None: nothing to decode
    for chunk in chunks: out.append(decoder.decode(chunk))
    out.append(decoder.flush())
    decode(body, "gzip")                      # a whole body at once, at most MAX_DECODED bytes
    for piece in decoder.pieces(chunk, 1 << 20): ...   # a chunk's output, 1 MiB at a time

Bounds: a few KB of gzip inflate to gigabytes (a decompression bomb; zstd and brotli go further:
one 64 KiB chunk can hold terabytes). Every decoder makes its output in bounded pieces
(`pieces(data, size)`: zlib's and zstd's `max_length`, brotli's `output_buffer_limit`), so
nothing here allocates more than `size` at a time, and `decode` stops with `TooLarge` once the
output would pass `max_size` (MAX_DECODED by default) instead of inflating it whole.

Errors: `UnsupportedEncoding` (a coding with no decoder here: the caller keeps the bytes as they
are), `DecodingError` (the bytes are not valid for their coding, or end mid-stream on flush) and
`TooLarge` (the output passes the bound); all are `ValueError`s.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

__all__ = [
    "ContentDecoder",
    "DecodingError",
    "MAX_DECODED",
    "TooLarge",
    "UnsupportedEncoding",
    "DECODERS",
    "decode",
    "decode_prefix",
    "decoder_for",
    "codings",
    "ContentEncoder",
    "encoder_for",
]


class DecodingError(ValueError):
    """The bytes are not valid for their content coding (or stop before its end, on flush)."""


# The most a whole body is decoded to (`decode`): well past any AI API answer (the largest, file
# downloads, are capped at 512 MB by the APIs and rarely compressed), low enough that a tool
# holding it twice stays under a GiB.
MAX_DECODED = 256 << 20

# The most one step of a decoder makes at once (`pieces`), when the caller gives no size.
PIECE = 1 << 20


class TooLarge(ValueError):
    """The decoded body would pass `limit` bytes (a decompression bomb, or a body too large to
    hold decoded); nothing past the limit was made."""

    def __init__(self, coding: str, limit: int) -> None:
        super().__init__(f"{coding} body decodes to more than {_size(limit)}")
        self.coding = coding
        self.limit = limit


def _size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


class UnsupportedEncoding(ValueError):
    """A content coding with no decoder here (unknown, or its library is not installed)."""

    def __init__(self, coding: str) -> None:
        super().__init__(f"no decoder for content coding {coding!r}")
        self.coding = coding


class ContentDecoder:
    """Base: `decode()` (or `pieces()`) each encoded piece, then `flush()` once at the end."""

    def pieces(self, data: bytes, size: int = PIECE) -> Iterator[bytes]:
        """What `data` decodes to (after the pieces before it), as pieces of about `size` bytes
        at most, made one at a time (the memory one piece takes, whatever the ratio).
        Raises `DecodingError`."""
        raise NotImplementedError

    def decode(self, data: bytes) -> bytes:
        """What `data` decodes to, whole: for a stream's chunk whose output the caller takes
        anyway (`pieces` bounds it). Raises `DecodingError`."""
        return b"".join(self.pieces(data))

    def flush(self) -> bytes:
        return b""


class IdentityDecoder(ContentDecoder):
    def pieces(self, data: bytes, size: int = PIECE) -> Iterator[bytes]:
        if data:
            yield data

    def decode(self, data: bytes) -> bytes:
        return data


class _ZlibDecoder(ContentDecoder):
    """zlib's decompressobj with the framing `wbits` picks; a new object per concatenated member
    (Go's gzip reader and `gzip.decompress` read multi-member gzip too)."""

    wbits = zlib.MAX_WBITS

    def __init__(self) -> None:
        self._obj = zlib.decompressobj(self.wbits)
        self._seen = False

    def pieces(self, data: bytes, size: int = PIECE) -> Iterator[bytes]:
        if not data:
            return
        self._seen = True
        try:
            while True:
                out = self._obj.decompress(data, size)  # (at most `size`; the rest waits)
                data = self._obj.unconsumed_tail
                if out:
                    yield out
                if self._obj.eof:
                    if not self._obj.unused_data:
                        return
                    data = self._obj.unused_data  # (the next member)
                    self._obj = zlib.decompressobj(self.wbits)
                elif not data and len(out) < size:
                    return  # (all input read, and room was left: nothing is pending)
        except zlib.error as e:
            raise DecodingError(str(e)) from e

    def flush(self) -> bytes:
        try:
            out = self._obj.flush()
        except zlib.error as e:
            raise DecodingError(str(e)) from e
        if self._seen and not self._obj.eof:
            raise DecodingError("the encoded data ends before its end marker")
        return out


class GZipDecoder(_ZlibDecoder):
    wbits = 16 + zlib.MAX_WBITS  # gzip header and trailer only


class DeflateDecoder(ContentDecoder):
    """HTTP `deflate` is zlib-wrapped (RFC 9110 8.4.1.2), but some servers send raw deflate:
    the first two bytes tell which (a zlib header is CM=8 and a multiple of 31)."""

    def __init__(self) -> None:
        self._head = b""
        self._inner: _ZlibDecoder | None = None

    def pieces(self, data: bytes, size: int = PIECE) -> Iterator[bytes]:
        if self._inner is None:
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, b""
            cmf, flg = data[0], data[1]
            self._inner = _ZlibDecoder() if _is_zlib_header(cmf, flg) else _RawDeflateDecoder()
        yield from self._inner.pieces(data, size)

    def flush(self) -> bytes:
        if self._inner is None:
            if self._head:
                raise DecodingError("deflate data ends after one byte")
            return b""
        return self._inner.flush()


def _is_zlib_header(cmf: int, flg: int) -> bool:
    return cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0


class _RawDeflateDecoder(_ZlibDecoder):
    wbits = -zlib.MAX_WBITS


# An old brotli binding (no output_buffer_limit) gets this many bytes at a time: one meta-block
# (its header takes a few bytes) makes at most 16 MiB, so a step's output stays bounded.
_BROTLI_STEP = 16


def _brotli_factory(names: tuple[str, ...] = ("brotli", "brotlicffi"),
                    ) -> Callable[[], ContentDecoder] | None:
    # A binding whose output can be bounded first (`output_buffer_limit`, brotli >= 1.2,
    # brotlicffi >= 1.2: mitmproxy 11 pins brotli 1.1, so Python 3.11 gets brotlicffi too).
    found = []
    for name in names:
        try:
            module = __import__(name)
        except ImportError:
            continue
        found.append(module)
        if hasattr(module.Decompressor(), "can_accept_more_data"):
            found = [module]
            break
    if not found:
        return None
    brotli = found[0]
    limited = hasattr(brotli.Decompressor(), "can_accept_more_data")

    class BrotliDecoder(ContentDecoder):
        def __init__(self) -> None:
            self._obj = brotli.Decompressor()
            # The two bindings name the same call differently: adapt once, here.
            self._process = getattr(self._obj, "process", None) or self._obj.decompress
            self._seen = False

        def pieces(self, data: bytes, size: int = PIECE) -> Iterator[bytes]:
            if not data:
                return
            self._seen = True
            try:
                if not limited:  # (an old binding: a few bytes at a time, see _brotli_factory)
                    for i in range(0, len(data), _BROTLI_STEP):
                        if out := self._process(data[i:i + _BROTLI_STEP]):
                            yield out
                    return
                out = self._process(data, output_buffer_limit=size)
                while out:  # (a full piece: more may be pending, asked for with no input)
                    yield out
                    out = self._process(b"", output_buffer_limit=size)
            except brotli.error as e:
                raise DecodingError(str(e) or "invalid brotli data") from e

        def flush(self) -> bytes:
            if self._seen and not self._obj.is_finished():
                raise DecodingError("the brotli stream ends before its last block")
            return b""

    return BrotliDecoder


# zstandard (no max_length) gets this many bytes at a time: a zstd block makes at most 128 KiB
# from 4 bytes, so a step makes at most 32 MiB.
_ZSTD_STEP = 1024


def _zstd_factory(limited_ok: bool = True) -> Callable[[], ContentDecoder] | None:
    """(`limited_ok=False`: zstandard's, for the tests of that path.)"""
    try:
        from compression import zstd  # Python 3.14
    except ImportError:
        try:
            from backports import zstd  # mitmproxy 12's dependency; ours on 3.11
        except ImportError:
            zstd = None
    if not limited_ok:
        zstd = None
    limited = zstd is not None  # (zstandard's decompressobj has no max_length)
    if zstd is not None:
        new, error = zstd.ZstdDecompressor, zstd.ZstdError
    else:
        try:
            import zstandard  # mitmproxy 11's dependency
        except ImportError:
            return None
        error = zstandard.ZstdError

        def new():
            return zstandard.ZstdDecompressor().decompressobj()

    class ZstdDecoder(ContentDecoder):
        """One decompressor per zstd frame: a body may hold several (RFC 8878 section 3.1)."""

        def __init__(self) -> None:
            self._obj = new()
            self._seen = False

        def pieces(self, data: bytes, size: int = PIECE) -> Iterator[bytes]:
            if not data:
                return
            self._seen = True
            try:
                if not limited:  # (a block of 4 bytes makes 128 KiB: a few at a time)
                    for i in range(0, len(data), _ZSTD_STEP):
                        yield from self._unlimited(data[i:i + _ZSTD_STEP])
                    return
                while True:
                    out = self._obj.decompress(data, size)
                    data = b""
                    if out:
                        yield out
                    if self._obj.eof:
                        if not self._obj.unused_data:
                            return
                        data = self._obj.unused_data  # (the next frame)
                        self._obj = new()
                    elif self._obj.needs_input:
                        return
            except (error, EOFError) as e:
                raise DecodingError(str(e) or "invalid zstd data") from e

        def _unlimited(self, data: bytes) -> Iterator[bytes]:
            out = self._obj.decompress(data)
            while self._obj.eof and self._obj.unused_data:
                if out:
                    yield out
                rest = self._obj.unused_data
                self._obj = new()
                out = self._obj.decompress(rest)
            if out:
                yield out

        def flush(self) -> bytes:
            if self._seen and not self._obj.eof:
                raise DecodingError("the zstd stream ends before its last frame ends")
            return b""

    return ZstdDecoder


class MultiDecoder(ContentDecoder):
    """`Content-Encoding: gzip, br`: codings were applied in the order listed, so decode in
    reverse (RFC 9110 8.4)."""

    def __init__(self, decoders: list[ContentDecoder]) -> None:
        self._decoders = list(reversed(decoders))

    def pieces(self, data: bytes, size: int = PIECE) -> Iterator[bytes]:
        return self._chain(0, data, size)

    def _chain(self, k: int, data: bytes, size: int) -> Iterator[bytes]:
        if k == len(self._decoders):
            if data:
                yield data
            return
        for piece in self._decoders[k].pieces(data, size):
            yield from self._chain(k + 1, piece, size)

    def flush(self) -> bytes:
        data = b""
        for d in self._decoders:
            data = d.decode(data) + d.flush() if data else d.flush()
        return data


def _registry() -> dict[str, Callable[[], ContentDecoder]]:
    reg: dict[str, Callable[[], ContentDecoder]] = {
        "identity": IdentityDecoder,
        "gzip": GZipDecoder,
        "x-gzip": GZipDecoder,  # RFC 9110 8.4.1.3: a recipient should treat it as gzip
        "deflate": DeflateDecoder,
    }
    # br and zstd: their bindings (brotlicffi, backports.zstd: 25-40 ms) are imported with the
    # first such body, not with this module (`vcrproxy show`, `check` start without them).
    if _found("brotli", "brotlicffi"):
        reg["br"] = _lazy("br", _brotli_factory)
    if _found("compression.zstd", "backports.zstd", "zstandard"):
        reg["zstd"] = _lazy("zstd", _zstd_factory)
    return reg


def _found(*modules: str) -> bool:
    from importlib.util import find_spec

    for name in modules:
        try:
            if find_spec(name) is not None:
                return True
        except ImportError:  # (a parent package that is not there)
            continue
    return False


def _lazy(coding: str, make: Callable[[], Callable[[], ContentDecoder] | None],
          ) -> Callable[[], ContentDecoder]:
    """A decoder factory that makes its class (`make()`) on first use."""
    made: list[Callable[[], ContentDecoder] | None] = []

    def new() -> ContentDecoder:
        if not made:
            made.append(make())
        if made[0] is None:
            raise UnsupportedEncoding(coding)
        return made[0]()

    return new


DECODERS: dict[str, Callable[[], ContentDecoder]] = _registry()
"""Content coding (lower case) -> a new decoder; only codings whose library is importable."""


def codings(content_encoding: str) -> list[str]:
    """`"gzip, BR"` -> `["gzip", "br"]` (lower case, identity and empty items dropped)."""
    out = []
    for item in content_encoding.split(","):
        name = item.strip().lower()
        if name and name != "identity":
            out.append(name)
    return out


def decoder_for(content_encoding: str) -> ContentDecoder | None:
    """A new decoder for a `Content-Encoding` value, or None when there is nothing to decode.

    Raises `UnsupportedEncoding` naming the first coding with no decoder here.
    """
    names = codings(content_encoding)
    if not names:
        return None
    for name in names:
        if name not in DECODERS:
            raise UnsupportedEncoding(name)
    if len(names) == 1:
        return DECODERS[names[0]]()
    return MultiDecoder([DECODERS[n]() for n in names])


def decode(data: bytes, content_encoding: str, max_size: int = MAX_DECODED) -> bytes:
    """A whole body decoded per its `Content-Encoding` value (unchanged when there is none),
    `max_size` bytes at most (memory: that, plus one piece, plus the joined copy).

    Raises `UnsupportedEncoding`, `DecodingError` (also for a body that is cut short) or
    `TooLarge` (it decodes to more than `max_size` bytes; decoding stops there).
    """
    decoder = decoder_for(content_encoding)
    if decoder is None:
        return data
    out = []
    total = 0
    for piece in decoder.pieces(data, min(PIECE, max_size + 1)):
        total += len(piece)
        if total > max_size:
            raise TooLarge(",".join(codings(content_encoding)), max_size)
        out.append(piece)
    out.append(decoder.flush())
    return b"".join(out)


def decode_prefix(data: bytes, content_encoding: str, step: int = 16384,
                  max_size: int = MAX_DECODED) -> bytes:
    """What the readable start of a body decodes to, for one whose coding fails part-way
    (`decode` raised DecodingError): found `step` bytes at a time, then byte by byte within the
    step that fails, so only the output of bytes that do not decode is lost (for gzip at a sync
    flush, everything before the bad byte). Raises `UnsupportedEncoding`, or `TooLarge` when
    that start decodes to more than `max_size` bytes."""
    decoder = decoder_for(content_encoding)
    if decoder is None:
        return data
    name = ",".join(codings(content_encoding))
    out: list[bytes] = []
    total = 0

    def take(decoder: ContentDecoder, piece: bytes) -> None:
        nonlocal total
        for made in decoder.pieces(piece, min(PIECE, max_size + 1)):
            total += len(made)
            if total > max_size:
                raise TooLarge(name, max_size)
            out.append(made)

    good = 0  # bytes known to decode (pass 1: whole steps)
    try:
        for good in range(0, len(data), step):
            take(decoder, data[good:good + step])
        out.append(decoder.flush())
        return b"".join(out)  # (it all decodes)
    except DecodingError:
        pass
    decoder = decoder_for(content_encoding)
    out, total = [], 0
    take(decoder, data[:good])
    try:
        for i in range(good, min(good + step, len(data))):
            take(decoder, data[i:i + 1])
    except DecodingError:
        pass
    return b"".join(out)


# -- encoding back: a body decoded to be cut into events, sent in its stored coding --------------


class ContentEncoder:
    """Encodes a body piece by piece in one content coding: `chunk(piece)` returns its bytes
    flushed, so a client decodes each piece on arrival (as servers flush compressed SSE), and
    `finish()` the coding's end (send it only after the last piece). Used by replay faults
    (`cut`, `stall`) on a body the cassette holds encoded."""

    def __init__(self, chunk: Callable[[bytes], bytes], finish: Callable[[], bytes]) -> None:
        self.chunk = chunk
        self.finish = finish


def _zlib_encoder(wbits: int) -> ContentEncoder:
    z = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return ContentEncoder(lambda d: z.compress(d) + z.flush(zlib.Z_SYNC_FLUSH), z.flush)


def _brotli_encoder() -> ContentEncoder:
    try:
        import brotli
    except ImportError:
        import brotlicffi as brotli
    b = brotli.Compressor()
    return ContentEncoder(lambda d: b.process(d) + b.flush(), b.finish)


def _zstd_encoder() -> ContentEncoder:
    try:
        from compression import zstd
    except ImportError:
        try:
            from backports import zstd
        except ImportError:
            zstd = None
    if zstd is not None:
        c = zstd.ZstdCompressor()
        return ContentEncoder(lambda d: c.compress(d, mode=c.FLUSH_BLOCK),
                              lambda: c.flush(mode=c.FLUSH_FRAME))
    import zstandard

    o = zstandard.ZstdCompressor().compressobj()
    return ContentEncoder(lambda d: o.compress(d) + o.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK),
                          o.flush)


_ENCODERS: dict[str, Callable[[], ContentEncoder]] = {
    "gzip": lambda: _zlib_encoder(16 + zlib.MAX_WBITS),
    "x-gzip": lambda: _zlib_encoder(16 + zlib.MAX_WBITS),
    "deflate": lambda: _zlib_encoder(zlib.MAX_WBITS),  # zlib-wrapped, as RFC 9110 8.4.1.2 says
    "br": _brotli_encoder,
    "zstd": _zstd_encoder,
}


def encoder_for(content_encoding: str) -> ContentEncoder | None:
    """A new encoder for a `Content-Encoding` value (codings applied in the order listed), or
    None when it names none. Raises `UnsupportedEncoding` for a coding that cannot be decoded
    here (then there is nothing to encode back either)."""
    names = codings(content_encoding)
    if not names:
        return None
    for name in names:
        if name not in DECODERS or name not in _ENCODERS:
            raise UnsupportedEncoding(name)
    layers = [_ENCODERS[n]() for n in names]
    if len(layers) == 1:
        return layers[0]

    def chunk(data: bytes) -> bytes:
        for layer in layers:
            data = layer.chunk(data)
        return data

    def finish() -> bytes:
        data = b""
        for layer in layers:
            data = layer.chunk(data) + layer.finish() if data else layer.finish()
        return data

    return ContentEncoder(chunk, finish)
