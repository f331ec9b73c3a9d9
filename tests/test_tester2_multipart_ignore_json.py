"""`--match-ignore-json` does not reach a JSON part of a multipart request body.

README: `--match-ignore-json` drops volatile JSON paths from request bodies when matching, and
a multipart body is matched part by part, each part's body by its content type (a JSON part as
JSON). Uploads commonly carry a JSON metadata part beside the file (Gemini's and Vertex's
`multipart/related` upload, a form's `metadata` part), with a timestamp or request id in it.
The JSON part is compared as JSON (key order ignored) but the ignored paths are not applied to
it (`_Body(part.body, (), ...)` in matching.py), so the very option meant for such a field
cannot make the upload replay: every run misses.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402


def _upload(client, url: str, stamp: int):
    metadata = json.dumps({"file": {"display_name": "notes"}, "client_ts": stamp})
    files = {
        "metadata": ("metadata.json", metadata.encode(), "application/json"),
        "file": ("notes.txt", b"some notes\n", "text/plain"),
    }
    return client.post(url, files=files)


def test_match_ignore_json_applies_to_a_json_multipart_part(run_proxy, gateway, ca_cert,
                                                            tmp_path):
    cassette = tmp_path / "c.yaml"
    url = gateway.url + "/echo"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert _upload(client, url, 1700000000).status_code == 200
    proxy.stop()

    proxy = run_proxy(cassette, "replay", match_ignore_json=["client_ts"])
    with proxied_client(proxy, ca_cert) as client:
        replayed = _upload(client, url, 1700000999)
    assert "x-vcrproxy-miss" not in replayed.headers, (
        "the upload missed although its only difference is the ignored JSON path client_ts: "
        + replayed.text[:400]
    )
    assert replayed.status_code == 200
