"""Tester: `vcrproxy redact` (a pre-commit hook, a teammate) rewriting a cassette while a
`record` session on it has not yet recorded its first exchange makes that session append to
the old recordings instead of replacing them: store.CassetteWriter takes any change of the
file after the session looked at it for another recorder's afresh start ("keep theirs"). The
re-recorded cassette then holds the stale exchange before the new one, and replay answers the
same request with the stale recording.

README (Modes): `record` | "recorded afresh (the file is replaced once the first exchange
completes)"; (Cassettes) redact "holds an OS lock ... a proxy appending to it meanwhile waits,
then re-reads". A redact is no recorder: the session must still start the file afresh.

Expected: after the record session the cassette holds only the new exchange, and replay
answers with it."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import proxied_client

from vcrproxy import load_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = "sk-proj-" + "A1b2" * 8  # key-shaped, built at runtime


def test_record_replaces_a_cassette_redacted_before_its_first_exchange(run_proxy, gateway,
                                                                      ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    url = gateway.url + "/echo?plain=1"
    old = run_proxy(cassette, "record", redact=False)  # (recorded elsewhere, unredacted)
    with proxied_client(old, ca_cert) as client:
        assert client.get(url, headers={"X-Run": "old", "X-Api-Key": KEY}).status_code == 200
    old.stop()

    proxy = run_proxy(cassette, "record")
    fixed = subprocess.run([VCRPROXY, "redact", str(cassette)], capture_output=True, text=True,
                           timeout=60)
    assert fixed.returncode == 0 and "secret(s) redacted" in fixed.stdout, fixed.stderr
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(url, headers={"X-Run": "new"}).status_code == 200
    proxy.stop()

    runs = [i.request.headers.get("X-Run") for i in load_cassette(str(cassette)).interactions]
    replay = run_proxy(cassette, "replay")
    with proxied_client(replay, ca_cert) as client:
        answer = client.get(url, headers={"X-Run": "new"}).json()
    assert answer["headers"].get("x-run") == "new", f"replayed the stale recording ({runs})"
    assert runs == [["new"]], runs
