"""Content decoders (addon/decoders.py): each coding a client can negotiate through mitmproxy 11
and 12, decoded piece by piece with the libraries mitmproxy ships; then end to end, brotli, zstd
and raw-deflate SSE streams through the real proxy arrive event by event and are stored decoded
and redacted."""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import subprocess
import time

import pytest
from conftest import proxied_client
from fakegateway import CODINGS, _Encoder

from vcrproxy import decoders, load_cassette
from vcrproxy.cassette import REDACTED

BODY_KEY = "sk-proj-" + "Zx8Cv7Bn6M" * 4  # fake, built at runtime
GAP = 0.15

PAYLOAD = b"".join(b'data: {"n": %d, "text": "%s"}\n\n' % (i, b"word " * i) for i in range(60))


def _encoded_pieces(coding: str, payload: bytes = PAYLOAD) -> tuple[str, list[bytes]]:
    enc = _Encoder(coding)
    pieces = [enc.chunk(payload[i : i + 97]) for i in range(0, len(payload), 97)]
    return enc.header, [*pieces, enc.finish()]


def test_br_and_zstd_are_available_on_this_mitmproxy():
    # mitmproxy 11 ships `brotli` + `zstandard`, mitmproxy 12 `brotli` + `backports.zstd`:
    # a missing registry entry would silently buffer or store encoded.
    assert {"gzip", "x-gzip", "deflate", "br", "zstd"} <= set(decoders.DECODERS)


@pytest.mark.parametrize("coding", CODINGS)
def test_each_coding_decodes_byte_by_byte(coding):
    header, pieces = _encoded_pieces(coding)
    encoded = b"".join(pieces)
    decoder = decoders.decoder_for(header)
    out = [decoder.decode(encoded[i : i + 1]) for i in range(len(encoded))]
    assert b"".join(out) + decoder.flush() == PAYLOAD
    assert decoders.decode(encoded, header) == PAYLOAD


@pytest.mark.parametrize("coding", CODINGS)
def test_each_flushed_piece_decodes_at_once(coding):
    # What keeps a stream a stream: every event the server flushed is readable on arrival.
    header, pieces = _encoded_pieces(coding)
    decoder = decoders.decoder_for(header)
    for i, piece in enumerate(pieces[:-1]):
        assert decoder.decode(piece) == PAYLOAD[i * 97 : i * 97 + 97]
    assert decoder.decode(pieces[-1]) + decoder.flush() == b""


def test_stacked_codings_decode_in_reverse_order():
    inner, outer = _Encoder("gzip"), _Encoder("br")
    encoded = outer.whole(inner.whole(PAYLOAD))
    assert decoders.decode(encoded, "gzip, br") == PAYLOAD
    decoder = decoders.decoder_for("gzip, BR")
    out = b"".join(decoder.decode(encoded[i : i + 50]) for i in range(0, len(encoded), 50))
    assert out + decoder.flush() == PAYLOAD


@pytest.mark.parametrize("coding", ["gzip", "zstd"])
def test_concatenated_members_all_decode(coding):
    # Go's gzip reader reads every member; zstd bodies may hold several frames.
    header, _ = _encoded_pieces(coding)
    encoded = _Encoder(coding).whole(b"first ") + _Encoder(coding).whole(b"second")
    assert decoders.decode(encoded, header) == b"first second"


@pytest.mark.parametrize("coding", CODINGS)
def test_cut_short_or_garbage_raises_decoding_error(coding):
    header, pieces = _encoded_pieces(coding)
    encoded = b"".join(pieces)
    with pytest.raises(decoders.DecodingError):
        decoders.decode(encoded[: len(encoded) // 2], header)
    with pytest.raises(decoders.DecodingError):
        decoders.decode(b"\xff" * 64 + encoded, header)


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd", "deflate"])
def test_decode_prefix_keeps_what_decodes_before_bytes_that_do_not(coding):
    enc = _Encoder(coding)
    pieces = [(f"line {i} " * 300).encode() for i in range(40)]  # ~100 KB: several steps
    data = b"".join(enc.chunk(p) for p in pieces)
    got = decoders.decode_prefix(data + b"\x00garbage" * 50, enc.header)
    assert got == b"".join(pieces)
    whole = data + enc.finish()
    assert decoders.decode_prefix(whole, enc.header) == b"".join(pieces)


# -- bounds: a decompression bomb is never inflated whole ------------------------------------------

BOMB = 32 << 20  # zeros: a few bytes to 32 KB encoded in every coding


@functools.cache
def _bomb(coding: str) -> tuple[str, bytes]:
    if coding == "br":  # (quality 1: the default 11 takes seconds over 32 MiB)
        import brotli
        return "br", brotli.compress(b"\0" * BOMB, quality=1)
    enc = _Encoder(coding)
    zeros = b"\0" * (1 << 20)
    return enc.header, b"".join(enc.chunk(zeros) for _ in range(BOMB >> 20)) + enc.finish()


def _fallback_decoders() -> list:
    """The decoders of bindings that cannot bound their output themselves (brotli < 1.2,
    zstandard), where installed: fed a few bytes at a time instead."""
    out = []
    old_brotli = decoders._brotli_factory(("brotli",))
    if old_brotli is not None and not hasattr(old_brotli()._obj, "can_accept_more_data"):
        out.append(("br", old_brotli))
    try:
        import zstandard  # noqa: F401
        out.append(("zstd", decoders._zstd_factory(limited_ok=False)))
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("coding", CODINGS)
def test_a_bomb_stops_at_the_bound_and_is_made_in_bounded_pieces(coding):
    header, encoded = _bomb(coding)
    assert len(encoded) < BOMB // 500
    with pytest.raises(decoders.TooLarge, match=r"decodes to more than 1 MiB"):
        decoders.decode(encoded, header, max_size=1 << 20)
    with pytest.raises(decoders.TooLarge):
        decoders.decode_prefix(encoded, header, max_size=1 << 20)
    # One call's output is bounded too: a chunk that holds 32 MiB comes out 256 KiB at a time.
    decoder = decoders.decoder_for(header)
    sizes = [len(p) for p in decoder.pieces(encoded, 256 << 10)]
    assert sum(sizes) == BOMB and max(sizes) <= 512 << 10, (len(sizes), max(sizes))
    assert decoders.decode(encoded, header, max_size=BOMB) == b"\0" * BOMB  # (at the bound)


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
def test_stacked_bombs_are_bounded_at_each_layer(coding):
    inner, outer = _bomb("gzip")[1], _Encoder(coding)
    encoded = outer.whole(inner)
    with pytest.raises(decoders.TooLarge):
        decoders.decode(encoded, f"gzip, {outer.header}", max_size=1 << 20)


def test_old_bindings_are_fed_a_few_bytes_at_a_time():
    found = _fallback_decoders()
    if not found:
        pytest.skip("brotli >= 1.2 and no zstandard here: no unbounded binding to try")
    for coding, factory in found:
        header, encoded = _bomb(coding)
        decoder = factory()
        sizes = [len(p) for p in decoder.pieces(encoded, 1 << 20)]
        assert sum(sizes) == BOMB and max(sizes) <= 40 << 20, (coding, max(sizes))
        _, pieces = _encoded_pieces(coding)
        decoder = factory()
        assert b"".join(decoder.decode(p) for p in pieces) + decoder.flush() == PAYLOAD


def test_identity_unknown_and_empty():
    assert decoders.decoder_for("") is None
    assert decoders.decoder_for(" identity ") is None
    assert decoders.decode(b"plain", "") == b"plain"
    assert decoders.decode(b"", "gzip") == b""  # a HEAD or 304 answer keeps its coding label
    with pytest.raises(decoders.UnsupportedEncoding, match="'compress'"):
        decoders.decoder_for("gzip, compress")


# -- through the real proxy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coding", "http2"),
    [("br", False), ("br", True), ("zstd", False), ("zstd", True), ("deflate-raw", False)],
    ids=["br-h1", "br-h2", "zstd-h1", "zstd-h2", "deflate-raw-h1"],
)
def test_compressed_sse_streams_event_by_event_and_is_stored_decoded_and_redacted(
    coding, http2, run_proxy, gateway, ca_cert, tmp_path
):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    path = f"/{coding}/v1/chat/completions"
    body = {
        "model": "gpt-fake",
        "stream": True,
        "messages": [{"role": "user", "content": f"one two three four five {BODY_KEY} six"}],
    }
    header = _Encoder(coding).header
    t0 = time.monotonic()
    with proxied_client(proxy, ca_cert, http2=http2) as client:
        with client.stream(
            "POST",
            gateway.url + path,
            json=body,
            headers={"Accept-Encoding": header, "X-Fake-Gap-Ms": str(int(GAP * 1000))},
        ) as r:
            assert r.headers["content-encoding"] == header
            got = [(time.monotonic(), c) for c in r.iter_raw() if c]
    sent = [e for e in gateway.events_for(path) if e[1] >= t0]
    assert len(sent) >= 5
    plain = b"".join(e[2] for e in sent)
    # the client got the server's compressed bytes, and got them while the server still sent
    assert decoders.decode(b"".join(c for _, c in got), header) == plain
    assert got[0][0] < sent[-1][1] - GAP, "the stream was buffered"
    assert len(got) >= len(sent) - 1
    assert BODY_KEY.encode() in plain

    text = _wait_text(cassette)
    assert BODY_KEY not in text
    assert "!!binary" not in text
    (rec,) = load_cassette(cassette).interactions
    resp = rec.response
    assert resp.uncompressed is True and resp.content_length == -1
    assert "Content-Encoding" not in resp.headers
    assert resp.body_bytes == plain.replace(BODY_KEY.encode(), REDACTED.encode())
    assert resp.body.rstrip().endswith("data: [DONE]")
    assert len(resp.chunks) == len(sent)  # each event timed as it passed
    assert sum(s for _, s in resp.chunks) == len(resp.body_bytes)


def test_a_coding_nobody_can_decode_streams_and_is_recorded_as_sent(
    run_proxy, gateway, ca_cert, tmp_path, caplog
):
    caplog.set_level(logging.WARNING, logger="vcrproxy")
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    url = f"{gateway.url}/ndjson?n=4&fake_encoding=x-vcrproxy-test&gap_ms={int(GAP * 1000)}"
    t0 = time.monotonic()
    with proxied_client(proxy, ca_cert) as client:
        for _ in range(2):
            with client.stream("GET", url) as r:
                got = [(time.monotonic(), c) for c in r.iter_raw() if c]
    sent = [e for e in gateway.events_for("/ndjson") if e[1] >= t0]
    assert got[0][0] < sent[-1][1] - GAP
    recs = _wait_interactions(cassette, 2)
    for rec in recs:
        assert rec.response.uncompressed is None
        assert rec.response.headers["Content-Encoding"] == ["x-vcrproxy-test"]
        assert rec.response.body_bytes == b"".join(e[2] for e in sent[:4])
    said = [m.getMessage() for m in caplog.records if "x-vcrproxy-test" in m.getMessage()]
    assert len(said) == 1 and "recording such bodies encoded" in said[0], said


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
@pytest.mark.parametrize("length", [False, True], ids=["streamed", "buffered"])
def test_a_body_whose_coding_breaks_part_way_keeps_no_secret(
    coding, length, run_proxy, gateway, ca_cert, tmp_path, caplog
):
    # Found by the tester: a gzip stream that stopped decoding was recorded as sent, and the
    # key inside it (invisible to redaction while compressed) reached the cassette.
    caplog.set_level(logging.WARNING, logger="vcrproxy")
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    text = f"before {BODY_KEY} after"
    url = f"{gateway.url}/{coding}/broken-coding" + ("?length=1" if length else "")
    with proxied_client(proxy, ca_cert) as client:
        with client.stream("GET", url, headers={"Accept-Encoding": coding,
                                                "X-Fake-Text": text}) as r:
            assert r.headers["content-encoding"] == coding
            got = b"".join(r.iter_raw())
    assert b"garbage" in got  # the client got what the server sent
    raw = cassette.read_bytes() if cassette.exists() else b""
    (rec,) = _wait_interactions(cassette, 1)
    raw = cassette.read_bytes()
    assert BODY_KEY.encode() not in raw and b"garbage" not in raw
    assert rec.response.body_bytes == text.replace(BODY_KEY, REDACTED).encode()
    assert "Content-Encoding" not in rec.response.headers
    said = [m.getMessage() for m in caplog.records if "decod" in m.getMessage()]
    assert len(said) == 1 and "not the rest" in said[0], said


def _wait_interactions(path, n: int, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            recs = load_cassette(path).interactions
            if len(recs) >= n:
                return recs
        time.sleep(0.02)
    raise AssertionError(f"{n} interactions not recorded in {path}")


def _wait_text(path) -> str:
    _wait_interactions(path, 1)
    return path.read_text()


def test_fake_gateway_encoder_round_trips_through_json():
    # guard for the helper the tests above rely on: a JSON body survives each coding
    for coding in CODINGS:
        enc = _Encoder(coding)
        data = json.dumps({"coding": coding}).encode()
        assert decoders.decode(enc.whole(data), enc.header) == data


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("coding", ["br", "zstd"])
def test_curl_compressed_stream_records_and_replays_to_the_same_output(
    coding, run_proxy, gateway, ca_cert, tmp_path
):
    # curl --compressed offers "deflate, gzip, br, zstd" and decodes what it gets: a non-Python
    # client that negotiates br and zstd itself.
    cassette = tmp_path / "c.yaml"
    url = f"{gateway.url}/{coding}/ndjson?n=4&gap_ms=20"

    def run(proxy) -> bytes:
        out = subprocess.run(
            ["curl", "-sS", "--compressed", "--max-time", "10", "--proxy", proxy.url,
             "--cacert", ca_cert, "-D", str(tmp_path / "head.txt"), url],
            capture_output=True, timeout=30,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    proxy = run_proxy(cassette, "record")
    recorded = run(proxy)
    assert f"content-encoding: {coding}" in (tmp_path / "head.txt").read_text().lower()
    proxy.stop()
    (rec,) = load_cassette(cassette).interactions
    assert rec.response.body_bytes == recorded and rec.response.uncompressed is True
    before = len(gateway.requests)
    proxy = run_proxy(cassette, "replay")
    assert run(proxy) == recorded
    assert len(gateway.requests) == before


def test_node24_fetch_br_stream_records_decoded_and_replays(request, run_proxy, gateway,
                                                             ca_cert, tmp_path):
    """Node's fetch asks for br first: the stream must still arrive event by event, be stored
    decoded and redacted, and replay to the same events."""
    try:
        node = request.getfixturevalue("node24")  # tests/runtimes.py (installed once, cached)
    except pytest.FixtureLookupError:
        pytest.skip("the node24 fixture (tests/runtimes.py) is not available")
    script = os.path.join(os.path.dirname(__file__), "node", "br_stream.mjs")
    cassette = tmp_path / "c.yaml"

    def run(proxy) -> dict:
        env = {k: v for k, v in node.env().items() if not k.lower().endswith("_proxy")}
        env.pop("NODE_OPTIONS", None)
        env.update(HTTPS_PROXY=proxy.url, NODE_USE_ENV_PROXY="1", NODE_EXTRA_CA_CERTS=ca_cert,
                   GATEWAY_URL=gateway.url, STREAM_PATH="/br/v1/chat/completions",
                   GAP_MS=str(int(GAP * 1000)), PROMPT=f"my key {BODY_KEY} ok")
        out = subprocess.run([node.node, script], env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout)

    proxy = run_proxy(cassette, "record")
    live = run(proxy)
    assert live["encoding"] == "br" and live["events"][-1] == "data: [DONE]"
    assert len(live["arrivals"]) >= len(live["events"]) - 1  # not one buffered read
    assert live["arrivals"][-1] >= (len(live["events"]) - 2) * GAP * 1000 * 0.8
    proxy.stop()
    text = cassette.read_text()
    assert BODY_KEY not in text and "!!binary" not in text and "uncompressed: true" in text
    (rec,) = load_cassette(cassette).interactions
    assert rec.request.headers["Accept-Encoding"] == ["br, gzip, deflate"]

    before = len(gateway.requests)
    proxy = run_proxy(cassette, "replay", pace="recorded")
    replayed = run(proxy)
    assert len(gateway.requests) == before
    # the same events (the recorded copy has the key redacted), still spread out over time
    redacted = [e.replace(BODY_KEY, REDACTED) for e in live["events"]]
    assert replayed["events"] == redacted and replayed["encoding"] is None
    assert replayed["arrivals"][-1] >= (len(redacted) - 2) * GAP * 1000 * 0.8
