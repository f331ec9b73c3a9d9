"""Tester11: `--fault status:CODE` on a gRPC call (Vertex AI's and other Google SDKs' default
transport) answers an HTTP CODE with a JSON body, which gRPC never reads: the client maps the
HTTP status itself (gRPC's HTTP-to-status table) and raises `UNAVAILABLE: Received http2 header
with status: 429` for a 429, `INTERNAL` for a 400, `UNKNOWN` for anything else. The provider's
own error (RESOURCE_EXHAUSTED for a 429, which google-api-core raises as `ResourceExhausted`
and retries by) and the fault's message never reach it, so code handling a rate limit is not
tested by the fault that says it tests it.

README (Testing failures): "`status:CODE[:RETRY_MS]` | an error in the provider's own shape
(... Gemini `RESOURCE_EXHAUSTED`/`UNAVAILABLE` ...)"; a gRPC miss is already told the gRPC way
(grpc-status / grpc-message, tests/test_tester7_grpc_miss.py).

Expected: the gRPC client gets the gRPC status that matches CODE (google.rpc.Code's HTTP
mapping), with the fault named in its details; the retry gets the recording."""

from __future__ import annotations

from concurrent import futures

import pytest

grpc = pytest.importorskip("grpc")
from fakegateway import _ca  # noqa: E402
from test_tester7_grpc_miss import _Echo, _say  # noqa: E402


@pytest.fixture
def recorded(run_proxy, ca_cert, tmp_path, monkeypatch):
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
    before = path.read_bytes()
    yield path, port
    assert path.read_bytes() == before  # a fault never reaches the cassette


@pytest.mark.parametrize(("code", "expected"), [
    (429, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (503, grpc.StatusCode.UNAVAILABLE),
    (400, grpc.StatusCode.INVALID_ARGUMENT),
    (403, grpc.StatusCode.PERMISSION_DENIED),
    (500, grpc.StatusCode.INTERNAL),
])
def test_status_fault_reaches_a_grpc_client_as_its_grpc_status(recorded, run_proxy, ca_cert,
                                                              code, expected):
    path, port = recorded
    proxy = run_proxy(path, "replay", fault=f"status:{code}@1")
    failed = _say(port, ca_cert, proxy.url, b"hello")
    retried = _say(port, ca_cert, proxy.url, b"hello")
    proxy.stop()
    answer, error = failed
    assert answer is None and error is not None
    got, details = error
    assert got == expected, (got, details)
    assert f"status:{code}@1" in details, details
    assert retried == (b"you said hello", None)  # the retry gets the recording
    assert proxy.vcr.all_sessions()[0].stats.faults  # counted as the fault it is
