"""Tester12: go-vcr's `form` is Go's Request.Form, a map whose keys are the field names. A
urlencoded body whose text is no `name=value` pair, such as `curl -d` of a prompt or of JSON
without a Content-Type (curl then sends application/x-www-form-urlencoded), becomes one field
*named* after the whole body. Recording redacted the body and the form's values but wrote that
name as it was: an OpenAI key, a custom --redact-patterns secret, or a value under a credential
name in the JSON reached the cassette, and `vcrproxy check` said `ok`. Expected: form field
names are scrubbed as the body is, in recording, `redact` and `check`."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import record_through

from vcrproxy import load_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
KEY = "sk-proj-" + "Zq8K9QW2ZP7xqLm4Vn6Bt3Rc5Yd1Hf0Gj2Ks8Lp4Mw6"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def _record(run_proxy, ca_cert, gateway, path, body: str, **vcr) -> str:
    record_through(run_proxy, path, ca_cert, {"method": "POST",
                                              "url": gateway.url + "/echo?plain=1",
                                              "content": body, "headers": FORM}, **vcr)
    return path.read_text()


def test_a_key_in_a_form_field_name_is_not_recorded(run_proxy, ca_cert, gateway, tmp_path):
    text = _record(run_proxy, ca_cert, gateway, tmp_path / "c.yaml", f"note {KEY} here")
    assert KEY not in text, text
    form = load_cassette(str(tmp_path / "c.yaml")).interactions[0].request.form
    assert form == {"note <REDACTED> here": [""], "plain": ["1"]}, form


def test_a_named_json_value_in_a_form_field_name_is_not_recorded(run_proxy, ca_cert, gateway,
                                                                 tmp_path):
    body = '{"api_key": "abcd1234efgh5678", "q": "x"}'
    text = _record(run_proxy, ca_cert, gateway, tmp_path / "c.yaml", body)
    assert "abcd1234efgh5678" not in text, text


def test_a_custom_pattern_in_a_form_field_name_is_not_recorded(run_proxy, ca_cert, gateway,
                                                               tmp_path):
    text = _record(run_proxy, ca_cert, gateway, tmp_path / "c.yaml", "hello zq123x world",
                   redact_patterns=["zq[0-9]{2,4}x"])
    assert "zq123x" not in text, text


def test_check_reports_and_redact_scrubs_a_form_field_name(run_proxy, ca_cert, gateway,
                                                           tmp_path):
    path = tmp_path / "c.yaml"
    _record(run_proxy, ca_cert, gateway, path, f"note {KEY} here", redact=False)
    assert KEY in path.read_text()  # (as a go-vcr recording elsewhere would hold it)
    check = subprocess.run([VCRPROXY, "check", str(path)], capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "form field name" in check.stderr, check.stderr
    assert KEY not in check.stdout + check.stderr
    fix = subprocess.run([VCRPROXY, "redact", str(path)], capture_output=True, text=True,
                         timeout=60)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert KEY not in path.read_text(), path.read_text()
