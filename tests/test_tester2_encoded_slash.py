"""Matching: a path segment's percent-encoded slash is not a path separator.

`/v1/models/org%2Fmodel` names one resource (one segment, `org/model`: how Hugging Face style
model ids and many REST APIs put an id holding `/` in a path), `/v1/models/org/model` another
(two segments). RFC 3986 2.2: percent-encoding a reserved character changes what the URL means.
go-vcr's default matcher compares the URLs as written. Replay must not answer one with the
other's recording: it answers the client with a different resource's data.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from conftest import proxied_client  # noqa: E402


def test_encoded_slash_in_a_path_segment_does_not_match_a_real_slash(
    run_proxy, gateway, ca_cert, tmp_path
):
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        recorded = client.get(gateway.url + "/v1/models/org%2Fmodel")
    proxy.stop()
    assert recorded.json()["path"] == "/v1/models/org%2Fmodel"

    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert) as client:
        other = client.get(gateway.url + "/v1/models/org/model")
    # Expected: a miss (400 with X-Vcrproxy-Miss naming the path difference), not the
    # recording of /v1/models/org%2Fmodel.
    assert other.headers.get("x-vcrproxy-miss"), (
        f"/v1/models/org/model was answered with the recording of /v1/models/org%2Fmodel: "
        f"{other.status_code} {other.text[:200]}"
    )
    assert "path" in other.text
