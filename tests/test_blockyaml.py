"""blockyaml (the fast cassette reader) against yamlv3's PyYAML loader, its oracle: on any text,
blockyaml either gives exactly the loader's value (same types, same key order) or refuses, and it
refuses whatever the loader rejects. Texts: the reference cassettes (which must all take the
fast path), cassettes written by our emitter from random values, random mutations of those, and
hand-picked YAML edge cases."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
import yaml

from vcrproxy import blockyaml
from vcrproxy.cassette import CHUNKS_KEY, Cassette, Interaction, Request, Response
from vcrproxy.codec import dumps_cassette, loads_cassette
from vcrproxy.yamlv3 import _Loader

REPO = Path(__file__).resolve().parent.parent
REFERENCE = sorted([*(REPO / "cassettes").glob("*.yaml"),
                    *(REPO / "tests" / "go" / "testdata").rglob("*.yaml")])


def same(a: object, b: object) -> bool:
    """Equal with the same types all the way down (1, 1.0 and True are not the same value
    here) and the same key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))  # type: ignore[arg-type]
    return a == b


def oracle(text: str) -> tuple[bool, object]:
    """(True, value) if the PyYAML loader reads `text`, else (False, the error)."""
    try:
        return True, yaml.load(text, Loader=_Loader)
    except (yaml.YAMLError, ValueError) as e:  # (a \\U escape beyond Unicode: ValueError)
        return False, e


def check(text: str) -> bool:
    """Assert blockyaml agrees with the oracle on `text`; True if it took the fast path."""
    ok, expected = oracle(text)
    try:
        value = blockyaml.load(text)
    except blockyaml.Unsupported:
        return False
    assert ok, f"blockyaml read text PyYAML rejects ({expected}):\n{text!r}"
    assert same(value, expected), f"different values:\n{text!r}\n{value!r}\n{expected!r}"
    return True


@pytest.mark.parametrize("path", REFERENCE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reference_cassettes_take_the_fast_path(path):
    text = path.read_text(encoding="utf-8")
    assert check(text), "a go-vcr cassette fell back to PyYAML"


# -- cassettes from random values -------------------------------------------------------------

PIECES = [
    "a", "Z", "0", "7", " ", "  ", "\n", "\n\n", ":", ": ", " #", "#", "-", "- ", "'", '"', "\\",
    "|", ">", "!", "&", "*", "?", "%", "@", "`", "[", "]", "{", "}", ",", "\t", "\r", "\r\n",
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\xa0", "é", "\u2028", "\u2029", "\ufeff", "😀",
    "---", "...", "true", "null", "~", "1e3", "0x1F", "0o17", "1_000", ".inf", "-.5", "yes",
    "2024-01-02", "=", "<<", "data: {\"a\": 1}", "  indented", "trailing ",
]


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, n)))


def random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(10 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, 1, -7, 2**40, 2**63 - 1])
    if kind == 2:
        return rng.choice([0.5, -1.25, 1e-7, 3.0, float("inf")])
    if kind in (3, 4, 5):
        return random_text(rng, 8)
    if kind == 6:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(12)))
    if kind in (7, 8):
        return {random_text(rng, 3) or "k": random_value(rng, depth + 1)
                for _ in range(rng.randrange(4))}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]


def random_cassette(rng: random.Random) -> Cassette:
    items = []
    for n in range(rng.randint(0, 3)):
        body: str | bytes = random_text(rng, 30)
        if rng.random() < 0.15:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
        headers = {random_text(rng, 3) or "X": [random_text(rng, 5) for _ in range(2)]
                   for _ in range(rng.randrange(3))}
        if rng.random() < 0.2:  # obs-text: bytes that are not UTF-8 (`- !!binary`), long too
            headers["X-Latin1"] = [bytes(rng.randrange(256) for _ in range(rng.randrange(90)))
                                   .decode("utf-8", "surrogateescape")]
        resp = Response(status=random_text(rng, 4), code=200, body=body, headers=headers,
                        duration_ns=rng.randrange(10**10))
        if rng.random() < 0.4:
            resp.extra[CHUNKS_KEY] = [[round(rng.random() * 500, 3), rng.randrange(999)]
                                      for _ in range(rng.randrange(4))]
        if rng.random() < 0.4:
            resp.extra["vcrproxy_extra"] = random_value(rng)
        req = Request(url="https://api.example.com/" + random_text(rng, 3), method="POST",
                      body=random_text(rng, 20), headers=headers)
        items.append(Interaction(id=n, request=req, response=resp))
    return Cassette(interactions=items, layout=rng.choice(["compact", "indented"]))


def generated(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        try:
            texts.append(dumps_cassette(random_cassette(rng)))
        except Exception:  # noqa: BLE001 - a value the emitter refuses: not this test's business
            continue
    return texts


def test_generated_cassettes():
    texts = generated(1, 400)
    fast = sum(check(t) for t in texts)
    assert len(texts) > 300 and fast > len(texts) // 2, (fast, len(texts))


def test_mutated_cassettes():
    """One random edit (a character inserted, deleted or replaced, a line repeated, cut, or
    moved in or out): whatever PyYAML makes of it, blockyaml agrees or refuses."""
    rng = random.Random(2)
    texts = generated(3, 120)
    tried = fast = 0
    for text in texts:
        for _ in range(25):
            t = text
            k = rng.randrange(len(t) + 1)
            edit = rng.randrange(6)
            if edit == 0:
                t = t[:k] + rng.choice(PIECES) + t[k:]
            elif edit == 1:
                t = t[:k] + t[k + rng.randint(1, 3):]
            elif edit == 2:
                t = t[:k] + rng.choice(PIECES) + t[k + 1:]
            elif edit == 3:
                lines = t.split("\n")
                j = rng.randrange(len(lines))
                lines.insert(j, lines[j])
                t = "\n".join(lines)
            elif edit == 4:
                lines = t.split("\n")
                j = rng.randrange(len(lines))
                lines[j] = (" " * rng.randint(1, 3) + lines[j]) if rng.random() < 0.5 \
                    else lines[j][rng.randint(1, 3):]
                t = "\n".join(lines)
            else:
                t = t[:k]
            tried += 1
            fast += check(t)
    assert tried > 2500 and fast > tried // 10, (fast, tried)


EDGE_CASES = [
    "version: 2\ninteractions: []\n",
    "---\nversion: 2\n",
    "version: 2\n---\nversion: 3\n",
    "version: 2\n...\n",
    "a: b\n--- x: y\n",
    "a: |\n  x\n\n\n",
    "a: |+\n  x\n\n\n",
    "a: |-\n  x\n\n\nb: 1\n",
    "a: |2\n    x\n   y\n",
    "a: |1\n  x\n",
    "a: |\n\n  x\n",
    "a: |\n  \n  x\n",
    "a: |\n   \n  x\n",
    "a: |\n  x\n \n  y\n",
    "a: |\n  x\n      \n",
    "a: |+\n  x\n    \n",
    "a: |\n  x\n\ty\n",
    "a: |\n  \tx\n",  # libyaml: a tab where an indentation space is expected
    "a: |-\n    \tx\n    y\nb: 1\n",
    "a:\n  b: |+\n   \tx\n\n",
    "a: |2\n  \tx\n",
    "a: |\n  x\n b: 1\n",
    "a: |  # c\n  x\n",
    "a: |\nb: 1\n",
    "a: >\n  x\n  y\n",
    "a: !!binary AAEC\n",
    "a: !!binary |\n  AAEC\n  AwQF\n",
    "a: !!binary |\n  AA=C\n",
    "a: !!binary é\n",
    "a: !!binary  |\n  AAEC\n",
    "a: !!binary  |\nb: 1\n",
    "a: !!binary  AAEC\n",
    "a: !!binary |2\n  AAEC\n",
    "a: !!str 1\n",
    "a: !x 1\n",
    "a: &x 1\nb: *x\n",
    "a: b # c\n",
    "# c\na: 1\n",
    "a: b\n  c\n",
    "a: 'b\n  c'\n",
    'a: "b\\\n  c"\n',
    'a: "\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\/\\ \\t\\\t"\n',
    'a: "\\uD800"\n',
    'a: "\\U00110000"\n',
    'a: "\\q"\n',
    "a: 'it''s'\n",
    "a: 'x' y\n",
    "a: b: c\n",
    "a: b:\n",
    "a:  b\n",
    "a:\tb\n",
    "a: b \n",
    "a:\n- 1\n- 2\nb: 3\n",
    "a:\n  - 1\n  -  2\n",
    "a:\n- - 1\n",
    "a:\n-\n",
    "a:\n- |\n  x\n",
    "a:\n- x: 1\n  y: 2\n- z: 3\n",
    "a:\n-   x: 1\n    y: 2\n",
    "a:\n- x: 1\n   y: 2\n",
    "- 1\n",
    "a: 1\n- 2\n",
    "a:\n  b: 1\n c: 2\n",
    "a:\n    b: 1\n  c: 2\n",
    "a: [[0.5, 1], [2, 3]]\n",
    "a: [[1e3, 01], [-0.5, 0x10]]\n",
    "a: [[100000000000000000000, 1]]\n",
    "a: [1, 2]\n",
    "a: {}\nb: []\n",
    "a: {b: 1}\n",
    "? a\n: 1\n",
    "'a b': 1\n\"c\\td\": 2\n",
    "'a':\n  x: 1\n",
    "1: a\ntrue: b\nnull: c\n1.5: d\n",
    "a: 1\na: 2\n",
    "<<: 1\n",
    "a: yes\nb: 0b101\nc: 0o17\nd: 1_000\ne: 2024-01-02\nf: .NaN\ng: -.inf\nh: ~\n",
    "a: -\n",
    "a: 1.899226064s\nb: 1m18.00699275s\nc: 0s\nd: 703.389\u00b5s\ne: 1h2m3.5s\nf: 12h\n",
    "a: 0x1Fs\nb: 1e3s\nc: 1_0s\nd: 0b1s\ne: 1.s\nf: 0x1F\ng: 1e3\n",
    "a: 'x''''y'\nb: ''''\nc: ''\nd: '''\n",
    "a: 'x''''y'\nb: ''''\nc: ''\n",
    'a: "x\\"y"\nb: ""\nc: "\\""\n',
    'a: "a"b"\n',
    "a: - b\n",
    "a: ? b\n",
    "a: `b\n",
    "a: @b\n",
    "a: %b\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: 1",
    "a: 1\r\nb: 2\r\n",
    "a: \x85\n",
    "a: \u2028\n",
    "a: b\x00\n",
    "a: \ufeffb\n",
    "\ta: 1\n",
    "a:\n\tb: 1\n",
    " a: 1\n",
    "a: 1\n  \nb: 2\n",
    "a:\n\n  b: 1\n",
    "",
    "\n",
    "x\n",
    "a\n",
    "[1]\n",
    "a: " + "x" * 2000 + "\n",
    '"' + "k" * 1100 + '": 1\n',  # libyaml: a simple key ends within 1024 characters
    "a:\n- '" + "k" * 1030 + "': 1\n",
    ("a:\n" + "".join(" " * d + "b:\n" for d in range(1, 200))),
    # keys are their text; `<<` merges; null keys are no entry
    "0x1F: a\n31: b\n1.0: c\nTrue: d\n2024-01-02: e\n", "~: a\nb: 1\n", ": a\n",
    "<<: {a: 1}\nb: 2\n", "<<: [a]\n", "<<:\n", "a: <<\nb:\n- <<\n", "'<<': 1\n<<: {}\n",
    "a: 1.50\nb: 0x1F\nc: TRUE\nd:\n- 1_000\n- .Inf\n- -0\n",
    # `!!binary` list items (header values that are not UTF-8), in odd places too
    "a:\n- !!binary 6Q==\n- x\n", "a:\n  - !!binary |\n    6enp\n    6enp\n  - y\n",
    "a:\n- !!binary |\n 6enp\n", "a:\n- !!binary |\n6enp\n", "a:\n- !!binary |\n",
    "a:\n- !!binary |2\n    6enp\n", "a:\n- !!binary 6Q=\n", "a:\n- !!binary |-\n  6enp\n",
    "a:\n- !!binary  6Q==\n", "a:\n- !!binary\n", "a:\n- !!binary 6Q== #c\n",
]


@pytest.mark.parametrize("text", EDGE_CASES, ids=range(len(EDGE_CASES)))
def test_edge_cases(text):
    check(text)


def test_edge_cases_that_must_be_fast():
    """What go-vcr and vcrproxy write does take the fast path."""
    for text in ["---\nversion: 2\ninteractions: []\n", "a: |\n  x\n\n\n", "a: |+\n  x\n\n\n",
                 "a: |2\n    x\n   y\n", "a: !!binary |\n  AAEC\n  AwQF\n",
                 "a:\n- x: 1\n  y: 2\n- z: 3\n", "a: [[0.5, 1], [2, 3]]\n", "a: {}\nb: []\n",
                 'a: "\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\/\\ \\t\\\t"\n', "a: 'it''s'\n",
                 "a:\n- !!binary 6Q==\n", "a:\n    - !!binary |\n      6enp\n      6enp\n",
                 "a:\n- !!binary |\n  6enp\n  6enp\nb: 1\n", "a: 0x1F\n1.10:\n- 1.50\n"]:
        assert check(text), text


def test_a_cut_off_cassette_still_recovers():
    """A cut-off file is refused (no final line break): codec's recovery then works from
    PyYAML's error, as before."""
    text = dumps_cassette(random_cassette(random.Random(5)))
    with pytest.raises(blockyaml.Unsupported):
        blockyaml.load(text[:-1])
    full = loads_cassette(text)
    assert full.interactions or True
