"""Tester8: `eval "$(vcrproxy replay --background C)"` ... `eval "$(vcrproxy stop)"` leaves the
user's shell without variables it had before the session: the start replaces SSL_CERT_FILE /
REQUESTS_CA_BUNDLE (a company CA bundle, say) and unsets NO_PROXY, and stop only `unset`s, so
afterwards the shell has no SSL_CERT_FILE and no NO_PROXY at all: Python clients lose the
company CA (TLS errors to internal hosts), and internal hosts go to the corporate proxy. stop
already puts NODE_OPTIONS back as it was (the preload taken out); the other variables it
touched get no such care. README: like ssh-agent, "`eval "$(vcrproxy stop)"` ends it: ...
unsets the exports". Expected: after stop, NO_PROXY and SSL_CERT_FILE are what they were
before the session."""

from __future__ import annotations

from test_background import cassette, shell


def test_tester8_stop_gives_the_shell_its_variables_back(confdir, tmp_path):
    path = cassette(tmp_path / "c.yaml")
    bundle = tmp_path / "company-ca.pem"
    bundle.write_text("")
    got = shell(f"""
        export NO_PROXY=corp.internal SSL_CERT_FILE={bundle}
        eval "$("$VCRPROXY" replay --background {path} 2>/dev/null)" || exit 9
        eval "$("$VCRPROXY" stop 2>/dev/null)"
        echo "after: ${{NO_PROXY:-unset}} ${{SSL_CERT_FILE:-unset}}"
    """, confdir)
    assert f"after: corp.internal {bundle}" in got.stdout.splitlines(), got.stdout + got.stderr
