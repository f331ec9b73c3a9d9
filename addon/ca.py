"""vcrproxy's CA: where it lives (per user, never in the project) and the trust bundle for
clients. mitmproxy creates the CA itself (`mitmproxy.certs.CertStore`); its private key
(`mitmproxy-ca.pem`) stays in the folder, made only for its owner (mode 0700).
"""

from __future__ import annotations

import os

from vcrproxy.childenv import write_bundle

CA_CERT_NAME = "mitmproxy-ca-cert.pem"
KEY_NAME = "mitmproxy-ca.pem"  # the CA's private key and certificate (mitmproxy's CertStore)
BUNDLE_NAME = "vcrproxy-ca-bundle.pem"


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
