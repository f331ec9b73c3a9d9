"""Verify12: round 12 redacts a credential in code pasted into a chat message when its value is
double-quoted inside the JSON string (7ca77bb: `connect(password=\\"...\\")`, `let password =
\\"...\\"`; 301a1d0: PHP's `'password' => \\"...\\"`). The same kind, one step aside, is
recorded as sent: PHP's double-quoted key (`"password" => "..."`, as common as the single-quoted
one the fix took), Python's `os.environ["DB_PASSWORD"] = "..."`, a JavaScript object literal
(`{ password: "..." }`), a bytes literal (`password=b"..."`, whose single-quoted twin is
redacted), Go's `password := "..."`. Real proxy, httpx, the fake gateway's /echo.
"""

from __future__ import annotations

import json

import pytest
from conftest import record_through

PW = "Zq8hunter2" + "Secret77"

FORMS = {
    "php-double-quoted-key": f'$db = ["password" => "{PW}"];',
    "python-os-environ": f'os.environ["DB_PASSWORD"] = "{PW}"',
    "js-object-literal": f'const config = {{ host: "db", password: "{PW}" }};',
    "python-bytes-literal": f'conn = connect(user="u", password=b"{PW}")',
    "go-short-decl": f'password := "{PW}"',
}


@pytest.mark.parametrize("form", list(FORMS))
def test_verify12_double_quoted_credential_in_chat_code_is_redacted(form, run_proxy, gateway,
                                                                    ca_cert, tmp_path):
    cassette = tmp_path / "code.yaml"
    body = json.dumps({"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": f"Why does this fail?\n\n{FORMS[form]}\n"}]})
    record_through(run_proxy, cassette, ca_cert, {
        "method": "POST", "url": f"{gateway.url}/echo", "content": body.encode(),
        "headers": {"content-type": "application/json"}})
    text = cassette.read_text()
    assert "Why does this fail" in text  # (recorded)
    assert PW not in text, f"the {form} credential reached the cassette"
