"""H2 preference addon: answer HTTP/2 to clients that offer it (vcr_prefer_h2)."""

from __future__ import annotations

from mitmproxy import ctx, tls

from .failclosed import fail_closed


class PreferH2:
    @fail_closed
    def tls_start_client(self, data: tls.TlsData) -> None:
        enabled = ctx.options.vcr_prefer_h2 and ctx.options.http2
        if enabled and data.ssl_conn is None:
            # Under `mitmdump -s` scripts run before the tlsconfig addon: let it build the
            # connection now (it then skips this one) so there is an ALPN choice to change.
            tlsconfig = ctx.master.addons.get("tlsconfig")
            if tlsconfig is not None:
                tlsconfig.tls_start_client(data)
        prefer_h2(data, enabled=enabled)


def prefer_h2(data: tls.TlsData, *, enabled: bool) -> None:
    """Pick h2 in ALPN when the client offers it.

    With connection_strategy=lazy mitmproxy has no server ALPN to mirror and picks the client's
    first offer, and httpx lists http/1.1 first. The choice is made by mitmproxy's
    `alpn_select_callback` from the TlsConfig AppData; tests/test_mitmproxy_contract.py fails if
    that internal changes.
    """
    if not enabled or data.ssl_conn is None:
        return
    if b"h2" not in (data.conn.alpn_offers or ()):
        return
    app = data.ssl_conn.get_app_data()
    if isinstance(app, dict) and app.get("client_alpn") is None and not app.get("server_alpn"):
        app["client_alpn"] = b"h2"
