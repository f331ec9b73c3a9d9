"""The pytest plugin fails a test whose exchange failed upstream while recording (nothing was
recorded for it, so the next replay run would miss it), as `vcrproxy record -- CMD` exits 3:
a test that tolerates an API error must not pass green on a recording that does not exist."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap


def test_a_recording_test_whose_upstream_refused_fails(tmp_path, confdir):
    with socket.socket() as s:  # a port nothing listens on: the upstream refuses
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_tolerant.py").write_text(textwrap.dedent(f'''
        import httpx

        def test_tolerant(vcrproxy):
            r = httpx.get("http://127.0.0.1:{dead}/v1/models", timeout=20)
            answer = r.json() if r.is_success else "fallback"
            assert answer
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    environ.update(VCRPROXY_CONFDIR=confdir, PYTHONDONTWRITEBYTECODE="1")
    got = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
         str(suite), str(suite), "--vcrproxy-mode", "record"],
        env=environ, capture_output=True, text=True, timeout=240, cwd=suite)
    assert got.returncode != 0, got.stdout[-2000:]
    assert "failed upstream and were not recorded" in got.stdout, got.stdout[-2000:]


def test_a_recording_test_that_stops_reading_a_stream_early_fails(tmp_path, confdir, gateway):
    # (as `vcrproxy record -- CMD` exits 3: the response it cut short is not recorded)
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_first_chunk.py").write_text(textwrap.dedent(f'''
        import openai

        def test_first_chunk(vcrproxy):
            c = openai.OpenAI(base_url="{gateway.url}/v1", api_key="sk-test-" + "k" * 40,
                              max_retries=0)
            s = c.chat.completions.create(
                model="m", stream=True, extra_headers={{"X-Fake-Gap-Ms": "50"}},
                messages=[{{"role": "user", "content": "a long answer please"}}])
            for chunk in s:
                break
            s.close()
    '''))
    environ = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    environ.update(VCRPROXY_CONFDIR=confdir, PYTHONDONTWRITEBYTECODE="1")
    got = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
         str(suite), str(suite), "--vcrproxy-mode", "record", "--vcrproxy-set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}"],
        env=environ, capture_output=True, text=True, timeout=240, cwd=suite)
    assert got.returncode != 0, got.stdout[-2000:]
    assert "stopped reading before their end were not recorded" in got.stdout, got.stdout[-2000:]
