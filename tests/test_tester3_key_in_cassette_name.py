"""Tester3: the pytest plugin writes a key into the cassette's file name. A suite that
parametrizes over providers and their keys (`@pytest.mark.parametrize("provider, key",
[("openai", os.environ["OPENAI_API_KEY"]), ...])`) gets test ids such as
`test_chat[openai-sk-proj-...]`, and the plugin names each cassette after its id
(`cassettes/test_mod/test_chat-openai-sk-proj-....yaml`): the key is committed with the file
name, while the file's content is redacted. The README: secrets never reach a cassette; long
ids already end in a hash, a key could become the same.
Real pytest with the installed plugin, a loopback upstream, httpx through the test's proxy.
"""

from __future__ import annotations

import os
import subprocess
import sys

from secret_shapes import SHAPE_EXAMPLES

KEY = SHAPE_EXAMPLES["openai"][:60]

TEST_FILE = '''
import http.server, os, threading
import httpx, pytest

class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *a):
        pass

@pytest.fixture(scope="module")
def upstream():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()

@pytest.mark.parametrize("provider, key", [("openai", os.environ["T_KEY"])])
def test_chat(vcrproxy, upstream, provider, key):
    r = httpx.get(upstream + "/v1/models", headers={"Authorization": "Bearer " + key})
    assert r.status_code == 200
'''


def test_cassette_file_name_holds_no_key(confdir, tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_providers.py").write_text(TEST_FILE)
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir, T_KEY=KEY, PYTHONDONTWRITEBYTECODE="1")
    got = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
         str(suite), str(suite), "--vcrproxy-mode", "record"],
        env=env, capture_output=True, text=True, timeout=120, cwd=suite)
    assert got.returncode == 0, got.stdout[-2000:] + got.stderr[-2000:]
    names = [os.path.join(d, f) for d, _, fs in os.walk(suite / "cassettes") for f in fs]
    assert names, "no cassette was written"
    for name in names:
        assert KEY not in open(name).read()  # (the content is redacted)
    assert not [n for n in names if KEY[:20] in n], f"the key is in the file name: {names}"
