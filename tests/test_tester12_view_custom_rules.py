"""Tester12: `show` (every view) and `diff` mask secrets "with the rules recording and check
apply", but only ever applied the built-in ones. With `VCRPROXY_REDACT_FIELDS` /
`VCRPROXY_REDACT_PATTERNS` set (a team's own credential field or key shape, in CI's
environment), recording and `vcrproxy check` treat those as secrets, while `show` and the
`git diff` textconv (`show --plain`) printed them into the terminal or CI log. Expected: the
views take the same --redact-* options and VCRPROXY_REDACT_* variables as check and redact."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import record_through

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
FIELD_VALUE = "Kq7Wm2Zx9Lp4"
SHAPE = "acme_" + "7f3k9q2m8x4w"
BODY = f'{{"customer_ref": "{FIELD_VALUE}", "note": "token {SHAPE} inside"}}'
ENV = {"VCRPROXY_REDACT_FIELDS": "customer_ref", "VCRPROXY_REDACT_PATTERNS": r"acme_[0-9a-z]{12}"}
FLAGS = ["--redact-fields", "customer_ref", "--redact-patterns", r"acme_[0-9a-z]{12}"]


@pytest.fixture(scope="module")
def cassettes(tmp_path_factory, confdir, gateway, ca_cert):
    from conftest import running_proxy

    folder = tmp_path_factory.mktemp("views")
    paths = []
    for name, body in (("old.yaml", BODY), ("new.yaml", BODY.replace("inside", "there"))):
        path = folder / name
        with running_proxy(confdir, gateway, path, "record", redact=False) as proxy:
            record_through(lambda *a, **k: proxy, path, ca_cert,
                           {"method": "POST", "url": gateway.url + "/echo?plain=1",
                            "content": body, "headers": {"content-type": "application/json"}})
        assert FIELD_VALUE in path.read_text() and SHAPE in path.read_text()
        paths.append(str(path))
    return folder, paths


def _run(args, env_extra, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCRPROXY_REDACT")}
    env.update(env_extra)
    return subprocess.run([VCRPROXY, *args], capture_output=True, text=True, timeout=60,
                          env=env, cwd=cwd)


@pytest.mark.parametrize("how", ["env", "flags"])
@pytest.mark.parametrize("view", [[], ["--raw"], ["--json"], ["--plain"]])
def test_show_masks_the_configured_secrets(cassettes, view, how):
    folder, (old, _) = cassettes
    got = _run(["show", *view, *(FLAGS if how == "flags" else []), old],
               ENV if how == "env" else {}, folder)
    assert got.returncode == 0, got.stderr
    out = got.stdout + got.stderr
    assert FIELD_VALUE not in out and SHAPE not in out, out
    assert "<REDACTED>" in out or view in ([], ["--json"]), out  # (views without the body)


@pytest.mark.parametrize("how", ["env", "flags"])
def test_show_html_masks_the_configured_secrets(cassettes, how):
    folder, (old, _) = cassettes
    out = folder / f"report-{how}.html"
    got = _run(["show", "--html", str(out), *(FLAGS if how == "flags" else []), old],
               ENV if how == "env" else {}, folder)
    assert got.returncode == 0, got.stderr
    page = out.read_text()
    assert FIELD_VALUE not in page and SHAPE not in page


@pytest.mark.parametrize("how", ["env", "flags"])
def test_diff_masks_the_configured_secrets(cassettes, how):
    folder, (old, new) = cassettes
    got = _run(["diff", *(FLAGS if how == "flags" else []), old, new],
               ENV if how == "env" else {}, folder)
    assert got.returncode == 1, got.stderr
    out = got.stdout + got.stderr
    assert FIELD_VALUE not in out and SHAPE not in out, out


def test_check_reports_them(cassettes):  # (what the views are to agree with)
    folder, (old, _) = cassettes
    got = _run(["check", old], ENV, folder)
    assert got.returncode == 1 and "customer_ref" in got.stderr, got.stderr


def test_diff_with_a_bad_rule_is_an_error_exit_2(cassettes):  # (1 would read "they differ")
    folder, (old, new) = cassettes
    got = _run(["diff", old, new], {"VCRPROXY_REDACT_PATTERNS": "["}, folder)
    assert got.returncode == 2, got.stderr
    assert got.stderr.startswith("Error: bad secret pattern"), got.stderr
