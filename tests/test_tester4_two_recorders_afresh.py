"""Tester: two `vcrproxy record` sessions on one cassette (two terminals, two CI jobs on one
checkout) lose an interaction: terminal A records a1 (its first exchange starts the file afresh);
terminal B starts on the same file after that and its first exchange starts the file afresh
again, dropping a1, although A is still recording (A's summary says "recorded 2" and its
next append, a2, lands after B's b1: the file ends up b1, a2).

README (Cassettes): "every read-modify-write (an append, a first write in record mode, ...)
holds an OS lock ..., and an append re-reads the file first if anyone else wrote it since, so
two recorders on one file (pytest-xdist workers, two terminals) keep each other's
interactions". store.CassetteWriter keeps another recorder's afresh start only if it happened
after this session looked at the file; a recorder that is still running when the second one
starts is not detected.

Expected: the file holds a1, b1 and a2, each once."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys

import httpx

from vcrproxy import load_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def test_a_second_record_session_keeps_what_a_running_one_recorded(gateway, confdir, tmp_path):
    cassette = str(tmp_path / "shared.yaml")
    env = {k: v for k, v in os.environ.items()
           if "PROXY" not in k.upper() and not k.startswith("VCRPROXY_")}
    env["VCRPROXY_CONFDIR"] = confdir
    trust = f"ssl_verify_upstream_trusted_ca={gateway.ca_path}"
    started: list[str] = []

    def start() -> str:
        out = subprocess.run([VCRPROXY, "record", "--background", cassette, "--set", trust,
                              "-q"], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        exports = dict(re.findall(r"export (\w+)='?([^'\n]*)'?", out.stdout))
        started.append(exports["VCRPROXY_PID"])
        return exports["HTTPS_PROXY"]

    def get(proxy: str, who: str) -> None:
        verify = ssl.create_default_context(cafile=os.path.join(confdir, "mitmproxy-ca-cert.pem"))
        with httpx.Client(proxy=proxy, verify=verify, timeout=20) as client:
            assert client.get(f"{gateway.url}/echo?who={who}").status_code == 200

    try:
        a = start()
        get(a, "a1")
        b = start()
        get(b, "b1")
        get(a, "a2")
    finally:
        for pid in started:
            subprocess.run([VCRPROXY, "stop", "--pid", pid], env=env, capture_output=True,
                           timeout=60)
    who = sorted(i.request.url.rsplit("=", 1)[1] for i in load_cassette(cassette).interactions)
    assert who == ["a1", "a2", "b1"], who
