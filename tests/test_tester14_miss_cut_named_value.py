"""Tester14: a replay miss explanation cuts a JSON value before the session's rules mask it. A
value under a field the user names secret (`--redact-fields recovery_words`) is hidden from
miss texts by `secret_values` (the live request's named values, replaced wherever they appear),
but only after `_short` has cut the quoted JSON to 60 characters: a passphrase of words (not
one run of key characters, which the cut drops whole) loses its end, no longer equals the
named value, and its first words are shown in the 400 answer, the log and the summary.
(test_tester14_miss_cut_key is the same cut with a key shape, masked before it since 280c65c.)

Real proxy recording the fake TLS gateway's chat completion, then replaying it to httpx with a
request that adds the named field.
"""

from __future__ import annotations

from conftest import proxied_client

PHRASE = "orbit " + "maple tundra vivid " * 3 + "copper"


def _chat(**extra) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}], **extra}


def test_miss_text_shows_no_words_of_a_named_value_cut_short(run_proxy, gateway, ca_cert,
                                                             tmp_path):
    cassette = tmp_path / "chat.yaml"
    url = f"{gateway.url}/v1/chat/completions"
    proxy = run_proxy(cassette, "record", redact_fields=["recovery_words"])
    with proxied_client(proxy, ca_cert) as client:
        assert client.post(url, json=_chat()).status_code == 200
    proxy.stop()

    replay = run_proxy(cassette, "replay", redact_fields=["recovery_words"])
    with proxied_client(replay, ca_cert) as client:
        r = client.post(url, json=_chat(metadata={"recovery_words": PHRASE}))
    explanations = [e for s in replay.vcr.sessions.values() for e in s.stats.explanations]
    replay.stop()
    assert r.status_code == 400 and "metadata" in r.text, r.text
    for where, text in (("the 400 answer", r.text), ("the summary", "\n".join(explanations))):
        assert "orbit maple" not in text, f"{where} shows the start of the phrase: {text}"
