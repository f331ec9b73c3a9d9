"""Tester14: a replay miss explanation shows most of a key when its JSON diff cuts the key short.
The README: miss explanations ("the 400 body, pytest's failure text") "never show a key". They
are masked by `redact_text` after the JSON diff is made, but the diff quotes strings cut to 60
characters: `only in live ({"note": "new key sk-proj-Ab1_Cd2-Ef3Ab1_Cd2-Ef3Ab1_Cd2-E…)` (a value
cut at its end) or `…"xxxxgoodbye AIzaSy1aB2cD3eF4gH5iJ6kL7mN8oP…` (a window that starts 20
characters before the first difference and ends mid-key). What is left of the key no longer
has its shape (a Google key needs its 39 characters), so 30 of a Google key's 39 characters or
the first 41 of an OpenAI key reach the client's error, the log and the summary. (Tester3 fixed
the same for raw bodies' byte windows, `_text_context`.)

Real proxy recording the fake TLS gateway's chat completion, then replaying it to httpx with a
request whose changed turn holds a key.
"""

from __future__ import annotations

import pytest
from conftest import proxied_client
from secret_shapes import SHAPE_EXAMPLES


def _pieces(key: str, n: int = 12) -> list[str]:
    return [key[i:i + n] for i in range(len(key) - n + 1)]


def _chat(content: str, **extra) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **extra}


CASES = {
    # a value that is only in the live request, quoted whole but cut at 60 characters
    "only-in-live": ("openai", lambda key: _chat("hello", metadata={"note": "new key " + key})),
    # a changed string whose window starts 20 characters before the change, ending mid-key
    "window": ("google", lambda key: _chat("x" * 21 + "goodbye " + key)),
    "only-in-live-anthropic": ("anthropic",
                               lambda key: _chat("hello", metadata={"note": "key: " + key})),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_miss_text_shows_no_piece_of_a_key_cut_short(run_proxy, gateway, ca_cert, tmp_path,
                                                     case):
    shape, live_body = CASES[case]
    key = SHAPE_EXAMPLES[shape]
    cassette = tmp_path / "chat.yaml"
    url = f"{gateway.url}/v1/chat/completions"
    recorded = _chat("x" * 21 + "hello") if case.startswith("window") else _chat("hello")
    proxy = run_proxy(cassette, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.post(url, json=recorded).status_code == 200
    proxy.stop()

    replay = run_proxy(cassette, "replay")
    with proxied_client(replay, ca_cert) as client:
        r = client.post(url, json=live_body(key))
    explanations = [e for s in replay.vcr.sessions.values() for e in s.stats.explanations]
    replay.stop()
    assert r.status_code == 400 and "differs" in r.text, r.text
    for where, text in (("the 400 answer", r.text), ("the summary", "\n".join(explanations))):
        shown = [p for p in _pieces(key) if p in text]
        assert not shown, f"{where} shows {shown[0]!r}, a piece of the key: {text}"
