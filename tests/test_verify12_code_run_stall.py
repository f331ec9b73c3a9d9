"""Verify12: round 12's rule for an OAuth code in a URL inside a body (2e3c04a) reads, for every
`?code=` / `&code=` it finds, the whole rest of that "URL" up to a space or quote: a body with a
long run of `code=` parameters (a log of redirects, a hostile tool result) costs time quadratic
in its length. A 60 KB chat message of `?code=` takes tens of seconds to record where the rules
before took milliseconds; at the 1 MiB the rule accepts it would be an hour. Real proxy, httpx,
the fake gateway's /echo.
"""

from __future__ import annotations

import json
import time

from conftest import record_through


def test_verify12_a_run_of_code_params_records_in_linear_time(run_proxy, gateway, ca_cert,
                                                             tmp_path):
    cassette = tmp_path / "codes.yaml"
    body = json.dumps({"model": "m", "messages": [
        {"role": "user", "content": "?code=" * 10000}]}).encode()
    t0 = time.monotonic()
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo", "content": body,
        "headers": {"content-type": "application/json"}})
    took = time.monotonic() - t0
    assert took < 5, f"recording one 60 KB body of ?code= took {took:.1f}s"
