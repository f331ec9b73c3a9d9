"""Tester14: `vcrproxy record -v --set proxy_debug=true` (mitmproxy's switch for its core's debug
log, passed through as any mitmproxy option) still writes keys to stderr, encoded. Tester6 made
the protocol bytes it logs (`>> DataReceived(client, b'...')`) be redacted as text bodies, but
bytes that are not text are left as they are, and two encodings any tool reverses carry keys:

- HTTP/2 header blocks are HPACK, values Huffman-coded: `authorization: Bearer sk-proj-...`
  and Azure's `api-key` are in the client's and the upstream's `DataReceived`/`SendData` bytes
  (hpack.huffman.decode_huffman gives them back); every h2 client (httpx http2, Node, Go, gRPC)
  sends its key so;
- a compressed body (gzip, br, deflate: what real APIs answer a client that accepts it) is
  logged compressed; here the gateway echoes the request's `api-key` (as an ephemeral key, STS
  credentials or an OAuth token would be answered) and gunzip gives it back.

Real CLI, the fake TLS gateway (HTTP/1.1 and HTTP/2), httpx as the wrapped command.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import zlib

from hpack.huffman import HuffmanEncoder
from hpack.huffman_constants import REQUEST_CODES, REQUEST_CODES_LENGTH
from secret_shapes import SHAPE_EXAMPLES

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = SHAPE_EXAMPLES["openai"]
AZURE = "3f9a1c7e5b2d4068" + "a9c1e3f5b7d90a2c"  # (an Azure key: no shape)

CLIENT = """
import os, sys, httpx
with httpx.Client(timeout=20, http2=sys.argv[2] == "h2") as c:
    r = c.get(sys.argv[1], headers={"api-key": os.environ["T_AZURE"],
                                    "Authorization": "Bearer " + os.environ["T_KEY"],
                                    "Accept-Encoding": "gzip"})
    print(r.status_code, r.http_version, r.headers.get("content-encoding"))
"""
_LITERAL = re.compile(r"""\bb'(?:[^'\\]|\\.)*'|\bb"(?:[^"\\]|\\.)*\"""")


def _record_debug(confdir, gateway, tmp_path, url: str, version: str
                  ) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, T_KEY=KEY, T_AZURE=AZURE)
    return subprocess.run(
        [VCRPROXY, "record", "-v", "--set", "proxy_debug=true",
         "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}",
         str(tmp_path / "d.yaml"), "--", sys.executable, "-c", CLIENT, url, version],
        env=env, capture_output=True, text=True, timeout=120)


def _logged_bytes(log: str) -> list[bytes]:
    out = []
    for literal in _LITERAL.findall(log):
        try:
            out.append(ast.literal_eval(literal))
        except (ValueError, SyntaxError):
            continue
    return out


def test_http2_header_values_are_not_logged_huffman_coded(confdir, gateway, tmp_path):
    done = _record_debug(confdir, gateway, tmp_path, f"{gateway.url}/echo?plain=1", "h2")
    assert done.stdout.split()[:2] == ["200", "HTTP/2"], done.stdout + done.stderr[-2000:]
    assert "DataReceived" in done.stderr  # (the core's debug log is on: the test is live)
    huffman = HuffmanEncoder(REQUEST_CODES, REQUEST_CODES_LENGTH)
    coded = {"Bearer " + KEY: huffman.encode(f"Bearer {KEY}".encode()),
             AZURE: huffman.encode(AZURE.encode())}
    logged = _logged_bytes(done.stderr)
    leaked = [value for value, code in coded.items() if any(code in b for b in logged)]
    assert leaked == [], f"the log holds these header values HPACK-coded: {leaked}"


def test_compressed_bodies_are_not_logged_as_they_are(confdir, gateway, tmp_path):
    done = _record_debug(confdir, gateway, tmp_path, f"{gateway.url}/gzip/echo?plain=1", "h1")
    assert done.stdout.split() == ["200", "HTTP/1.1", "gzip"], done.stdout + done.stderr[-2000:]
    assert "DataReceived" in done.stderr
    found = []
    for data in _logged_bytes(done.stderr):
        for m in re.finditer(rb"\x1f\x8b\x08", data):
            try:
                text = zlib.decompressobj(31).decompress(data[m.start():])
            except zlib.error:
                continue
            found += [s for s in (AZURE, KEY) if s.encode() in text]
    assert found == [], f"gunzip of the logged bytes gives back: {sorted(set(found))}"
