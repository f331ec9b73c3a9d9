"""Verify14: Replicate's output events are a delta stream now (0fc87a4), but only each event's
first `data:` line was taken as its piece. A text with a line break is sent as more `data:`
lines (SSE, and so `replicate.stream()`): a model that writes a key at a line's start
(`Your token:\\nr8_...`) and streams it over two events had the key's first part on an event's
second data line, so the key was recorded as sent and `vcrproxy check` said ok. Real proxy,
httpx streaming, a loopback TLS upstream answering as Replicate's stream URL does."""

from __future__ import annotations

from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["replicate"]
TEXTS = ["Your token:\n" + KEY[:12], KEY[12:30], KEY[30:] + "\n", "keep it safe."]


def _event(k: int, text: str) -> bytes:
    data = "".join(f"data: {line}\n" for line in text.split("\n"))
    return f"event: output\nid: 1700000000:{k}\n{data}\n".encode()


EVENTS = [_event(k, t) for k, t in enumerate(TEXTS)] + [
    b"event: done\nid: 1700000000:9\ndata: {}\n\n"]


def _outputs(body: bytes) -> str:
    out = []
    for event in body.decode().split("\n\n"):
        lines = event.split("\n")
        if "event: output" in lines:
            out.append("\n".join(x[6:] for x in lines if x.startswith("data: ")))
    return "".join(out)


def test_verify14_key_on_a_second_data_line_split_over_output_events_is_redacted(
        run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "replicate.yaml"
    with tls_upstream(gateway, [("Content-Type", "text/event-stream")], EVENTS) as upstream:
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client, client.stream(
                "GET", f"{upstream}/v1/streams/abc123", headers={"Accept": "text/event-stream"}
        ) as r:
            got = b"".join(r.iter_bytes())
        assert _outputs(got) == "".join(TEXTS)  # (the client got it whole)
        proxy.stop()
    [i] = load_cassette(cassette).interactions
    text = _outputs(i.response.body_bytes)
    out = CliRunner().invoke(main, ["check", str(cassette)])
    assert KEY[:12] not in text or KEY[12:30] not in text, (
        "the key split over output events was recorded", out.output)
    assert text == "Your token:\n<REDACTED>\nkeep it safe.", text
