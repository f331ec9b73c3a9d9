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
    decode(body, "gzip")                                          # a whole body at once

Errors: `UnsupportedEncoding` (a coding with no decoder here: the caller keeps the bytes as they
are) and `DecodingError` (the bytes are not valid for their coding, or end mid-stream on flush);
both are `ValueError`s.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

__all__ = [
    "ContentDecoder",
    "DecodingError",
    "UnsupportedEncoding",
    "DECODERS",
    "decode",
    "decode_prefix",
    "decoder_for",
    "codings",
]


class DecodingError(ValueError):
    """The bytes are not valid for their content coding (or stop before its end, on flush)."""


class UnsupportedEncoding(ValueError):
    """A content coding with no decoder here (unknown, or its library is not installed)."""

    def __init__(self, coding: str) -> None:
        super().__init__(f"no decoder for content coding {coding!r}")
        self.coding = coding


class ContentDecoder:
    """Base: `decode()` each encoded piece, then `flush()` once at the end."""

    def decode(self, data: bytes) -> bytes:
        raise NotImplementedError

    def flush(self) -> bytes:
        return b""


class IdentityDecoder(ContentDecoder):
    def decode(self, data: bytes) -> bytes:
        return data


class _ZlibDecoder(ContentDecoder):
    """zlib's decompressobj with the framing `wbits` picks; a new object per concatenated member
    (Go's gzip reader and `gzip.decompress` read multi-member gzip too)."""

    wbits = zlib.MAX_WBITS

    def __init__(self) -> None:
        self._obj = zlib.decompressobj(self.wbits)
        self._seen = False

    def decode(self, data: bytes) -> bytes:
        if data:
            self._seen = True
        try:
            out = self._obj.decompress(data)
            while self._obj.eof and self._obj.unused_data:
                rest = self._obj.unused_data
                self._obj = zlib.decompressobj(self.wbits)
                out += self._obj.decompress(rest)
        except zlib.error as e:
            raise DecodingError(str(e)) from e
        return out

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

    def decode(self, data: bytes) -> bytes:
        if self._inner is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            cmf, flg = data[0], data[1]
            self._inner = _ZlibDecoder() if _is_zlib_header(cmf, flg) else _RawDeflateDecoder()
        return self._inner.decode(data)

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


def _brotli_factory() -> Callable[[], ContentDecoder] | None:
    try:
        import brotli  # the `brotli` binding (mitmproxy's dependency): Decompressor.process()
    except ImportError:
        try:
            import brotlicffi as brotli  # Decompressor.decompress()
        except ImportError:
            return None

    class BrotliDecoder(ContentDecoder):
        def __init__(self) -> None:
            self._obj = brotli.Decompressor()
            # The two bindings name the same call differently: adapt once, here.
            self._process = getattr(self._obj, "process", None) or self._obj.decompress
            self._seen = False

        def decode(self, data: bytes) -> bytes:
            if not data:
                return b""
            self._seen = True
            try:
                return self._process(data)
            except brotli.error as e:
                raise DecodingError(str(e) or "invalid brotli data") from e

        def flush(self) -> bytes:
            if self._seen and not self._obj.is_finished():
                raise DecodingError("the brotli stream ends before its last block")
            return b""

    return BrotliDecoder


def _zstd_factory() -> Callable[[], ContentDecoder] | None:
    try:
        from compression import zstd  # Python 3.14
    except ImportError:
        try:
            from backports import zstd  # mitmproxy 12's dependency
        except ImportError:
            zstd = None
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

        def decode(self, data: bytes) -> bytes:
            if not data:
                return b""
            self._seen = True
            try:
                out = self._obj.decompress(data)
                while self._obj.eof and self._obj.unused_data:
                    rest = self._obj.unused_data
                    self._obj = new()
                    out += self._obj.decompress(rest)
            except (error, EOFError) as e:
                raise DecodingError(str(e) or "invalid zstd data") from e
            return out

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

    def decode(self, data: bytes) -> bytes:
        for d in self._decoders:
            data = d.decode(data)
        return data

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
    brotli = _brotli_factory()
    if brotli is not None:
        reg["br"] = brotli
    zstd = _zstd_factory()
    if zstd is not None:
        reg["zstd"] = zstd
    return reg


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


def decode(data: bytes, content_encoding: str) -> bytes:
    """A whole body decoded per its `Content-Encoding` value (unchanged when there is none).

    Raises `UnsupportedEncoding` or `DecodingError` (also for a body that is cut short).
    """
    decoder = decoder_for(content_encoding)
    if decoder is None:
        return data
    return decoder.decode(data) + decoder.flush()


def decode_prefix(data: bytes, content_encoding: str, step: int = 16384) -> bytes:
    """What the readable start of a body decodes to, for one whose coding fails part-way
    (`decode` raised DecodingError): found `step` bytes at a time, then byte by byte within the
    step that fails, so only the output of bytes that do not decode is lost (for gzip at a sync
    flush, everything before the bad byte). Raises `UnsupportedEncoding`."""
    decoder = decoder_for(content_encoding)
    if decoder is None:
        return data
    good = 0  # bytes known to decode (pass 1: whole steps)
    out = []
    try:
        for good in range(0, len(data), step):
            out.append(decoder.decode(data[good:good + step]))
        out.append(decoder.flush())
        return b"".join(out)  # (it all decodes)
    except DecodingError:
        pass
    decoder = decoder_for(content_encoding)
    out = [decoder.decode(data[:good])]
    try:
        for i in range(good, min(good + step, len(data))):
            out.append(decoder.decode(data[i:i + 1]))
    except DecodingError:
        pass
    return b"".join(out)
