"""Tester11: with `--pace recorded`, a `cut` or `stall` fault throws the recorded pacing away.

faults.apply routes any `cut` or `stall` to a FaultReply, which writes the recorded events at
once (cut) or with only the stall between them (stall), ignoring `--pace recorded`: the events
before a `cut:3` arrive in the first millisecond instead of at their recorded times, and a
`stall:100` over a stream recorded with 150 ms between events makes the replay *faster* than
the recording. README: `--pace recorded` "sends each chunk at its recorded offset"; `stall:MS`
is "the recording ... with MS between events"; "When several faults pick one request, the
delays and stalls add up" (a `delay` is added to the recorded pacing: only cut and stall lose
it). A test of a first-token timeout, or of a stream that breaks after a slow start, cannot be
written with them.

Real parts: a fake gateway streaming with 150 ms gaps, the real proxy recording and replaying,
an httpx client timing each event."""

from __future__ import annotations

import time

import pytest
from conftest import proxied_client
from fakegateway import FakeGateway

from vcrproxy import load_cassette

BODY = {"model": "gpt-x", "stream": True,
        "messages": [{"role": "user", "content": "one two three four five"}]}


def _events(proxy, ca: str, url: str) -> tuple[list[float], str | None]:
    """Arrival time (s after the request) of each SSE event, and the error ending it, if any."""
    times: list[float] = []
    with proxied_client(proxy, ca) as client:
        start = time.monotonic()
        try:
            with client.stream("POST", url, json=BODY) as r:
                assert r.status_code == 200
                for line in r.iter_lines():
                    if line.startswith("data:"):
                        times.append(time.monotonic() - start)
        except Exception as e:  # noqa: BLE001 - a cut ends the stream with an error
            return times, type(e).__name__
    return times, None


@pytest.fixture(scope="module")
def slow_gateway():
    with FakeGateway(gap_ms=150) as gw:
        yield gw


@pytest.fixture
def recording(run_proxy, slow_gateway, ca_cert, tmp_path):
    url = slow_gateway.url + "/v1/chat/completions"
    path = tmp_path / "slow.yaml"
    proxy = run_proxy(path, "record")
    times, error = _events(proxy, ca_cert, url)
    proxy.stop()
    assert error is None and len(times) >= 6
    chunks = load_cassette(path).interactions[0].response.chunks
    assert chunks and chunks[-1][0] > 600  # recorded: the last event after 600+ ms
    return path, url, times


def test_cut_keeps_the_recorded_pace_up_to_the_cut(recording, run_proxy, ca_cert):
    path, url, recorded = recording
    proxy = run_proxy(path, "replay", pace="recorded", fault="cut:4")
    times, error = _events(proxy, ca_cert, url)
    proxy.stop()
    assert error is not None and len(times) == 4, (times, error)  # cut after 4 events
    # The 4th event at its recorded time (not at once): 3 gaps of ~150 ms after the first.
    assert times[3] - times[0] >= 0.7 * (recorded[3] - recorded[0]), (times, recorded)


def test_stall_adds_to_the_recorded_pace(recording, run_proxy, ca_cert):
    path, url, recorded = recording
    proxy = run_proxy(path, "replay", pace="recorded", fault="stall:100")
    times, error = _events(proxy, ca_cert, url)
    proxy.stop()
    assert error is None and len(times) == len(recorded)
    gaps = len(times) - 1
    # The recorded span plus 100 ms per gap (replaced, it is only 100 ms per gap).
    want = (recorded[-1] - recorded[0]) + gaps * 0.1
    assert times[-1] - times[0] >= 0.85 * want, (times, recorded)
