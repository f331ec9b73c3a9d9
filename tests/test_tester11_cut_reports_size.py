"""Tester11: the live line of a `cut` fault says `0 B` whatever the client got before the cut.

A cut stream is answered from the loopback chunk server, which mitmproxy streams to the client
(`resp.stream = True`, no body kept); the replayer sets the line's size only in its `response`
hook, which a cut flow never reaches (it ends in `error`), so the report falls back to the kept
body: none. `vcrproxy replay c.yaml --fault cut:100 -- ...` prints
`fault POST ... 200 ... 0 B (cut:100)` for a stream that reached the client whole but for its
end; `cut:3`, `0 B` for three events. The same fallback gave `0 B` for a delayed answer
(test_faults.py::test_a_delayed_answer_reports_its_size). Expected: the bytes the client was
sent. Real proxy replaying the founding cassette, an httpx client."""

from __future__ import annotations

import time

import httpx
import pytest
from test_faults import FOUNDING, founding_request
from test_replay import client, reports

from vcrproxy import load_cassette
from vcrproxy.faults import split_events


@pytest.mark.parametrize("http2", [False, True])
@pytest.mark.parametrize("cut", [3, 100])
def test_a_cut_stream_reports_the_bytes_the_client_got(run_proxy, ca_cert, cut, http2):
    proxy = run_proxy(FOUNDING, "replay", fault=[f"cut:{cut}@1"])
    seen = reports(proxy)
    url, body = founding_request()
    got = b""
    with client(proxy, ca_cert, http2=http2) as c:
        with pytest.raises(httpx.TransportError):
            with c.stream("POST", url, content=body) as r:
                for data in r.iter_raw():
                    got += data
    events = split_events(load_cassette(FOUNDING).interactions[0].response)
    assert got == b"".join(events[:cut])  # (what the fault promises: the first `cut` events)
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [(r.kind, r.size) for r in seen] == [("fault", len(got))]
