"""Tester6: an API key given as the proxy URL's user
(`HTTPS_PROXY=http://$OPENAI_API_KEY@127.0.0.1:PORT`: a careless mix-up of the key and the
cassette name, or a tool that puts its credential there) becomes a cassette file name: the
proxy records into `sk-proj-...yaml` beside the project's cassettes, and `git add cassettes/`
commits the key in the file's name (the body inside is redacted, the name is not). Round 11
fixed the same for a key in a pytest id ("A key in a pytest id never becomes a cassette file
name"); the proxy URL is the other way a name arrives. Real proxy, httpx, the fake gateway.
"""

from __future__ import annotations

import os
import ssl

import httpx
from secret_shapes import SHAPE_EXAMPLES

from vcrproxy.childenv import proxy_url

KEY = SHAPE_EXAMPLES["openai"][:60]


def test_tester6_a_key_named_as_the_cassette_never_becomes_a_file_name(run_proxy, gateway,
                                                                      ca_cert, tmp_path):
    root = tmp_path / "cassettes"
    root.mkdir()
    proxy = run_proxy(str(root / "default.yaml"), "record", cassette_dir=str(root))
    url = proxy_url("127.0.0.1", proxy.proxy.port, KEY)
    with httpx.Client(proxy=url, verify=ssl.create_default_context(cafile=ca_cert),
                      timeout=20) as client:
        client.get(f"{gateway.url}/json")
    proxy.stop()
    names = [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]
    assert not [n for n in names if KEY[8:30] in n], f"a file is named after the key: {names}"
