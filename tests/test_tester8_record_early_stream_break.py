"""Tester8: a wrapped command that stops reading a stream early (the openai SDK: `for chunk in
stream: ...; break` then `stream.close()`, a test of the first token, an abort on the first
tool call) leaves `vcrproxy record -- CMD` with "the client hung up before the response ended
... (nothing recorded)" and `failed 1` in the summary, yet the run exits 0: `_verdict` counts
only *upstream* failures (a client hang-up is kept out of upstream_failed). The cassette then
lacks the exchange (here: no file at all), so the very next `vcrproxy replay -- CMD` of the
same command fails (exit 1, "cassette not found"; with other exchanges recorded, a miss).
README: exit 3 when "an exchange failed upstream while recording (nothing recorded for it)",
whose reason (the next replay would miss it) holds here too. Expected: either the record run
does not exit 0, or what it recorded replays the same command successfully."""

from __future__ import annotations

import os
import subprocess
import sys

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
CLIENT = """
import sys, openai
c = openai.OpenAI(base_url=sys.argv[1] + "/v1", api_key="sk-test-" + "k" * 40, max_retries=0)
s = c.chat.completions.create(model="m", stream=True, extra_headers={"X-Fake-Gap-Ms": "50"},
                              messages=[{"role": "user", "content": "a long answer please"}])
for chunk in s:
    print("first chunk")
    break
s.close()
"""


def test_tester8_record_of_an_early_stream_break_is_not_a_silent_success(gateway, confdir,
                                                                         tmp_path):
    cassette = tmp_path / "c.yaml"
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(VCRPROXY_CONFDIR=confdir)
    client = [sys.executable, "-c", CLIENT, gateway.url]
    rec = subprocess.run(
        [VCRPROXY, "record", str(cassette), "--set",
         f"ssl_verify_upstream_trusted_ca={gateway.ca_path}", "--", *client],
        env=env, capture_output=True, text=True, timeout=120)
    assert "first chunk" in rec.stdout, rec.stdout + rec.stderr
    if rec.returncode != 0:
        return  # (the lost exchange is an error: fine)
    rep = subprocess.run([VCRPROXY, "replay", str(cassette), "--", *client], env=env,
                         capture_output=True, text=True, timeout=120)
    assert rep.returncode == 0, ("record exited 0, but its cassette does not replay the same "
                                 "command:\n" + rec.stderr + "\n---\n" + rep.stderr)
