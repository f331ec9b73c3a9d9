"""`host[:port]` spellings: IPv6 literals bracketed (`[::1]:8443`, RFC 3986 3.2.2, as Go writes
them) or bare (`::1:8443`, as mitmproxy's `Request.url` and earlier vcrproxy cassettes have it),
read as the same host."""

from __future__ import annotations

import ipaddress


def ipv6(text: str) -> str | None:
    """`text` as a compressed IPv6 address (`0:0:0:0:0:0:0:1` -> `::1`), or None."""
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        return None


def split_netloc(netloc: str) -> tuple[str, str]:
    """`host:port` -> (host, port), port "" when absent. An IPv6 host comes back bracketed and
    compressed (`[::1]`), whichever way it was written; in the bare form the last group is read
    as the port when it has 2+ digits and what precedes it is an address (`::1:8443`), else the
    whole netloc is the address (`::1`)."""
    if netloc.startswith("["):
        close = netloc.find("]")
        if close > 0:
            inner, rest = netloc[1:close], netloc[close + 1 :]
            return f"[{ipv6(inner) or inner.lower()}]", rest[1:] if rest.startswith(":") else ""
    if netloc.count(":") >= 2:
        head, _, tail = netloc.rpartition(":")
        if tail.isdigit() and len(tail) >= 2 and ipv6(head):
            return f"[{ipv6(head)}]", tail
        return f"[{ipv6(netloc) or netloc.lower()}]", ""
    host, _, port = netloc.partition(":")
    return host, port


def is_bare_ipv6(netloc: str) -> bool:
    """Whether `netloc` (after any userinfo) is an IPv6 literal written without brackets."""
    netloc = netloc.rpartition("@")[2]
    if netloc.startswith("[") or netloc.count(":") < 2:
        return False
    head, _, tail = netloc.rpartition(":")
    return bool(ipv6(netloc) or (tail.isdigit() and ipv6(head)))


def ascii_host(host: str) -> str:
    """A host name as it travels (Host, :authority, SNI) and as Go's url.URL, so go-vcr, writes
    it: an internationalised name as IDNA (`bücher.example` -> `xn--bcher-kva.example`), which
    mitmproxy hands over decoded. ASCII, or what IDNA cannot encode, comes back as it is."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host
