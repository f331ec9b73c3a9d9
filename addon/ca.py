"""vcrproxy's CA: where it lives (per user, never in the project) and the trust bundle for
clients. mitmproxy creates the CA itself (`mitmproxy.certs.CertStore`); its private key
(`mitmproxy-ca.pem`) stays in the folder, made only for its owner (mode 0700).
"""

from __future__ import annotations

import logging
import os

from vcrproxy.childenv import write_bundle

CA_CERT_NAME = "mitmproxy-ca-cert.pem"
KEY_NAME = "mitmproxy-ca.pem"  # the CA's private key and certificate (mitmproxy's CertStore)
BUNDLE_NAME = "vcrproxy-ca-bundle.pem"
# SHA-256 (hex) of the bytes of KEY_NAME when they last loaded with cryptography's full RSA key
# validation (key_validated below).
CHECKED_NAME = "vcrproxy-ca-key.sha256"

log = logging.getLogger("vcrproxy")


class CAError(Exception):
    """The CA folder cannot hold the CA; the message is one line for the user."""


def default_confdir() -> str:
    """Per-user home of the CA (never the project tree): $VCRPROXY_CONFDIR or ~/.vcrproxy."""
    return os.environ.get("VCRPROXY_CONFDIR") or os.path.join(os.path.expanduser("~"), ".vcrproxy")


def ensure_ca(confdir: str) -> tuple[str, str]:
    """Create the CA in `confdir` if needed; return (CA certificate, trust bundle) paths.
    Raises CAError (a folder that cannot be made or written)."""
    ca = os.path.join(confdir, CA_CERT_NAME)
    try:
        if not (os.path.isfile(os.path.join(confdir, KEY_NAME)) and os.path.isfile(ca)):
            # here: the CLI's tools start without mitmproxy
            from mitmproxy.certs import CertStore

            os.makedirs(confdir, mode=0o700, exist_ok=True)
            CertStore.from_store(confdir, "mitmproxy", 2048)
        # (An existing CA is not parsed here: the proxy's TlsConfig loads and checks it anyway,
        # and parsing its RSA key costs ~70 ms of `vcrproxy replay`'s start.)
        return ca, write_bundle(ca, os.path.join(confdir, BUNDLE_NAME))
    except OSError as e:  # a --confdir that cannot hold the CA: one line, no traceback
        raise CAError(f"CA folder {confdir}: {e.strerror or e}") from None


def key_validated(confdir: str, data: bytes) -> bool:
    """Whether `data` are the bytes of the CA key in `confdir` that already loaded once with
    cryptography's RSA key validation (recorded by `record_key_validated`).

    Why: that validation (primality checks of the key's factors) takes ~80 ms per load, about
    a tenth of a session's start, and it is a function of the bytes alone: bytes that passed it
    once pass it again. Bytes that differ in any way (a new CA, a corrupted or replaced file)
    are validated in full, as every key never seen."""
    try:
        with open(os.path.join(confdir, CHECKED_NAME), encoding="ascii") as f:
            recorded = f.read().strip()
    except (OSError, ValueError):
        return False
    import hashlib  # (here: `vcrproxy --help` and the cassette tools need no OpenSSL binding)

    return recorded == hashlib.sha256(data).hexdigest()


def record_key_validated(confdir: str, data: bytes) -> None:
    """After `data` loaded with full validation: record it, when it is the CA key of `confdir`
    (nothing else: a `--set certs=` key is validated on every load). Best effort: a folder that
    cannot take the record only costs the next start the validation."""
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(confdir, CHECKED_NAME)
    try:
        with open(os.path.join(confdir, KEY_NAME), "rb") as f:
            if f.read() != data:
                return
        from .store import atomic_write  # (the CLI's tools start without the codec)

        atomic_write(path, digest.encode("ascii") + b"\n")
    except OSError as e:
        log.debug("vcrproxy: CA key check not recorded in %s: %s", path, e)
