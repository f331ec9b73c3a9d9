"""Tester: a gRPC client (Vertex AI's and other Google SDKs' default transport; vcrproxy gives
wrapped commands GRPC_DEFAULT_SSL_ROOTS_FILE_PATH for them) records and replays through the
proxy, trailers and all; but a replay miss reaches it as a bare HTTP 400 with a JSON body,
which gRPC never reads: the SDK raises `StatusCode.INTERNAL: Received http2 header with
status: 400`, and nothing says what was asked, which recording was nearest or what differs.
A gRPC error is carried by `grpc-status` / `grpc-message` (a trailers-only response); the
explanation vcrproxy built is lost on the way.

README (Matching): "A request with no match gets HTTP 400 (which the SDKs do not retry) with a
JSON error in the provider's shape, so the SDK's exception says what was asked, the nearest
recorded interaction and what differs".

Expected: the gRPC client's error carries the miss explanation (`vcrproxy: no recorded
interaction matches ...`), in a status gRPC does not retry."""

from __future__ import annotations

import os
from concurrent import futures

import pytest

grpc = pytest.importorskip("grpc")
from fakegateway import _ca  # noqa: E402


def _same(data: bytes) -> bytes:
    return data


class _Echo(grpc.GenericRpcHandler):
    def service(self, details):
        if details.method == "/t.Chat/Say":
            return grpc.unary_unary_rpc_method_handler(
                lambda request, context: b"you said " + request,
                request_deserializer=_same, response_serializer=_same)
        return None


def _say(port: int, ca: str, proxy_url: str, words: bytes):
    """(the answer, None) or (None, (status code, details)) of one call through the proxy."""
    os.environ["grpc_proxy"] = proxy_url
    try:
        with open(ca, "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        with grpc.secure_channel(f"localhost:{port}", creds) as channel:
            say = channel.unary_unary("/t.Chat/Say", request_serializer=_same,
                                      response_deserializer=_same)
            try:
                return say(words, timeout=15), None
            except grpc.RpcError as e:
                return None, (e.code(), e.details())
    finally:
        del os.environ["grpc_proxy"]


def test_tester7_a_grpc_client_is_told_why_replay_missed(run_proxy, ca_cert, tmp_path,
                                                         monkeypatch):
    for name in ("grpc_proxy", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    cert = _ca().issue_cert("localhost", "127.0.0.1")
    server = grpc.server(futures.ThreadPoolExecutor(2))
    server.add_generic_rpc_handlers((_Echo(),))
    port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(
        cert.private_key_pem.bytes(), b"".join(b.bytes() for b in cert.cert_chain_pems))]))
    server.start()
    path = tmp_path / "grpc.yaml"
    try:
        proxy = run_proxy(path, "record")
        assert _say(port, ca_cert, proxy.url, b"hello") == (b"you said hello", None)
        proxy.stop()
    finally:
        server.stop(0)

    proxy = run_proxy(path, "replay")
    replayed = _say(port, ca_cert, proxy.url, b"hello")
    missed = _say(port, ca_cert, proxy.url, b"goodbye")
    proxy.stop()
    assert replayed == (b"you said hello", None)  # recorded and replayed, offline
    answer, error = missed
    assert answer is None and error is not None
    code, details = error
    assert "no recorded interaction matches" in details, (code, details)
