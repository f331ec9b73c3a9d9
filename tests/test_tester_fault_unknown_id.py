"""`--fault KIND@#ID` naming an interaction the cassette does not hold never fires, silently.

`vcrproxy replay c.yaml --fault status:429@#99 -- pytest` on a cassette of interactions 0 and 1:
every request is replayed, the summary lists no fault and says nothing about #99, exit 0. The
user's retry test passes without its 429 ever being sent: a test that cannot fail (a typo in the
id, or a re-recording that renumbered the interactions). The id is known to be absent when the
cassette opens; a one-line error (or at least a warning naming #99) is what the brief asks for.
Real CLI, real curl.
"""

from __future__ import annotations

import shutil

import pytest
from test_cli_sessions import base_env, vcr  # noqa: F401  (fixtures)

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

URL = "https://api.example.invalid/v1/models"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_a_fault_for_an_interaction_id_the_cassette_lacks_is_not_silent(vcr, tmp_path):  # noqa: F811
    body = '{"object":"list","data":[]}'
    path = tmp_path / "c.yaml"
    save_cassette(Cassette(interactions=[Interaction(
        id=i,
        request=Request(url=URL, method="GET", body="", headers={}, content_length=0),
        response=Response(code=200, status="200 OK", body=body,
                          headers={"Content-Type": ["application/json"]},
                          content_length=len(body), duration_ns=0),
    ) for i in (0, 1)]), str(path))

    got = vcr("replay", path, "--fault", "status:429@#99", "--", "curl", "-sS", "-m", "10", URL)
    # The id's absence is known when the cassette is read: a one-line error at start, so curl
    # never runs (no output), rather than a run that passes without its 429.
    assert got.returncode != 0 and got.stdout == "", (
        f"exit {got.returncode}; nothing says the fault can never fire:\n{got.stderr}"
    )
    lines = got.stderr.strip().splitlines()
    assert len(lines) == 1 and "#99" in lines[0] and "Traceback" not in got.stderr, got.stderr
