"""Tester: `vcrproxy check` output (a pre-commit hook's, printed in CI logs) must never show a
secret (find_secrets: "A finding never shows a secret"; _Finder._what: "may show the first 6
characters (a provider prefix), never more"). For shapes whose match has no provider prefix
the 6 characters are the secret's own: a bearer token's first 6 characters (its `secret`
group starts after `Bearer `), an Azure AD client secret's first 4. The real click command.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette
from vcrproxy.cli.main import main


def test_check_findings_show_no_part_of_a_bearer_token(tmp_path):
    token = "q7Zp2Lx9Wv4Rt8Ks" + "Mn3Bc6Df"
    body = json.dumps({"note": f'curl -H "Authorization: Bearer {token}" https://api.example'})
    path = tmp_path / "c.yaml"
    save_cassette(Cassette([Interaction(0, Request(
        method="POST", url="https://api.example/v1/x", body=body,
        headers={"Content-Type": ["application/json"]}), Response(body="{}"))]), path)
    out = CliRunner().invoke(main, ["check", str(path)], prog_name="vcrproxy")
    # (found by its shape, or as the value of the `Authorization: ...` line it is in)
    assert out.exit_code == 1 and ("bearer token" in out.output
                                   or "line Authorization" in out.output), out.output
    assert token[:6] not in out.output, out.output
