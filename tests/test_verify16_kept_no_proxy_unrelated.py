"""Verify16: the other side of tester12's kept NO_PROXY (55701d7). With `--keep-no-proxy` the
kept NO_PROXY was named first as the likely cause of any bypass, even one that lists none of
the cassette's hosts (`NO_PROXY=.corp.example`, the usual reason to keep it): the paragraph then
told the user to take the API's host out of a NO_PROXY that never held it, before the real
cause (here a Python client built with `trust_env=False`). Expected: in replay, where the
cassette names the hosts, the kept NO_PROXY is blamed only when it lists one of them."""

from __future__ import annotations

from test_tester12_kept_no_proxy_bypass import replay_kept_no_proxy


def test_a_kept_no_proxy_without_the_cassettes_hosts_is_not_blamed(gateway, confdir, tmp_path):
    got = replay_kept_no_proxy(gateway, confdir, tmp_path, ".corp.example,build-cache.internal",
                               False)
    assert got.returncode == 4, got.stdout + got.stderr
    assert "made no request through the proxy" in got.stderr
    assert "Likely cause: --keep-no-proxy" not in got.stderr, got.stderr
    assert "trust_env=False" in got.stderr, got.stderr
