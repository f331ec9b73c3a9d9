"""Tester: recording an exchange whose request names a long value (a form's `password=` of
1.2 MB: a pasted file, a base64 blob) takes minutes, and the client waits for it (a flow ends
once its recording is written): redaction's split-stream literals (`_split_literals`) are built
for every suffix of every value the echo search hunts, copying the value's rest each time, so
the work grows with the square of its length (800 KB: 20 s; 1.6 MB: over a minute), though a
value over _SPLIT_ECHO_MAX (512 bytes) makes no matcher at all (every delta stream is a
candidate then).

Brief: hostile input never gives a hang.

Expected: the exchange is recorded, redacted, within seconds."""

from __future__ import annotations

import time

import httpx

from vcrproxy import load_cassette


def test_a_long_value_named_in_a_request_is_recorded_in_seconds(run_proxy, gateway, ca_cert,
                                                                 tmp_path):
    import ssl

    cassette = tmp_path / "c.yaml"
    value = "Qz7" * 400_000  # 1.2 MB, no key shape: only its name makes it a secret
    proxy = run_proxy(cassette, "record")
    started = time.monotonic()
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=40) as client:
        r = client.post(gateway.url + "/echo?plain=1", data={"password": value})
    elapsed = time.monotonic() - started
    assert r.status_code == 200
    proxy.stop()
    assert elapsed < 15, f"recording the exchange took {elapsed:.1f} s"
    text = cassette.read_text(encoding="utf-8")
    assert value not in text and "<REDACTED>" in text
    assert len(load_cassette(str(cassette)).interactions) == 1
