"""Verify13: the code rule (`_code_at`, widened by 1071b2f to JS `key:`, Go `:=`, PHP `=>`)
reads, for every credential-name needle hit, the whole identifier run the hit is in
(`_CODE_NAME.match` to the run's end). A chat message holding one long run of a credential
word (`passwordpassword...`, a hostile tool result, a minified blob) and an `=` somewhere costs
time quadratic in the run: 160 KB takes 3 s, 640 KB 35 s, where the other name rules on the
same hits take milliseconds. Real proxy, httpx, the fake gateway's /echo.
"""

from __future__ import annotations

import json
import time

from conftest import record_through


def test_verify13_a_run_of_a_credential_word_records_in_linear_time(run_proxy, gateway, ca_cert,
                                                                    tmp_path):
    cassette = tmp_path / "run.yaml"
    body = json.dumps({"model": "m", "messages": [
        {"role": "user", "content": "password" * 40000 + " = 'x'"}]}).encode()
    t0 = time.monotonic()
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo?plain=1", "content": body,
        "headers": {"content-type": "application/json"}, "timeout": 120})
    took = time.monotonic() - t0
    assert took < 5, f"recording one 320 KB body of one word's run took {took:.1f}s"
