"""Verify12: round 12's mid-line assignment rule (f072613: `docker run -e DB_PASSWORD=...`,
`ENV API_TOKEN=...`, `heroku config:set NAME=...`) takes a name only after a space, unquoted.
The commonest command-line forms of the same kind are recorded as sent: `kubectl create secret
generic --from-literal=DB_PASSWORD=...` (Kubernetes' documented way), `docker run -e
'DB_PASSWORD=...'` (the quoted form shells teach), and `docker run --env=DB_PASSWORD=...`.
A chat message holding the command, real proxy, httpx, the fake gateway's /echo.
"""

from __future__ import annotations

import json

import pytest
from conftest import record_through

PW = "hunter2" + "Zq9xWv" + "Kp4"

COMMANDS = {
    "kubectl-from-literal": f"kubectl create secret generic db --from-literal=DB_PASSWORD={PW}",
    "docker-e-single-quoted": f"docker run -e 'DB_PASSWORD={PW}' postgres",
    "docker-env-equals": f"docker run --env=DB_PASSWORD={PW} postgres",
}


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_verify12_assignment_in_a_command_is_redacted(kind, run_proxy, gateway, ca_cert,
                                                      tmp_path):
    cassette = tmp_path / "cmd.yaml"
    body = json.dumps({"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": f"Why does this fail?\n{COMMANDS[kind]}"}]})
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo", "content": body.encode(),
        "headers": {"content-type": "application/json"}})
    text = cassette.read_text()
    assert "Why does this fail" in text  # (recorded)
    assert PW not in text, f"the {kind} password reached the cassette"
