"""Shared use of one machine and one cassette folder: other local users, concurrent recorders,
many cassette names, symlinks, a large recording next to small requests. Real processes and a
real proxy throughout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

OTHER_UID = 65534  # `nobody`: needs no account to be created

# A stdlib-only client (the other user cannot be assumed to read our venv): one proxied GET,
# prints the status line it got, or "closed" when the proxy hung up without answering.
RAW_CLIENT = textwrap.dedent("""
    import socket, sys
    port, url = int(sys.argv[1]), sys.argv[2]
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(f"GET {url} HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n".encode())
        data = s.recv(200)
    except ConnectionResetError:
        data = b""
    print(data.split(b"\\r\\n")[0].decode() if data else "closed")
""")


def _as_uid(uid: int):
    def switch() -> None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)

    return switch


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peer uid check is Linux-only")
@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another uid needs root")
def test_a_client_of_another_user_is_refused(run_proxy, gateway, tmp_path, caplog):
    """Record mode is an open forward proxy to whoever can connect: another uid's client gets
    its connection closed, nothing goes upstream, nothing is recorded; ours is served."""
    cassette = tmp_path / "mine.yaml"
    proxy = run_proxy(cassette, "record")
    port = str(proxy.proxy.port)
    url = gateway.url.replace("https://", "http://") + "/json"  # plain HTTP: any answer will do
    before = gateway.connections
    # A system Python: ours may live in a folder the other user cannot read.
    system_python = shutil.which("python3", path="/usr/bin:/bin")
    if system_python is None:
        pytest.skip("no /usr/bin/python3 the other user can run")
    theirs = subprocess.run([system_python, "-c", RAW_CLIENT, port, url], cwd="/",
                            capture_output=True, text=True, timeout=30,
                            preexec_fn=_as_uid(OTHER_UID))
    assert theirs.stdout.strip() == "closed", theirs.stdout + theirs.stderr
    assert gateway.connections == before  # nothing went upstream for them
    assert f"refused a connection from uid {OTHER_UID}" in caplog.text
    ours = subprocess.run([sys.executable, "-c", RAW_CLIENT, port, url],
                          capture_output=True, text=True, timeout=30)
    assert ours.stdout.startswith("HTTP/1.1 "), ours.stdout + ours.stderr
    assert gateway.connections > before  # ours went upstream
