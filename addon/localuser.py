"""Only the local user who started the proxy may use it.

The proxy listens on loopback, but every local user can reach loopback: without this check any
of them could use it as an open forward proxy (record/passthrough), overwrite a cassette through
`http://NAME:record@...`, or read recorded prompts through miss explanations.

On Linux the kernel says who owns the client's end of a loopback TCP connection:
`/proc/net/tcp` (`tcp6`) lists every socket with its local and remote address and its owner's
uid. The client's socket is the line whose local address is the connection's peer address and
whose remote address is our listening address; a uid other than ours closes the connection at
once (`client_connected`: setting `client.error` kills it) with one warning per uid. Elsewhere
(no /proc) the check cannot be made and is skipped with one warning at start.
`vcr_allow_other_users` turns the check off (e.g. clients in containers on the host network).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket

from .failclosed import fail_closed

log = logging.getLogger("vcrproxy")

_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


def _proc_addr(text: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    """`0100007F:1F90` (IPv4) or 32 hex digits + port (IPv6), as the kernel prints them: each
    32-bit word in host byte order."""
    host, port = text.split(":")
    raw = bytes.fromhex(host)
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4)) if (
        socket.htonl(1) != 1) else raw  # (little-endian hosts print words byte-swapped)
    addr = ipaddress.ip_address(words)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr, int(port, 16)


def _norm(address: tuple) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    addr = ipaddress.ip_address(address[0].split("%")[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr, int(address[1])


def supported() -> bool:
    return all(os.path.exists(t) for t in _TABLES[:1])


def peer_uid(peer: tuple, local: tuple) -> int | None:
    """The uid owning the TCP socket at `peer` connected to our `local` address, from
    /proc/net/tcp*; None when it cannot be found (no /proc, connection already gone)."""
    want_local, want_remote = _norm(peer), _norm(local)
    for table in _TABLES:
        try:
            with open(table, encoding="ascii") as f:
                next(f, None)  # header
                for line in f:
                    fields = line.split()
                    if len(fields) < 8 or fields[3] == "06":
                        continue  # (TIME_WAIT sockets show uid 0: a closed connection)
                    if not fields[1].endswith(f":{want_local[1]:04X}"):
                        continue  # cheap port test before parsing addresses
                    try:
                        if (_proc_addr(fields[1]) == want_local
                                and _proc_addr(fields[2]) == want_remote):
                            return int(fields[7])
                    except ValueError:
                        continue
        except OSError:
            continue
    return None


class OwnerOnly:
    """mitmproxy addon: close client connections that belong to another local user (option
    vcr_allow_other_users, declared in options.py, turns it off)."""

    def __init__(self) -> None:
        self.uid = os.getuid() if hasattr(os, "getuid") else None
        self._warned: set[int | None] = set()
        self.refused = 0

    def running(self) -> None:
        from mitmproxy import ctx

        if not ctx.options.vcr_allow_other_users and (self.uid is None or not supported()):
            log.warning("cannot tell which local user a client is on this system: any local "
                        "user can use this proxy")

    @fail_closed  # a check that raises refuses the client (failclosed.py)
    def client_connected(self, client) -> None:
        from mitmproxy import ctx

        if ctx.options.vcr_allow_other_users or self.uid is None or not supported():
            return
        peer, local = client.peername, client.sockname
        if not peer or not local or len(peer) < 2:
            return
        try:
            uid = peer_uid(peer, local)
        except ValueError:  # not an IP socket address
            return
        if uid == self.uid:
            return
        self.refused += 1
        client.error = f"vcrproxy: refused a client of another user (uid {uid})"
        if uid not in self._warned:
            self._warned.add(uid)
            who = "an unknown user" if uid is None else f"uid {uid}"
            log.warning("refused a connection from %s: only uid %d may use this proxy "
                        "(--set vcr_allow_other_users=true to allow)", who, self.uid)
