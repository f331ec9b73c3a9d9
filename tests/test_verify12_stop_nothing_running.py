"""Verify12: round 12 makes `eval "$(vcrproxy stop)"` give the shell back the values a
background start replaced (b17c03f, VCRPROXY_SAVED_ENV). A second `eval "$(vcrproxy stop)"`
(a CI script's cleanup trap after its explicit stop, a habit) finds no session and still
prints `unset` for every variable a start sets, then `(exit 1)`: eval runs the unsets before
the failing line, so the shell loses the company HTTPS_PROXY / SSL_CERT_FILE /
NODE_EXTRA_CA_CERTS the first stop had just put back, though no vcrproxy export is left in it
(SessionGone's "the shell's exports point at nothing" does not hold: the shell holds none).
The same happens in a fresh terminal. Real CLI in bash.
"""

from __future__ import annotations

from test_background import cassette, shell


def test_verify12_a_second_stop_leaves_the_restored_shell_alone(confdir, tmp_path):
    path = cassette(tmp_path / "c.yaml")
    bundle = tmp_path / "company-ca.pem"
    bundle.write_text("")
    got = shell(f"""
        export HTTPS_PROXY=http://corp-proxy:3128 SSL_CERT_FILE={bundle}
        export NODE_EXTRA_CA_CERTS={bundle}
        eval "$("$VCRPROXY" replay --background {path} 2>/dev/null)" || exit 9
        eval "$("$VCRPROXY" stop 2>/dev/null)"
        echo "restored: $HTTPS_PROXY $SSL_CERT_FILE $NODE_EXTRA_CA_CERTS"
        eval "$("$VCRPROXY" stop 2>/dev/null)"; echo "second stop exit $?"
        echo "after: ${{HTTPS_PROXY:-unset}} ${{SSL_CERT_FILE:-unset}} \\
${{NODE_EXTRA_CA_CERTS:-unset}}"
    """, confdir)
    lines = got.stdout.splitlines()
    assert f"restored: http://corp-proxy:3128 {bundle} {bundle}" in lines, got.stdout + got.stderr
    assert "second stop exit 1" in lines, got.stdout + got.stderr  # (nothing to stop: an error)
    assert f"after: http://corp-proxy:3128 {bundle} {bundle}" in lines, got.stdout + got.stderr
