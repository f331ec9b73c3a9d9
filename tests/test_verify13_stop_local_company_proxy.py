"""Verify13: bb25f1d makes a `vcrproxy stop` with no session's exports in the shell (a second
stop, a fresh terminal) keep the shell's own values, unless they "look like" a vcrproxy start's:
any loopback proxy URL. A company proxy is very often a local one: cntlm or px on
http://127.0.0.1:3128 (the usual NTLM-authenticating corporate setup), a local Squid. Such a
shell's `eval "$(vcrproxy stop)"` (a cleanup trap, a fresh terminal) still unsets HTTPS_PROXY /
HTTP_PROXY, which no vcrproxy start exported there: the shell loses its way out. Real CLI in
bash."""

from __future__ import annotations

from test_background import shell


def test_verify13_a_fresh_shell_stop_keeps_a_local_company_proxy(confdir, tmp_path):
    got = shell("""
        export HTTPS_PROXY=http://127.0.0.1:3128 HTTP_PROXY=http://127.0.0.1:3128
        eval "$("$VCRPROXY" stop 2>/dev/null)"; echo "stop exit $?"
        echo "after: ${HTTPS_PROXY:-unset} ${HTTP_PROXY:-unset}"
    """, confdir)
    lines = got.stdout.splitlines()
    assert "stop exit 1" in lines, got.stdout + got.stderr  # (nothing to stop: an error)
    assert "after: http://127.0.0.1:3128 http://127.0.0.1:3128" in lines, got.stdout + got.stderr
