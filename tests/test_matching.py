"""Replay matching: the matchers, the Matcher's choice, and the miss explanations."""

from __future__ import annotations

import copy
import json

import part_matchers as matchers
import pytest
from part_matchers import MATCHERS, requests_match

from vcrproxy import matching
from vcrproxy.cassette import REDACTED, Interaction, Request, Response
from vcrproxy.matching import (
    DEFAULT_MATCH,
    MatchConfig,
    Matcher,
    Miss,
    differences,
    parse_json_path,
)

URL = "https://api.openai.com/v1/chat/completions"
CHAT = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant"},
        {"role": "user", "content": "Say hi"},
    ],
    "stream": True,
}


def req(body: str | bytes | dict = "", url: str = URL, method: str = "POST", **kw) -> Request:
    if isinstance(body, dict):
        body = json.dumps(body)
    return Request(body=body, url=url, method=method, **kw)


def rec(id: int, request: Request, text: str = "") -> Interaction:
    return Interaction(id=id, request=request, response=Response(body=text or f"answer {id}"))


def chat(**changes) -> dict:
    body = copy.deepcopy(CHAT)
    body.update(changes)
    return body


# -- the matchers --------------------------------------------------------------------------------


def test_method():
    assert MATCHERS["method"](req(method="post"), req()) is None
    assert matchers.method(req(method="GET"), req()) == ["method: recorded POST vs live GET"]


def test_scheme():
    assert matchers.scheme(req(url="HTTPS://api.openai.com/x"), req()) is None
    live = req(url="http://api.openai.com/v1/chat/completions")
    assert matchers.scheme(live, req()) == ["scheme: recorded https vs live http"]


@pytest.mark.parametrize(
    "live_url",
    [
        "https://api.openai.com/v1/chat/completions",
        "https://API.OpenAI.com:443/v1/chat/completions",
        "https://user:pw@api.openai.com/v1/chat/completions",
    ],
)
def test_host_normalises_case_default_port_and_userinfo(live_url):
    assert matchers.host(req(url=live_url), req()) is None


def test_host_differences():
    assert matchers.host(req(url="http://localhost:80/x"), req(url="http://localhost/x")) is None
    assert matchers.host(req(url="https://h:8443/x"), req(url="https://h/x")) == [
        "host: recorded h vs live h:8443"
    ]
    assert matchers.host(req(url="http://h:443/x"), req(url="http://h/x")) == [
        "host: recorded h vs live h:443"
    ]
    assert matchers.host(req(url="https://[::1]:443/x"), req(url="https://[::1]/x")) is None


def test_path():
    live = req(url="https://api.openai.com/v1/responses")
    assert matchers.path(live, req()) == [
        "path: recorded /v1/chat/completions vs live /v1/responses"
    ]
    bedrock = "https://b.test/model/us.anthropic.claude-sonnet-4-5-v1%3A0/invoke"
    assert matchers.path(req(url=bedrock.replace("%3A", ":")), req(url=bedrock)) is None
    assert matchers.path(req(url="https://h.test"), req(url="https://h.test/")) is None


def test_query_is_a_multiset():
    recorded = req(url="https://h.test/p?a=1&b=2&a=3")
    assert matchers.query(req(url="https://h.test/p?b=2&a=3&a=1"), recorded) is None
    assert matchers.query(req(url="https://h.test/p?a=1&b=2"), recorded) == [
        "query: a=3 only in recorded"
    ]
    assert matchers.query(req(url="https://h.test/p?a=1&b=2&a=3&a=3"), recorded) == [
        "query: a=3 only in live"
    ]
    assert matchers.query(req(url="https://h.test/p?a=1&b=9&a=3"), recorded) == [
        "query: recorded b=2 vs live b=9"
    ]
    # Encoding does not matter, blank values count.
    recorded = req(url="https://h.test/p?e=&q=a+b")
    assert matchers.query(req(url="https://h.test/p?q=a%20b&e="), recorded) is None
    assert matchers.query(req(url="https://h.test/p?e"), req(url="https://h.test/p")) == [
        "query: e= only in live"
    ]


def test_query_ignored_params():
    config = MatchConfig(ignore_query=("Timestamp", "nonce"))
    recorded = req(url="https://h.test/p?alt=sse&timestamp=1&nonce=a")
    live = req(url="https://h.test/p?nonce=b&alt=sse&timestamp=2")
    assert matchers.query(live, recorded, config) is None
    assert matchers.query(live, recorded) is not None


def test_body_json_ignores_key_order_and_whitespace():
    recorded = req('{"a": 1, "b": [1, 2, {"c": "d"}]}')
    live = req('{\n  "b" : [1,2,{"c":"d"}],\n  "a":1\n}')
    assert matchers.body(live, recorded) is None
    assert matchers.body(req('{"b":[2,1,{"c":"d"}],"a":1}'), recorded) == [
        "body: $.b[0] differs: recorded 1 vs live 2",
        "body: $.b[1] differs: recorded 2 vs live 1",
    ]


def test_body_json_numbers_and_types():
    assert matchers.body(req('{"t": 1.0, "n": 1e2}'), req('{"t": 1, "n": 100}')) is None
    assert matchers.body(req('{"t": true}'), req('{"t": 1}')) == [
        "body: $.t differs: recorded 1 vs live true"
    ]
    assert matchers.body(req('{"t": "1"}'), req('{"t": 1}')) is not None
    assert matchers.body(req('{"t": null}'), req('{"t": 0}')) is not None


def test_body_json_differences():
    recorded = req(chat(temperature=0.5))
    live_body = chat(tools=[])
    live_body["messages"][1]["content"] = "Say bye"
    live_body["messages"].append({"role": "user", "content": "more"})
    assert matchers.body(req(live_body), recorded) == [
        'body: $.messages[1].content differs: recorded "Say hi" vs live "Say bye"',
        "body: $.messages has 2 items recorded vs 3 live",
        "body: $.temperature only in recorded (0.5)",
        "body: $.tools only in live ([])",
    ]


def test_body_json_diff_is_capped_and_values_truncated():
    recorded = req({f"k{i}": i for i in range(9)} | {"long": "x" * 200})
    live = req({f"k{i}": -i - 1 for i in range(9)} | {"long": "y" * 200})
    diffs = matchers.body(live, recorded)
    assert len(diffs) == 6
    assert diffs[-1] == "body: and 5 more differing JSON paths"
    long = matchers.body(req({"long": "y" * 200}), req({"long": "x" * 200}))[0]
    assert len(long) <= len("body: $.long differs: recorded  vs live ") + 2 * 60
    assert long.count("…") == 2


@pytest.mark.parametrize(
    "paths, live_changes",
    [
        ("metadata", {"metadata": {"run": "2"}}),
        ("$.user", {"user": "someone-else"}),
        ("messages[*].id", {"messages": [{"role": "user", "content": "Say hi", "id": "b"}]}),
        ("$.messages[0].id", {"messages": [{"role": "user", "content": "Say hi", "id": "b"}]}),
        ("$['metadata']", {"metadata": None}),
        ("metadata.run,user", {"metadata": {"run": "2"}, "user": "x"}),
    ],
)
def test_body_ignored_json_paths(paths, live_changes):
    recorded_body = {
        "messages": [{"role": "user", "content": "Say hi", "id": "a"}],
        "metadata": {"run": "1"},
        "user": "me",
    }
    live_body = {**recorded_body, **live_changes}
    config = MatchConfig.from_strings(ignore_json_paths=paths)
    assert matchers.body(req(live_body), req(recorded_body), config) is None
    assert matchers.body(req(live_body), req(recorded_body)) is not None


def test_ignored_json_path_missing_on_one_side():
    config = MatchConfig(ignore_json_paths=("metadata", "messages[*].id"))
    recorded = req({"metadata": {"a": 1}, "messages": [{"id": "x", "c": 1}]})
    assert matchers.body(req({"messages": [{"c": 1}]}), recorded, config) is None
    assert matchers.body(req({"messages": [{"c": 2}]}), recorded, config) == [
        "body: $.messages[0].c differs: recorded 1 vs live 2"
    ]


def test_body_text_crlf_and_empty():
    assert matchers.body(req("line1\r\nline2\r\n"), req("line1\nline2\n")) is None
    assert matchers.body(req(""), req(b"")) is None
    assert matchers.body(req(b""), Request(url=URL, method="POST")) is None
    assert matchers.body(req("a"), req("")) == ["body: recorded is empty, the other has 1 bytes"]
    assert matchers.body(req("hello world"), req("hello there")) == [
        'body: differs at byte 6: recorded "hello there" vs live "hello world"'
    ]
    assert matchers.body(req("x=1"), req('{"x":1}')) == [
        'body: recorded is JSON, live is not ("x=1")'
    ]
    assert matchers.body(req(b"\x00\xffbin"), req(b"\x00\xffbin")) is None


def test_headers_only_configured_names_case_insensitive():
    config = MatchConfig(headers=("Content-Type", "anthropic-version"))
    assert "headers" in config.on
    recorded = req(headers={"Content-Type": ["application/json"], "User-Agent": ["a"]})
    live = req(headers={"content-type": ["application/json"], "user-agent": ["b"]})
    assert matchers.headers(live, recorded, config) is None
    live = req(headers={"content-type": ["text/plain"], "Anthropic-Version": ["2023-06-01"]})
    assert matchers.headers(live, recorded, config) == [
        'headers: Content-Type recorded ["application/json"] vs live ["text/plain"]',
        'headers: Anthropic-Version recorded (missing) vs live ["2023-06-01"]',
    ]
    # Values compare as lists.
    recorded = req(headers={"Content-Type": ["a", "b"]})
    assert matchers.headers(req(headers={"content-type": ["b", "a"]}), recorded, config)
    assert matchers.headers(req(headers={"content-type": ["a", "b"]}), recorded, config) is None
    assert matchers.headers(live, recorded) is None  # no configured names: nothing compared


def test_differences_and_requests_match():
    recorded = req(chat())
    assert requests_match(req(chat()), recorded)
    live = req(chat(model="gpt-4o-mini"), url="https://api.openai.com/v1/responses?x=1")
    assert not requests_match(live, recorded)
    assert differences(live, recorded) == [
        "path: recorded /v1/chat/completions vs live /v1/responses",
        "query: x=1 only in live",
        'body: $.model differs: recorded "gpt-4o" vs live "gpt-4o-mini"',
    ]
    only_method = MatchConfig(on=("method",))
    assert requests_match(live, recorded, only_method)


# -- redacted values are wildcards ---------------------------------------------------------------


def test_redacted_headers_match_anything():
    config = MatchConfig(headers=("Authorization", "X-Api-Key"))
    recorded = req(headers={"Authorization": ["Bearer <REDACTED>"], "X-Api-Key": [REDACTED]})
    live = req(headers={"authorization": ["Bearer sk-live-123"], "x-api-key": ["anything"]})
    assert matchers.headers(live, recorded, config) is None
    wrong_scheme = req(headers={"authorization": ["Basic abc"], "x-api-key": ["k"]})
    # (both sides would print ["<REDACTED>"]: a change that looks like none)
    assert matchers.headers(wrong_scheme, recorded, config) == [
        "headers: Authorization differs (secret values, not shown)"
    ]
    missing = req(headers={"authorization": ["Bearer x"]})
    assert matchers.headers(missing, recorded, config) == [
        'headers: X-Api-Key recorded ["<REDACTED>"] vs live (missing)'
    ]


@pytest.mark.parametrize("marker", [REDACTED, "%3CREDACTED%3E"])
def test_redacted_query_value_matches_anything(marker):
    recorded = req(url=f"https://g.test/v1beta/m:streamGenerateContent?alt=sse&key={marker}")
    live = req(url="https://g.test/v1beta/m:streamGenerateContent?key=AIzaLive&alt=sse")
    assert matchers.query(live, recorded) is None
    no_key = req(url="https://g.test/v1beta/m:streamGenerateContent?alt=sse")
    assert matchers.query(no_key, recorded) == ["query: key=<REDACTED> only in recorded"]


def test_two_different_secret_query_values_do_not_print_as_the_same_text():
    # Found by the tester: diff printed "query: recorded key=<REDACTED> vs live key=<REDACTED>".
    recorded = req(url="https://g.test/v1/m?alt=sse&key=AIzaOldValue1")
    live = req(url="https://g.test/v1/m?alt=sse&key=AIzaNewValue2")
    assert matchers.query(live, recorded) == ["query: key differs (secret values, not shown)"]
    other = req(url="https://g.test/v1/m?alt=json&key=AIzaOldValue1")
    assert matchers.query(other, recorded) == ["query: recorded alt=sse vs live alt=json"]


def test_redacted_json_strings():
    recorded = req({"api_key": REDACTED, "note": "token <REDACTED> end", "n": 1})
    live = req({"n": 1, "api_key": "sk-123", "note": "token abc end"})
    assert matchers.body(live, recorded) is None
    assert matchers.body(req({"n": 1, "api_key": {"x": 1}, "note": "token  end"}), recorded) is None
    assert matchers.body(req({"n": 1, "api_key": "k", "note": "token abc END"}), recorded) == [
        'body: $.note differs: recorded "token <REDACTED> end" vs live "token abc END"'
    ]
    assert matchers.body(req({"n": 2, "api_key": "k", "note": "token x end"}), recorded) is not None


def test_redacted_json_string_escaped_by_go():
    recorded = req('{"k":"\\u003cREDACTED\\u003e"}')
    assert matchers.body(req('{"k":"live-secret"}'), recorded) is None


def test_redacted_text_body():
    recorded = req("grant_type=x&access_token=<REDACTED>&scope=a")
    assert matchers.body(req("grant_type=x&access_token=abc.def&scope=a"), recorded) is None
    assert matchers.body(req("grant_type=x&access_token=abc&scope=b"), recorded) == [
        "body: live (37 bytes) does not fit the recorded body with 1 redacted part(s)"
    ]
    binary = req(b"\x00\xff<REDACTED>\x01")
    assert matchers.body(req(b"\x00\xffAKIA123\x01"), binary) is None


def test_redacted_path():
    recorded = req(url="https://api.telegram.test/bot<REDACTED>/sendMessage")
    live = req(url="https://api.telegram.test/bot123:ABC/sendMessage")
    assert matchers.path(live, recorded) is None
    m = Matcher([rec(0, recorded)])
    assert m.find(live).id == 0
    assert m.find(live) is None


# -- the Matcher ---------------------------------------------------------------------------------


def test_identical_requests_get_successive_recordings_each_once():
    m = Matcher([rec(0, req(chat())), rec(1, req(chat(model="other"))), rec(2, req(chat()))])
    assert m.find(req(chat())).id == 0
    assert m.find(req(chat())).id == 2
    assert m.find(req(chat())) is None
    assert [i.id for i in m.unused()] == [1]
    assert m.find(req(chat(model="other"))).id == 1
    assert m.unused() == []


def test_allow_repeats_reuses_the_last_match_once_all_are_used():
    config = MatchConfig(allow_repeats=True)
    m = Matcher([rec(0, req(chat())), rec(1, req(chat())), rec(2, req(chat(model="x")))], config)
    assert [m.find(req(chat())).id for _ in range(4)] == [0, 1, 1, 1]
    assert [i.id for i in m.unused()] == [2]


def test_cassette_order_across_exact_and_redacted_recordings():
    config = MatchConfig(headers=("authorization",))
    exact = req(chat(), headers={"Authorization": ["Bearer abc"]})
    wild = req(chat(), headers={"Authorization": ["Bearer <REDACTED>"]})
    m = Matcher([rec(0, wild), rec(1, exact), rec(2, wild)], config)
    live = req(chat(), headers={"Authorization": ["Bearer abc"]})
    assert [m.find(live).id for _ in range(3)] == [0, 1, 2]
    assert m.find(live) is None
    other = req(chat(), headers={"Authorization": ["Bearer zzz"]})
    m = Matcher([rec(0, exact), rec(1, wild)], config)
    assert m.find(other).id == 1
    assert m.find(other) is None


def test_allow_repeats_with_redacted_recordings():
    config = MatchConfig(allow_repeats=True)
    url = "https://g.test/p?key=<REDACTED>"
    m = Matcher([rec(0, req(chat(), url=url)), rec(1, req(chat(), url=url))], config)
    live = req(chat(), url="https://g.test/p?key=live")
    assert [m.find(live).id for _ in range(3)] == [0, 1, 1]


def test_add_new_episodes():
    m = Matcher([rec(0, req(chat()))])
    assert m.find(req(chat(model="new"))) is None
    m.add(rec(1, req(chat(model="new"))))  # answered the request that recorded it: used
    assert m.find(req(chat(model="new"))) is None
    m.add(rec(2, req(chat(model="new"))), used=False)
    assert m.find(req(chat(model="new"))).id == 2
    assert [i.id for i in m.unused()] == [0]
    assert len(m) == 3


def test_matcher_honours_the_configured_parts():
    config = MatchConfig.from_strings(on="method,path")
    m = Matcher([rec(0, req(chat(), url="https://a.test/v1/x?q=1"))], config)
    assert m.find(req("other body", url="http://b.test/v1/x")).id == 0
    config = MatchConfig.from_strings(on="body")
    m = Matcher([rec(0, req(chat(), method="PUT", url="https://a.test/z"))], config)
    assert m.find(req(chat())).id == 0


def test_matcher_with_ignore_paths_and_query():
    config = MatchConfig(ignore_json_paths=("metadata",), ignore_query=("ts",))
    m = Matcher([rec(0, req(chat(metadata={"a": 1}), url=URL + "?ts=1"))], config)
    assert m.find(req(chat(metadata={"a": 2}), url=URL + "?ts=2")).id == 0


def test_find_uses_the_index(monkeypatch):
    """Without redacted recordings, find() never compares parts one by one."""
    recordings = [rec(i, req(chat(n=i))) for i in range(2000)]
    recordings += [rec(2000 + i, req(chat(n=i), url=f"https://h.test/{i}")) for i in range(2000)]
    m = Matcher(recordings)
    calls = []
    monkeypatch.setattr(matching, "part_equal", lambda *a: calls.append(a) or True)
    assert m.find(req(chat(n=1234))).id == 1234
    assert m.find(req(chat(n=7), url="https://h.test/7")).id == 2007
    assert m.find(req(chat(n=-1))) is None
    assert calls == []


def test_recorded_json_is_parsed_once(monkeypatch):
    m = Matcher([rec(i, req(chat(n=i))) for i in range(50)])
    real_loads, count = json.loads, []
    monkeypatch.setattr(
        matching.json, "loads", lambda *a, **k: count.append(1) or real_loads(*a, **k)
    )
    for i in range(50):
        assert m.find(req(chat(n=i))).id == i
    assert len(count) == 50  # the live bodies only


# -- explain -------------------------------------------------------------------------------------


def test_explain_body_difference():
    m = Matcher([rec(3, req(chat()))])
    body = chat()
    body["messages"][1]["content"] = "Say bye"
    miss = m.explain(req(body))
    assert isinstance(miss, Miss)
    assert miss.request_summary == f"POST {URL}"
    assert miss.nearest.id == 3
    assert miss.differences == [
        'body: $.messages[1].content differs: recorded "Say hi" vs live "Say bye"'
    ]
    assert miss.message() == (
        f"Asked POST {URL}; nearest is interaction 3 (POST {URL}), which differs: "
        'body: $.messages[1].content differs: recorded "Say hi" vs live "Say bye".'
    )


def test_explain_path_difference():
    m = Matcher([rec(0, req(chat()))])
    miss = m.explain(req(chat(), url="https://api.openai.com/v1/responses"))
    assert miss.differences == ["path: recorded /v1/chat/completions vs live /v1/responses"]
    assert "\n" not in miss.message()


def test_explain_method_host_query_headers():
    config = MatchConfig(headers=("Content-Type",))
    recorded = req(chat(), url=URL + "?a=1", headers={"Content-Type": ["application/json"]})
    m = Matcher([rec(0, recorded)], config)
    live = req(
        chat(),
        method="PUT",
        url="https://example.test/v1/chat/completions?a=2",
        headers={"Content-Type": ["text/plain"]},
    )
    assert m.explain(live).differences == [
        "method: recorded POST vs live PUT",
        "host: recorded api.openai.com vs live example.test",
        "query: recorded a=1 vs live a=2",
        'headers: Content-Type recorded ["application/json"] vs live ["text/plain"]',
    ]


def test_explain_text_body():
    m = Matcher([rec(0, req("event: ping\ndata: 1\n"))])
    miss = m.explain(req("event: ping\ndata: 2\n"))
    assert miss.differences == [
        'body: differs at byte 18: recorded "event: ping\\ndata: 1\\n" '
        'vs live "event: ping\\ndata: 2\\n"'
    ]


def test_explain_all_used():
    m = Matcher([rec(0, req(chat())), rec(1, req(chat())), rec(2, req(chat(model="x")))])
    m.find(req(chat()))
    m.find(req(chat()))
    assert m.find(req(chat())) is None
    miss = m.explain(req(chat()))
    assert miss.nearest.id == 0
    assert miss.differences == [
        "all matching interactions were already used (2 of 2); allow repeats to reuse them"
    ]
    assert miss.message() == (
        f"Asked POST {URL}; all matching interactions were already used (2 of 2); "
        f"allow repeats to reuse them (the first is interaction 0 (POST {URL}))."
    )


def test_explain_empty_cassette():
    miss = Matcher([]).explain(req(chat()))
    assert miss.nearest is None
    assert miss.message() == f"Asked POST {URL}; the cassette has no interactions."


def test_explain_nearest_fewest_differences_then_same_place_then_order():
    a = rec(0, req(chat(model="a"), url="https://other.test/v1/chat/completions"))  # host, body
    b = rec(1, req(chat(model="b")))  # body
    c = rec(2, req(chat(model="c"), url="https://api.openai.com/v1/x"))  # path, body
    assert Matcher([a, b, c]).explain(req(chat())).nearest.id == 1
    # One differing part each: the one at the same method+host+path wins, even if later.
    d = rec(3, req(chat(), url="https://api.openai.com/v1/other"))  # path only
    e = rec(4, req(chat(model="e")))  # body only
    assert Matcher([d, e]).explain(req(chat())).nearest.id == 4
    f = rec(5, req(chat(model="f")))
    assert Matcher([d, e, f]).explain(req(chat())).nearest.id == 4


def test_explain_never_shows_live_secrets():
    secret = "AIza" + "Sy1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1u"
    m = Matcher([rec(0, req(url="https://g.test/v1?alt=sse"))])
    live = req(url=f"https://g.test/v1?alt=sse&key={secret}&note={secret}")
    message = m.explain(live).message()
    assert secret not in message and secret[6:] not in message
    assert "key=<REDACTED>" in message


# -- config --------------------------------------------------------------------------------------


def test_config_from_strings():
    config = MatchConfig.from_strings(
        on="method,url,body",
        ignore_json_paths="metadata,messages[*].id",
        ignore_query="TS",
        headers="",
        allow_repeats=True,
    )
    assert config.on == ("method", "scheme", "host", "path", "query", "body")
    assert config.ignore_json_paths == ("metadata", "messages[*].id")
    assert config.ignore_query == ("ts",)
    assert config.allow_repeats
    assert MatchConfig.from_strings() == DEFAULT_MATCH
    assert MatchConfig.from_strings(on="", headers="X-A").on == (*DEFAULT_MATCH.on, "headers")


def test_config_errors():
    with pytest.raises(ValueError, match="unknown match part 'port'"):
        MatchConfig.from_strings(on="method,port")
    with pytest.raises(ValueError, match="bad JSON path"):
        MatchConfig(ignore_json_paths=("a..b",))
    with pytest.raises(ValueError, match="whole body"):
        MatchConfig(ignore_json_paths=("$",))


def test_parse_json_path():
    assert parse_json_path("metadata") == ("metadata",)
    assert parse_json_path("$.user") == ("user",)
    assert parse_json_path("messages[*].id") == ("messages", matching.STAR, "id")
    assert parse_json_path("$.a[0].b") == ("a", 0, "b")
    assert parse_json_path("$['odd.key'][\"x\"]") == ("odd.key", "x")
    assert parse_json_path("*.id") == (matching.STAR, "id")
