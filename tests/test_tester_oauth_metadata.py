"""Tester: OAuth discovery metadata, which every MCP client fetches before it can talk to a
protected MCP server (RFC 9728 `/.well-known/oauth-protected-resource`, RFC 8414
`/.well-known/oauth-authorization-server`), is "redacted" as if it held credentials:
`authorization_servers` (the list of the authorization servers' URLs) becomes
`["<REDACTED>"]`, and so do `token_endpoint_auth_signing_alg_values_supported` (`["RS256"]`)
and `authorization_details_types_supported`. These are public settings, not secrets (the rule
already spares `authorization_endpoint`, `token_endpoint`, `*_auth_methods_supported`); `check`
flags them, and a replayed MCP session gets `<REDACTED>` as its authorization server URL, so
the client's next request (`<REDACTED>/.well-known/...`) cannot even be made.

Expected: these fields are recorded and replayed as the server sent them, and `check` finds
nothing in them. Real proxy (record, then replay), a raw loopback server, httpx, the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import proxied_client, raw_answers

from vcrproxy.store import load_cassette

VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
METADATA = {
    "resource": "https://mcp.example.com/mcp",
    "authorization_servers": ["https://auth.example.com"],
    "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
    "authorization_details_types_supported": ["payment_initiation"],
    "scopes_supported": ["mcp:tools"],
}


def _answer(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n%s" % (len(body), body))


def test_oauth_discovery_metadata_is_not_redacted(run_proxy, ca_cert, tmp_path):
    body = json.dumps(METADATA).encode()
    cassette = tmp_path / "mcp.yaml"
    with raw_answers([_answer(body)]) as base:
        url = f"{base}/.well-known/oauth-protected-resource"
        proxy = run_proxy(cassette, "record")
        with proxied_client(proxy, ca_cert) as client:
            assert client.get(url).json() == METADATA
        proxy.stop()
    (recorded,) = load_cassette(str(cassette)).interactions
    assert json.loads(recorded.response.body_bytes) == METADATA, recorded.response.body_bytes
    check = subprocess.run([VCRPROXY, "check", str(cassette)], capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    replay = run_proxy(cassette, "replay")
    with proxied_client(replay, ca_cert) as client:
        assert client.get(url).json() == METADATA


def test_discovery_names_are_settings_and_credentials_stay_credentials():
    from vcrproxy.redaction import is_credential_name

    for name in ("bearer_methods_supported", "dpop_signing_alg_values_supported",
                 "introspection_endpoint_auth_methods_supported", "authorization_server",
                 "authorization_details", "code_challenge_methods_supported"):
        assert not is_credential_name(name), name
    for name in ("authorization", "auth_token", "authorization_code", "client_secret",
                 "access_token", "auth_signing_key", "refresh_token"):
        assert is_credential_name(name), name


def test_device_flow_and_pkce_secrets_are_credentials():
    """The verifier's neighbour: RFC 8628's device_code (it polls for the user's tokens) and
    RFC 7636's code_verifier (it redeems an authorization code) were kept as they were."""
    from vcrproxy.redaction import DEFAULT_REDACTION, is_credential_name, redact_interaction

    for name in ("device_code", "deviceCode", "code_verifier", "codeVerifier"):
        assert is_credential_name(name), name
    for name in ("user_code", "verification_uri", "code", "error_code", "device_name"):
        assert not is_credential_name(name), name
    from vcrproxy.cassette import Interaction, Request, Response

    body = json.dumps({"device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
                       "user_code": "WDJB-MJHT", "verification_uri": "https://x.example/device"})
    i = Interaction(id=0, request=Request(url="https://x.example/token", method="POST"),
                    response=Response(code=200, status="200 OK", body=body,
                                      headers={"Content-Type": ["application/json"]}))
    out = json.loads(redact_interaction(i, DEFAULT_REDACTION).response.body)
    assert out["device_code"] == "<REDACTED>" and out["user_code"] == "WDJB-MJHT"
