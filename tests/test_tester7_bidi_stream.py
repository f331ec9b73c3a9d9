"""Tester: a bidirectional stream over HTTP/2 (gRPC bidi and client streaming: Google's
streaming speech and Vertex AI clients; Bedrock's InvokeModelWithBidirectionalStream, Nova
Sonic, is the same shape with event-stream frames) hangs through the proxy in every mode, even
passthrough: the client sends a message and waits for its answer before sending the next, but
the proxy holds the request body until the client ends it, so the server never sees the first
message. Plain mitmdump does the same by default, and `--set stream_large_bodies=1` (its
remedy, which streams request bodies) makes it work there; vcrproxy takes that option over and
reads request bodies whole regardless (vcr.py configure: "requests are read whole"), so there
is no way to use such a client through vcrproxy. The client fails with DEADLINE_EXCEEDED.

README: requests go through the proxy in any language (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH is set
for gRPC clients); passthrough is a "plain proxy"; the brief's promise: every kind of body and
protocol real SDKs use survives record and replay, streams reach the other side as they come.

Expected: the exchange completes (each answer arrives after its message) in passthrough and
record mode, as it does directly and through `mitmdump --set stream_large_bodies=1`."""

from __future__ import annotations

import queue
from concurrent import futures

import pytest

grpc = pytest.importorskip("grpc")
from fakegateway import _ca  # noqa: E402


def _same(data: bytes) -> bytes:
    return data


class _Chat(grpc.GenericRpcHandler):
    """/t.Chat/Talk: answers each message as it comes (a bidirectional stream)."""

    def service(self, details):
        if details.method != "/t.Chat/Talk":
            return None

        def talk(requests, context):
            for request in requests:
                yield b"re:" + request

        return grpc.stream_stream_rpc_method_handler(talk, request_deserializer=_same,
                                                     response_serializer=_same)


@pytest.mark.parametrize("mode", ["passthrough", "record"])
def test_tester7_a_bidirectional_stream_goes_through(run_proxy, ca_cert, tmp_path,
                                                     monkeypatch, mode):
    for name in ("https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    cert = _ca().issue_cert("localhost", "127.0.0.1")
    server = grpc.server(futures.ThreadPoolExecutor(4))
    server.add_generic_rpc_handlers((_Chat(),))
    port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(
        cert.private_key_pem.bytes(), b"".join(b.bytes() for b in cert.cert_chain_pems))]))
    server.start()
    proxy = run_proxy(tmp_path / "bidi.yaml", mode)
    monkeypatch.setenv("grpc_proxy", proxy.url)
    got: list = []
    try:
        with open(ca_cert, "rb") as f:
            creds = grpc.ssl_channel_credentials(root_certificates=f.read())
        with grpc.secure_channel(f"localhost:{port}", creds) as channel:
            outbox: queue.Queue[bytes | None] = queue.Queue()

            def messages():
                while (message := outbox.get(timeout=20)) is not None:
                    yield message

            answers = channel.stream_stream("/t.Chat/Talk", request_serializer=_same,
                                            response_deserializer=_same)(messages(), timeout=8)
            try:
                for n in range(3):  # each message waits for the answer to the one before
                    outbox.put(b"m%d" % n)
                    got.append(next(answers))
            except grpc.RpcError as e:
                got.append((e.code(), e.details()))
            finally:
                outbox.put(None)
    finally:
        proxy.stop()
        server.stop(0)
    assert got == [b"re:m0", b"re:m1", b"re:m2"]
