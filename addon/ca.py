"""vcrproxy's CA: where it lives (per user, never in the project) and the trust bundle for
clients. mitmproxy creates the CA itself (`mitmproxy.certs.CertStore`); its private key
(`mitmproxy-ca.pem`) stays in the folder, made only for its owner (mode 0700).
"""

from __future__ import annotations

import os

from vcrproxy.childenv import write_bundle

CA_CERT_NAME = "mitmproxy-ca-cert.pem"
BUNDLE_NAME = "vcrproxy-ca-bundle.pem"


class CAError(Exception):
    """The CA folder cannot hold the CA; the message is one line for the user."""


def default_confdir() -> str:
    """Per-user home of the CA (never the project tree): $VCRPROXY_CONFDIR or ~/.vcrproxy."""
    return os.environ.get("VCRPROXY_CONFDIR") or os.path.join(os.path.expanduser("~"), ".vcrproxy")


def ensure_ca(confdir: str) -> tuple[str, str]:
    """Create the CA in `confdir` if needed; return (CA certificate, trust bundle) paths.
    Raises CAError (a folder that cannot be made or written)."""
    from mitmproxy.certs import CertStore  # here: the CLI's tools start without mitmproxy

    try:
        os.makedirs(confdir, mode=0o700, exist_ok=True)
        CertStore.from_store(confdir, "mitmproxy", 2048)
        ca = os.path.join(confdir, CA_CERT_NAME)
        return ca, write_bundle(ca, os.path.join(confdir, BUNDLE_NAME))
    except OSError as e:  # a --confdir that cannot hold the CA: one line, no traceback
        raise CAError(f"CA folder {confdir}: {e.strerror or e}") from None
