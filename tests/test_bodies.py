"""Request bodies as the AI SDKs really send them, recorded and replayed through the real proxy:
encoded request bodies (Content-Encoding), urlencoded forms (boto3's STS call), multipart uploads
with a random boundary per request (the openai SDK's transcriptions and files, curl -F).

Each case records against the fake gateway, then replays (mode replay: nothing reaches the
gateway) to the same client output; misses name the field or part that differs.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest
from conftest import proxied_client

from vcrproxy import load_cassette
from vcrproxy.cassette import REDACTED, Request
from vcrproxy.matching import MatchConfig, differences

BODY_KEY = "sk-proj-" + "Rt5Yu6Io7P" * 4  # fake, built at runtime
OPENAI_KEY = "sk-test-" + "u8I9o0P1a2" * 4
AUDIO = bytes(range(256)) * 40 + b"\r\n--not-a-boundary\r\n" + b"\x00" * 100


def _gateway_requests(gateway, path: str) -> int:
    return sum(1 for r in gateway.requests if r["path"] == path)


def _oai(proxy, ca: str, base_url: str) -> openai.OpenAI:
    http = openai.DefaultHttpxClient(proxy=proxy.url, verify=ca, timeout=20)
    return openai.OpenAI(base_url=base_url, api_key=OPENAI_KEY, http_client=http, max_retries=0)


def _stats(proxy) -> tuple[int, int, list[str]]:
    def read():
        sessions = proxy.vcr.all_sessions()
        return (
            sum(s.stats.replayed for s in sessions),
            sum(s.stats.recorded for s in sessions),
            [e for s in sessions for e in s.stats.explanations],
        )

    return proxy.call(read)


def _stop(proxy) -> None:
    proxy.stop()


# -- Content-Encoding on requests ----------------------------------------------------------------


def test_gzipped_request_body_is_stored_decoded_redacted_and_matches_regzipped(
    run_proxy, gateway, ca_cert, tmp_path
):
    cassette = tmp_path / "c.yaml"
    doc = {"batch": [{"event": "run", "ts": 1}], "api_key": BODY_KEY, "note": "hello"}
    raw = json.dumps(doc).encode()
    url = gateway.url + "/echo"
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as c:
        first = c.post(url, content=gzip.compress(raw, mtime=1), headers=headers).json()
    assert gzip.decompress(base64.b64decode(first["body_b64"])) == raw  # forwarded as sent
    _stop(proxy)
    text = cassette.read_text()
    assert BODY_KEY not in text and "!!binary" not in text
    (rec,) = load_cassette(cassette).interactions
    assert json.loads(rec.request.body) == {**doc, "api_key": REDACTED}
    assert "Content-Encoding" not in rec.request.headers
    assert rec.request.content_length == len(rec.request.body_bytes)

    before = len(gateway.requests)
    proxy = run_proxy(
        cassette, "replay", match_ignore_json="batch[*].ts", allow_repeats=True
    )
    with proxied_client(proxy, ca_cert) as c:
        # gzip of the same JSON a second later (another mtime): the same request
        again = c.post(url, content=gzip.compress(raw, mtime=2), headers=headers)
        assert again.status_code == 200 and again.json() == first
        # inside the gzip, --ignore-json applies too
        moved = json.dumps({**doc, "batch": [{"event": "run", "ts": 99}]}).encode()
        assert c.post(url, content=gzip.compress(moved), headers=headers).json() == first
        changed = json.dumps({**doc, "note": "bye"}).encode()
        miss = c.post(url, content=gzip.compress(changed), headers=headers)
    assert len(gateway.requests) == before
    assert miss.status_code == 400
    message = miss.json()["error"]["message"]
    assert '$.note differs: recorded "hello" vs live "bye"' in message, message
    assert BODY_KEY not in message


# -- urlencoded forms ----------------------------------------------------------------------------


def test_form_fields_match_in_any_order_and_misses_name_the_field(
    run_proxy, gateway, ca_cert, tmp_path
):
    cassette = tmp_path / "c.yaml"
    url = gateway.url + "/echo"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as c:
        first = c.post(url, content=b"a=1&b=two+words&a=0&Stamp=111", headers=form).json()
    _stop(proxy)
    proxy = run_proxy(cassette, "replay", match_ignore_query="stamp")
    with proxied_client(proxy, ca_cert) as c:
        same = c.post(url, content=b"Stamp=222&a=0&b=two%20words&a=1", headers=form)
        assert same.status_code == 200 and same.json() == first
        miss = c.post(url, content=b"a=1&b=three&a=0&Stamp=1", headers=form)
    assert miss.status_code == 400
    message = miss.json()["error"]["message"]
    assert "body: form: recorded b=two words vs live b=three" in message, message
    assert "Stamp" not in message  # ignored fields are not differences


def _run_boto3(proxy, ca: str, gateway, tmp_path: Path) -> dict:
    """boto3 in its own process, as an app would run it: a profile with role_arn makes botocore
    call STS AssumeRole (a form with RoleSessionName=botocore-session-<unix time>) before
    GetCallerIdentity, both through the proxy (HTTPS_PROXY, AWS_CA_BUNDLE)."""
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile src]\n"
        "aws_access_key_id = " + "AKIA" + "FAKE" * 4 + "\n"
        "aws_secret_access_key = " + "fake/secret/" + "x" * 28 + "\n"
        "[profile vcr]\n"
        "role_arn = arn:aws:iam::123456789012:role/fake\n"
        "source_profile = src\n"
        "region = us-east-1\n"
    )
    script = (
        "import boto3, json\n"
        "s = boto3.Session(profile_name='vcr')\n"
        "ident = s.client('sts').get_caller_identity()\n"
        "creds = s.get_credentials().get_frozen_credentials()\n"
        "print(json.dumps({'arn': ident['Arn'], 'account': ident['Account'],"
        " 'key': creds.access_key}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HTTPS_PROXY=proxy.url,
        NO_PROXY="",
        no_proxy="",
        AWS_CA_BUNDLE=ca,
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_ENDPOINT_URL_STS=gateway.url + "/sts",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_MAX_ATTEMPTS="1",
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def test_boto3_sts_form_call_replays_with_its_session_name_ignored(
    run_proxy, gateway, ca_cert, tmp_path
):
    pytest.importorskip("boto3")
    cassette = tmp_path / "c.yaml"
    proxy = run_proxy(cassette, "record")
    recorded = _run_boto3(proxy, ca_cert, gateway, tmp_path)
    assert recorded["account"] == "123456789012"
    _stop(proxy)
    recs = load_cassette(cassette).interactions
    assert [r.request.form["Action"] for r in recs] == [["AssumeRole"], ["GetCallerIdentity"]]
    session_name = recs[0].request.form["RoleSessionName"][0]
    assert session_name.startswith("botocore-session-")

    # Wait for botocore's next session name (it is the unix time in seconds).
    while f"botocore-session-{int(time.time())}" == session_name:
        time.sleep(0.05)
    before = len(gateway.requests)
    proxy = run_proxy(cassette, "replay", match_ignore_query="RoleSessionName")
    assert _run_boto3(proxy, ca_cert, gateway, tmp_path) == recorded
    assert _stats(proxy)[0] == 2
    _stop(proxy)

    proxy = run_proxy(cassette, "replay")  # without the ignore: the name differs
    with pytest.raises(AssertionError, match="botocore"):
        _run_boto3(proxy, ca_cert, gateway, tmp_path)
    explanations = _stats(proxy)[2]
    assert len(gateway.requests) == before
    # the differing digits are shown, not cut off
    assert any(
        "body: form: recorded RoleSessionName=…" in e
        and f"{session_name[-4:]} vs live RoleSessionName=…" in e
        for e in explanations
    ), explanations


# -- multipart uploads ---------------------------------------------------------------------------


def _upload_calls(oc: openai.OpenAI, audio: bytes = AUDIO) -> tuple[str, str]:
    text = oc.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", audio, "audio/wav")
    ).text
    uploaded = oc.files.create(file=("notes.jsonl", b'{"a": 1}\n', "application/jsonl"),
                               purpose="batch")
    return text, uploaded.model_dump_json()


def test_openai_sdk_uploads_replay_whatever_the_boundary(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    base = gateway.url + "/v1"
    proxy = run_proxy(cassette, "record")
    with _oai(proxy, ca_cert, base) as oc:
        recorded = _upload_calls(oc)
    assert recorded[0].startswith(f"heard {len(AUDIO)} bytes of speech.wav with whisper-1")
    _stop(proxy)
    recs = load_cassette(cassette).interactions
    assert [r.request.url.rsplit("/", 1)[1] for r in recs] == ["transcriptions", "files"]
    assert recs[0].request.body_bytes.count(AUDIO) == 1  # the upload is stored byte for byte

    before = len(gateway.requests)
    proxy = run_proxy(cassette, "replay")
    with _oai(proxy, ca_cert, base) as oc:
        assert _upload_calls(oc) == recorded  # new random boundaries, same parts
        other = AUDIO[:-1] + b"\x01"
        with pytest.raises(openai.BadRequestError) as err:
            oc.audio.transcriptions.create(
                model="whisper-1", file=("speech.wav", other, "audio/wav")
            )
        with pytest.raises(openai.BadRequestError) as renamed:
            oc.audio.transcriptions.create(
                model="whisper-1", file=("other.wav", AUDIO, "audio/wav")
            )
    assert len(gateway.requests) == before
    message = str(err.value)
    assert 'body: part "file" (filename "speech.wav"): differs at byte' in message, message
    assert 'part "file" (filename "speech.wav"): filename recorded "speech.wav" vs live ' \
        '"other.wav"' in str(renamed.value), str(renamed.value)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_form_upload_replays(run_proxy, gateway, ca_cert, tmp_path):
    audio = tmp_path / "speech.wav"
    audio.write_bytes(AUDIO)
    cassette = tmp_path / "c.yaml"

    def run(proxy) -> bytes:
        out = subprocess.run(
            ["curl", "-sS", "--max-time", "20", "--proxy", proxy.url, "--cacert", ca_cert,
             "-F", "model=whisper-1", "-F", f"file=@{audio};type=audio/wav",
             gateway.url + "/v1/audio/transcriptions"],
            capture_output=True, timeout=30,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    proxy = run_proxy(cassette, "record")
    recorded = run(proxy)
    assert b"heard" in recorded
    _stop(proxy)
    before = len(gateway.requests)
    proxy = run_proxy(cassette, "replay")
    assert run(proxy) == recorded
    assert len(gateway.requests) == before


def test_multipart_part_order_and_extra_parts_are_named(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    url = gateway.url + "/v1/audio/transcriptions"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as c:
        first = c.post(url, data={"model": "whisper-1"}, files={"file": ("a.wav", AUDIO)}).json()
    _stop(proxy)
    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert) as c:
        again = c.post(url, data={"model": "whisper-1"}, files={"file": ("a.wav", AUDIO)})
        assert again.json() == first
        extra = c.post(url, data={"model": "whisper-1", "language": "pt"},
                       files={"file": ("a.wav", AUDIO)})
        model = c.post(url, data={"model": "whisper-2"}, files={"file": ("a.wav", AUDIO)})
    assert 'body: part "language" only in live' in extra.json()["error"]["message"]
    assert 'body: part "model": differs at byte 8: recorded "whisper-1" vs live "whisper-2"' \
        in model.json()["error"]["message"], model.json()


def test_multipart_redacted_part_matches_any_value(run_proxy, gateway, ca_cert, tmp_path):
    cassette = tmp_path / "c.yaml"
    url = gateway.url + "/v1/files"
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as c:
        first = c.post(url, data={"purpose": "batch", "token": BODY_KEY},
                       files={"file": ("n.txt", b"hi")}).json()
    _stop(proxy)
    text = cassette.read_text()
    assert BODY_KEY not in text and REDACTED in text
    other_key = "sk-proj-" + "Aa1Bb2Cc3D" * 4
    proxy = run_proxy(cassette, "replay")
    with proxied_client(proxy, ca_cert) as c:
        again = c.post(url, data={"purpose": "batch", "token": other_key},
                       files={"file": ("n.txt", b"hi")})
    assert again.status_code == 200 and again.json() == first


def test_httpx_multipart_boundary_really_differs_per_request():
    # the premise of the tests above: a client picks a new boundary every time
    def body() -> bytes:
        return httpx.Request("POST", "https://x.invalid/", files={"f": ("a", b"1")}).read()

    assert body() != body()


# -- the body kinds, without the proxy -----------------------------------------------------------


def _req(body: bytes, ctype: str, **headers) -> Request:
    hdrs = {"Content-Type": [ctype], **{k.replace("_", "-"): [v] for k, v in headers.items()}}
    return Request(url="https://api.example.invalid/upload", method="POST", body=body,
                   headers=hdrs)


def _related(boundary: str, meta: bytes, data: bytes) -> tuple[bytes, str]:
    b = boundary.encode()
    body = (b"--" + b + b"\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" + meta
            + b"\r\n--" + b + b"\r\nContent-Type: audio/wav\r\n\r\n" + data
            + b"\r\n--" + b + b"--\r\n")
    return body, f'multipart/related; boundary="{boundary}"'


def test_multipart_related_compares_unnamed_parts_by_place():
    # Google-style uploads: parts without Content-Disposition, which the form-data parser refuses
    rec_body, rec_type = _related("===111==", b'{"name": "a.wav"}', AUDIO)
    live_body, live_type = _related("===222==", b'{ "name":"a.wav" }', AUDIO)
    recorded = _req(rec_body, rec_type)
    assert differences(_req(live_body, live_type), recorded) == []  # JSON part compared as JSON
    other, other_type = _related("===333==", b'{"name": "a.wav"}', AUDIO[:-1] + b"!")
    diffs = differences(_req(other, other_type), recorded)
    assert len(diffs) == 1 and diffs[0].startswith("body: part 2 (audio/wav): differs at byte")


def test_form_and_multipart_kinds_are_told_apart_and_ignored_names_apply_to_parts():
    form = _req(b"a=1&b=2", "application/x-www-form-urlencoded")
    json_body = _req(b'{"a": "1"}', "application/json")
    assert differences(json_body, form) == ["body: recorded is a urlencoded form, live is JSON"]
    boundary = "xyz"
    mp = (b"--xyz\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm1\r\n"
          b"--xyz\r\nContent-Disposition: form-data; name=\"ts\"\r\n\r\n111\r\n--xyz--\r\n")
    live = mp.replace(b"111", b"222").replace(b"xyz", b"abc")
    rec = _req(mp, f"multipart/form-data; boundary={boundary}")
    lv = _req(live, "multipart/form-data; boundary=abc")
    assert differences(lv, rec) == ['body: part "ts": differs at byte 0: recorded "111" vs '
                                    'live "222"']
    assert differences(lv, rec, MatchConfig(ignore_query="TS")) == []


def test_encoded_recorded_request_body_is_decoded_for_matching():
    # a cassette from elsewhere that kept the gzip bytes and the header
    raw = json.dumps({"a": 1}).encode()
    recorded = _req(gzip.compress(raw, mtime=1), "application/json", Content_Encoding="gzip")
    live = _req(b'{"a": 1}', "application/json")
    assert differences(live, recorded) == []
