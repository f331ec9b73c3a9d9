"""Go time.Duration text: ParseDuration and Duration.String() (values checked against Go)."""

from __future__ import annotations

import pytest

from vcrproxy.durations import format_go_duration, parse_go_duration

# (text as Go writes it, nanoseconds)
GO_STRINGS = [
    ("0s", 0),
    ("1ns", 1),
    ("999ns", 999),
    ("1µs", 1_000),
    ("703.389µs", 703_389),
    ("1.5µs", 1_500),
    ("1ms", 1_000_000),
    ("853.364708ms", 853_364_708),
    ("929.581ms", 929_581_000),
    ("999.999999ms", 999_999_999),
    ("1s", 1_000_000_000),
    ("1.4557985s", 1_455_798_500),
    ("3.566641667s", 3_566_641_667),
    ("59.999999999s", 59_999_999_999),
    ("1m0s", 60_000_000_000),
    ("1m18.00699275s", 78_006_992_750),
    ("1h0m0s", 3_600_000_000_000),
    ("1h2m3.004005006s", 3_723_004_005_006),
    ("-1.5s", -1_500_000_000),
    ("-703.389µs", -703_389),
    ("2562047h47m16.854775807s", (1 << 63) - 1),
    ("-2562047h47m16.854775808s", -(1 << 63)),
]


@pytest.mark.parametrize(("text", "ns"), GO_STRINGS)
def test_format_is_go_string(text, ns):
    assert format_go_duration(ns) == text


@pytest.mark.parametrize(("text", "ns"), GO_STRINGS)
def test_parse_go_string(text, ns):
    assert parse_go_duration(text) == ns


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("0", 0),
        ("+0", 0),
        ("-0", 0),
        ("5us", 5_000),
        ("5\u03bcs", 5_000),  # Greek mu, also accepted by Go
        ("5\u00b5s", 5_000),  # micro sign, what Go writes
        ("1h1m1s1ms1us1ns", 3_661_001_001_001),
        ("1.5h", 5_400_000_000_000),
        (".5s", 500_000_000),
        ("5.s", 5_000_000_000),
        ("+2m", 120_000_000_000),
        ("0.3h", 1_080_000_000_000),
        ("1.0000000001s", 1_000_000_000),  # Go's float64 fraction arithmetic truncates
        ("100.00000000000000000001s", 100_000_000_000),  # extra digits are skipped, as in Go
        ("9223372036854775807ns", (1 << 63) - 1),
        ("-9223372036854775808ns", -(1 << 63)),
    ],
)
def test_parse_other_forms(text, ns):
    assert parse_go_duration(text) == ns


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "invalid Go duration ''"),
        ("1", "missing unit"),
        ("00", "missing unit"),
        ("1x", "unknown unit 'x'"),
        ("1 s", "unknown unit ' s'"),
        ("s", "invalid Go duration 's'"),
        (".s", "invalid Go duration '.s'"),
        ("-", "invalid Go duration '-'"),
        ("1m1", "missing unit"),
        ("1e3s", "unknown unit 'e'"),
        ("9223372036854775808ns", "overflow"),
        ("2562048h", "overflow"),
        ("1S", "unknown unit 'S'"),
    ],
)
def test_parse_errors_are_clear(text, why):
    with pytest.raises(ValueError, match="invalid Go duration") as err:
        parse_go_duration(text)
    assert why in str(err.value)


def test_parse_rejects_non_strings():
    with pytest.raises(ValueError):
        parse_go_duration(5)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1.5, True, "1s", 1 << 63, -(1 << 63) - 1])
def test_format_rejects_non_durations(bad):
    with pytest.raises(ValueError):
        format_go_duration(bad)


def test_round_trip_many_values():
    values = [0, 1, 999, 1000, 1001, 999_999, 10**6, 10**9 - 1, 10**9, 59 * 10**9 + 1]
    values += [v * 7_919 + k for v in range(0, 10**12, 10**10) for k in (0, 3)]
    values += [-v for v in values]
    for ns in values:
        assert parse_go_duration(format_go_duration(ns)) == ns


def test_fast_path_matches_the_full_parser(monkeypatch):
    """parse_go_duration's shortcut for `N.FFFs`-like values gives what the full port gives."""
    import random
    import re

    import vcrproxy.durations as durations

    rng = random.Random(1)
    cases = ["1.5s", "0s", "0.000000001s", "999999999.999999999s", "1.0000000001s", "703.389µs",
             "1.2ns", "12.5us", "7.s", "1.1234567ms"]
    for _ in range(5000):
        whole = str(rng.randrange(10 ** rng.randint(1, 9)))
        frac = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 9)))
        unit = rng.choice(["ns", "us", "\u00b5s", "\u03bcs", "ms", "s"])
        cases.append(whole + ("." + frac if frac else "") + unit)

    def parse_all() -> list[int | str]:
        out: list[int | str] = []
        for c in cases:
            try:
                out.append(durations.parse_go_duration(c))
            except ValueError:
                out.append("error")
        return out

    fast = parse_all()
    monkeypatch.setattr(durations, "_SIMPLE", re.compile("(?!)"))  # never matches: full parser
    assert fast == parse_all()
