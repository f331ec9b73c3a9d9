"""Tester: the README's "With mitmproxy directly": `mitmdump -s addon/vcr.py` "works from a
checkout without installing the package ... mitmproxy and PyYAML must be importable (and
ahocorasick-rs, else redaction of large bodies is about 30x slower)". With mitmproxy and PyYAML
only (checked in a fresh venv: pip install mitmproxy==11.0.2 pyyaml), loading the script fails:
addon/forms.py imports `multipart` at module level (`ModuleNotFoundError: No module named
'multipart'`, "Error logged during startup, exiting..."). Here the venv's own mitmdump runs
with `multipart` made unimportable, as it is in such an environment.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

MITMDUMP = Path(sys.executable).parent / "mitmdump"
ADDON = Path(__file__).resolve().parent.parent / "addon" / "vcr.py"
CASSETTE = Path(__file__).resolve().parent.parent / "cassettes" / "openai-responses-simple.yaml"


@contextmanager
def mitmdump_without_multipart(confdir: str, tmp_path: Path, cassette: Path):
    """mitmdump -s addon/vcr.py replaying `cassette`, `multipart` unimportable; yields (proxy
    URL, a function returning its output so far). Ends it with SIGINT."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "multipart.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'multipart'\", name='multipart')\n")
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["PYTHONPATH"] = str(shim)
    log = tmp_path / "mitmdump.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(MITMDUMP), "--listen-host", "127.0.0.1", "-p", "0", "--set",
             f"confdir={confdir}", "-s", str(ADDON), "--set", f"vcr_cassette={cassette}",
             "--set", "vcr_mode=replay"],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while "proxy listening at" not in log.read_text():
            assert proc.poll() is None, f"mitmdump exited:\n{log.read_text()[-1500:]}"
            assert time.monotonic() < deadline, f"mitmdump did not listen:\n{log.read_text()}"
            time.sleep(0.05)
        line = next(t for t in log.read_text().splitlines() if "proxy listening at" in t)
        yield f"http://127.0.0.1:{line.rsplit(':', 1)[1].strip().rstrip('.')}", log.read_text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_mitmdump_script_loads_with_mitmproxy_and_pyyaml_only(confdir, tmp_path):
    with mitmdump_without_multipart(confdir, tmp_path, CASSETTE) as (_, output):
        pass
    assert "No module named 'multipart'" not in output(), output()[-1500:]


def _upload(boundary: str) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
            f"assistants\r\n--{boundary}--\r\n").encode()


def test_without_multipart_a_multipart_body_matches_byte_for_byte_and_says_why_once(
        confdir, tmp_path):
    """Where `multipart` is missing, a multipart body is compared as bytes: the recorded one
    replays, the same fields under another boundary miss (never a crash or a wrong answer),
    and one warning line names the package."""
    url = "http://api.example.invalid/v1/files"
    body = _upload("recorded-boundary")
    cassette = tmp_path / "c.yaml"
    save_cassette(Cassette(interactions=[Interaction(
        id=0,
        request=Request(url=url, method="POST", body=body.decode(), content_length=len(body),
                        headers={"Content-Type": ["multipart/form-data; boundary="
                                                  "recorded-boundary"]}),
        response=Response(code=200, status="200 OK", body='{"id": "file-1"}',
                          headers={"Content-Type": ["application/json"]}, content_length=16,
                          duration_ns=0),
    )]), str(cassette))
    with mitmdump_without_multipart(confdir, tmp_path, cassette) as (proxy, output):
        with httpx.Client(proxy=proxy, trust_env=False, timeout=20) as client:
            got = [client.post(url, content=_upload(b), headers={
                "Content-Type": f"multipart/form-data; boundary={b}"})
                for b in ("recorded-boundary", "other-boundary")]
    assert [r.status_code for r in got] == [200, 400], [r.text for r in got]
    assert got[0].json() == {"id": "file-1"} and got[1].headers.get("x-vcrproxy-miss")
    text = output()
    assert text.count("the `multipart` package is not installed (pip install multipart)") == 1
    assert "Traceback" not in text, text[-1500:]
