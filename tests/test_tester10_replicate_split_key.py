"""Tester10: Replicate streams a prediction's output as SSE `output` events whose data is the
raw text (no JSON), a few characters each (`replicate.stream()`); the joined-delta search reads
JSON strings only, so a key the model writes back over two `output` events is recorded as sent
and `vcrproxy check` says ok. Real proxy, httpx streaming, a loopback TLS upstream answering as
Replicate's stream URL does."""

from __future__ import annotations

from click.testing import CliRunner
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES
from tester10_upstream import tls_upstream

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

KEY = SHAPE_EXAMPLES["replicate"]
TEXTS = ["Your token is ", KEY[:12], KEY[12:30], KEY[30:], ", keep it safe."]
EVENTS = [f"event: output\nid: 1700000000:{k}\ndata: {t}\n\n".encode()
          for k, t in enumerate(TEXTS)] + [b"event: done\nid: 1700000000:9\ndata: {}\n\n"]


def _outputs(body: bytes) -> str:
    out = []
    for event in body.decode().split("\n\n"):
        lines = event.split("\n")
        if "event: output" in lines:
            out.append("\n".join(x[6:] for x in lines if x.startswith("data: ")))
    return "".join(out)


def test_tester10_key_split_over_replicate_output_events_is_redacted(run_proxy, gateway,
                                                                     ca_cert, tmp_path):
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
    assert KEY not in text, ("the key split over output events was recorded", out.output)
    assert text == "Your token is <REDACTED>, keep it safe.", text
