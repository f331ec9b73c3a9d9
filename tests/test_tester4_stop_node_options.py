"""Tester: `eval "$(vcrproxy stop)"` leaves vcrproxy's Node preload in the shell's NODE_OPTIONS
(`--require ".../vcrproxy/node_preload.cjs"`), which `eval "$(vcrproxy replay --background
C)"` put there: `stop` unsets HTTPS_PROXY, SSL_CERT_FILE and the other exports but skips
NODE_OPTIONS (so as not to lose the user's own options), and nothing takes the preload out. The
shell's every later `node` then loads vcrproxy's preload with no session running, and fails
outright ("Cannot find module") once that checkout or virtualenv is gone.

README: "`eval "$(vcrproxy stop)"` ends it: summary on stderr, unsets the exports".

Expected: after stop, NODE_OPTIONS is what it was before the session (here: the user's own
option alone), with no vcrproxy preload."""

from __future__ import annotations

from test_background import cassette, shell


def test_stop_takes_the_node_preload_back_out_of_node_options(confdir, tmp_path):
    path = cassette(tmp_path / "c.yaml")
    got = shell(f"""
        export NODE_OPTIONS="--max-old-space-size=4096"
        eval "$("$VCRPROXY" replay --background {path} 2>/dev/null)" || exit 9
        echo "during: $NODE_OPTIONS"
        eval "$("$VCRPROXY" stop 2>/dev/null)"
        echo "after: $NODE_OPTIONS"
    """, confdir)
    lines = dict(line.split(": ", 1) for line in got.stdout.splitlines() if ": " in line)
    assert "node_preload.cjs" in lines.get("during", ""), got.stdout + got.stderr
    assert lines.get("after") == "--max-old-space-size=4096", got.stdout
