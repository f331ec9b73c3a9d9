"""An .env attached as plain text keeps its credential lines; the same .env in base64 does not.

8d1bce9 scans a base64 text document a request attaches (an Anthropic `document` with
`source.type: "base64"`, OpenAI `file_data`) for shapes, named fields and credential-named
`.env` lines (`DB_PASSWORD=...`), so such a value never reaches the cassette. The same file
attached the other ways the APIs offer is recorded as it is: an Anthropic plain-text document
(`source.type: "text"`, documented for .txt/.md attachments) and a multipart upload of the file
(`POST /v1/files`, the openai SDK's `files.create`). A password with no key shape is then on
disk in the cassette, and `vcrproxy check` says ok. Real proxy, real fake gateway, httpx.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from conftest import proxied_client

PASSWORD = "hunter2" + "Zq9" + "xWv"  # no key shape: only the .env line's name says secret
ENV = f"DB_HOST=db.internal\nDB_PASSWORD={PASSWORD}\nSTRIPE_WEBHOOK_SECRET={PASSWORD}x\n"
EXE = os.path.join(os.path.dirname(sys.executable), "vcrproxy")


def _message(source: dict) -> dict:
    return {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{
        "role": "user",
        "content": [{"type": "document", "source": source},
                    {"type": "text", "text": "What does this config connect to?"}],
    }]}


def _record(run_proxy, gateway, ca_cert, path, send) -> str:
    proxy = run_proxy(path, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert send(client).status_code == 200
    proxy.stop()
    return path.read_text()


def test_base64_env_document_is_scrubbed(run_proxy, gateway, ca_cert, tmp_path):
    """The control (holds since 8d1bce9)."""
    body = _message({"type": "base64", "media_type": "text/plain",
                     "data": base64.b64encode(ENV.encode()).decode()})
    text = _record(run_proxy, gateway, ca_cert, tmp_path / "b64.yaml",
                   lambda c: c.post(gateway.url + "/v1/messages", json=body))
    data = json.loads(next(line.split("body: ", 1)[1].strip("'")
                           for line in text.splitlines() if "claude-sonnet" in line))
    doc = base64.b64decode(data["messages"][0]["content"][0]["source"]["data"]).decode("utf-8",
                                                                                     "replace")
    assert PASSWORD not in doc


@pytest.mark.parametrize("how", ["anthropic-text-document", "multipart-file-upload"])
def test_plain_text_env_attachment_is_scrubbed_too(run_proxy, gateway, ca_cert, tmp_path, how):
    path = tmp_path / "plain.yaml"
    if how == "anthropic-text-document":
        body = _message({"type": "text", "media_type": "text/plain", "data": ENV})
        text = _record(run_proxy, gateway, ca_cert, path,
                       lambda c: c.post(gateway.url + "/v1/messages", json=body))
    else:
        text = _record(run_proxy, gateway, ca_cert, path, lambda c: c.post(
            gateway.url + "/v1/files", data={"purpose": "user_data"},
            files={"file": (".env", ENV.encode(), "text/plain")}))
    checked = subprocess.run([EXE, "check", str(path)], capture_output=True, text=True,
                             timeout=60)
    assert PASSWORD not in text, (
        f"{how}: the .env's DB_PASSWORD is in the cassette (base64 attachments are scrubbed); "
        f"check says: {checked.stdout.strip()}"
    )
