"""Verify12: round 12's UTF-16 body rule (ddd0726, `_utf16_spans`) takes each secret
`_text_secrets` finds, once per occurrence, then for each finds every occurrence and encodes
the whole text before it again: time cubic in the number of times a key occurs. A UTF-16 log
(Windows PowerShell's `Out-File` default) of 1000 lines each quoting the same key, 240 KB,
takes over ten seconds to record (1500 lines: past the client's 20 s timeout); a key alone
repeated 4000 times (950 KB, under the rule's 1 MiB) takes minutes, where a UTF-8 body of
the same text takes milliseconds. Real proxy, httpx, the fake gateway's /echo.
"""

from __future__ import annotations

import time

from conftest import record_through
from secret_shapes import SHAPE_EXAMPLES

KEY = SHAPE_EXAMPLES["openai"]


def test_verify12_a_utf16_log_quoting_a_key_records_quickly(run_proxy, gateway, ca_cert,
                                                            tmp_path):
    cassette = tmp_path / "log.yaml"
    log = "".join(f"12:00:{n % 60:02d} POST /v1/chat Authorization: Bearer {KEY}\r\n"
                  for n in range(1000))
    t0 = time.monotonic()
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo?plain=1", "content": log.encode("utf-16"),
        "headers": {"content-type": "text/plain; charset=utf-16"}})
    took = time.monotonic() - t0
    assert KEY.encode("utf-16-le") not in cassette.read_bytes()  # (redacted)
    assert took < 5, f"recording one 240 KB UTF-16 log took {took:.1f}s"
