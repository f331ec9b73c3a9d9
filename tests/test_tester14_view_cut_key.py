"""Tester14: the LLM contentview (mitmweb's flow view, mitmdump's `flow_detail=3` output) shortens
an error body to 200 characters (aiformats.shorten) before the view masks it (contentview's
`redact_text`): a key the cut goes through has lost its shape, and its first part is shown. An
upstream that answers a wrong key with a plain-text 401 quoting it (`Incorrect API key provided:
AIza...`) is the usual case. (Same bug class as test_tester14_error_cut_key.)

Real proxy recording a real loopback server's raw 401 (conftest.raw_answers), rendered by
mitmproxy's own contentview machinery (test_contentview.rendered).
"""

from __future__ import annotations

from conftest import proxied_client, raw_answers
from secret_shapes import SHAPE_EXAMPLES
from test_contentview import capture, rendered

KEY = SHAPE_EXAMPLES["google"]  # (39 characters: a shorter start is no Google key)
TEXT = "x" * 140 + " Incorrect API key provided: " + KEY + ". Find your key at the dashboard."


def _pieces(key: str, n: int = 12) -> list[str]:
    return [key[i:i + n] for i in range(len(key) - n + 1)]


def test_view_of_a_text_error_shows_no_piece_of_a_key_at_its_cut(run_proxy, ca_cert, tmp_path):
    body = TEXT.encode()
    answer = (b"HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
    proxy = run_proxy(tmp_path / "k.yaml", "record")
    cap = capture(proxy)
    with raw_answers([answer]) as base, proxied_client(proxy, ca_cert) as client:
        r = client.post(base + "/v1/chat/completions",
                        json={"model": "gpt-4o-mini", "messages": [{"role": "user",
                                                                    "content": "hi"}]})
        assert r.status_code == 401
    (flow,) = cap.flows
    name, out = rendered(flow)
    assert name.startswith("LLM") and "error:" in out, (name, out)
    shown = [p for p in _pieces(KEY) if p in out]
    assert shown == [], f"the view shows {shown[0]!r}, a piece of the key:\n{out}"
