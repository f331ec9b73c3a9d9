"""Go `time.Duration` text: `ParseDuration` and `Duration.String()`, ported faithfully.

go-vcr stores a response's `duration` as a Go duration string (`3.566641667s`, `703.389µs`,
`1m18.00699275s`). Both functions work in integer nanoseconds and reproduce Go's results exactly,
including Go's own float64 rounding of fractions with more digits than the unit can hold
(`1.0000000001s` -> 1000000000 ns), so a value parsed here equals what go-vcr reads.
"""

from __future__ import annotations

import re

from .yamlv3 import quoted

_MAX_NS = (1 << 63) - 1
_MIN_NS = -(1 << 63)

_UNITS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # U+00B5 MICRO SIGN, what Go writes
    "\u03bcs": 1_000,  # U+03BC GREEK SMALL LETTER MU
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}

_DIGITS = "0123456789"
# What go-vcr writes for most responses (`1.899226064s`, `703.389µs`): one number of at most 9+9
# digits in a unit up to seconds. Where the unit holds every fraction digit (unit / 10**digits
# is whole), Go's float64 arithmetic is exact and gives v * unit + f * (unit / 10**digits).
_SIMPLE = re.compile("([0-9]{1,9})(?:\\.([0-9]{1,9}))?(ns|us|\u00b5s|\u03bcs|ms|s)")


def parse_go_duration(s: str) -> int:
    """Parse a Go duration string (`[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+` or `0`) to nanoseconds."""
    if not isinstance(s, str):
        raise ValueError(f"invalid Go duration {quoted(s)}: not a string")
    m = _SIMPLE.fullmatch(s)
    if m is not None:
        unit = _UNITS[m[3]]
        frac = m[2] or ""
        step, rest = divmod(unit, 10 ** len(frac))
        if not rest:
            return int(m[1]) * unit + (int(frac) * step if frac else 0)
    orig = quoted(s)  # (as errors show it: a long one described, never quoted: a pasted key)
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f"invalid Go duration {orig}")
    total = 0
    while s:
        if s[0] != "." and s[0] not in _DIGITS:
            raise ValueError(f"invalid Go duration {orig}")
        # Integer part.
        i = 0
        v = 0
        while i < len(s) and s[i] in _DIGITS:
            v = v * 10 + ord(s[i]) - 48
            if v > 1 << 63:
                raise ValueError(f"invalid Go duration {orig}: overflow")
            i += 1
        pre = i > 0
        s = s[i:]
        # Fraction: Go keeps digits while they fit in int64 and skips the rest.
        post = False
        f = 0
        scale = 1.0
        if s and s[0] == ".":
            s = s[1:]
            i = 0
            overflow = False
            while i < len(s) and s[i] in _DIGITS:
                if not overflow:
                    if f > _MAX_NS // 10:
                        overflow = True
                    else:
                        y = f * 10 + ord(s[i]) - 48
                        if y > 1 << 63:
                            overflow = True
                        else:
                            f = y
                            scale *= 10
                i += 1
            post = i > 0
            s = s[i:]
        if not pre and not post:
            raise ValueError(f"invalid Go duration {orig}")
        # Unit: everything up to the next digit or '.'.
        i = 0
        while i < len(s) and s[i] != "." and s[i] not in _DIGITS:
            i += 1
        if i == 0:
            raise ValueError(f"invalid Go duration {orig}: missing unit")
        unit_name, s = s[:i], s[i:]
        unit = _UNITS.get(unit_name)
        if unit is None:
            raise ValueError(f"invalid Go duration {orig}: unknown unit {quoted(unit_name)}")
        if v > (1 << 63) // unit:
            raise ValueError(f"invalid Go duration {orig}: overflow")
        v *= unit
        if f > 0:
            # Go computes this in float64 and truncates; do the same to get Go's exact value.
            v += int(float(f) * (float(unit) / scale))
            if v > 1 << 63:
                raise ValueError(f"invalid Go duration {orig}: overflow")
        total += v
        if total > 1 << 63:
            raise ValueError(f"invalid Go duration {orig}: overflow")
    if neg:
        return -total
    if total > _MAX_NS:
        raise ValueError(f"invalid Go duration {orig}: overflow")
    return total


def _frac(v: int, prec: int) -> tuple[str, int]:
    """Go's fmtFrac: (`.ddd` of v % 10**prec without trailing zeros, v // 10**prec)."""
    div = 10**prec
    digits = str(v % div).rjust(prec, "0").rstrip("0")
    return ("." + digits if digits else ""), v // div


def format_go_duration(ns: int) -> str:
    """Go's `time.Duration(ns).String()`: `1h2m3.5s`, `703.389µs`, `0s`."""
    if isinstance(ns, bool) or not isinstance(ns, int):
        raise ValueError(f"duration must be an integer number of nanoseconds, got {ns!r}")
    if not _MIN_NS <= ns <= _MAX_NS:
        raise ValueError(f"duration {ns} ns is out of Go's time.Duration range")
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    u = abs(ns)
    if u < 1_000_000_000:
        # Below one second Go switches to the largest unit that keeps an integer part.
        if u < 1_000:
            return f"{sign}{u}ns"
        if u < 1_000_000:
            frac, whole = _frac(u, 3)
            return f"{sign}{whole}{frac}\u00b5s"
        frac, whole = _frac(u, 6)
        return f"{sign}{whole}{frac}ms"
    frac, secs = _frac(u, 9)
    mins, secs = divmod(secs, 60)
    if not mins:
        return f"{sign}{secs}{frac}s"
    hours, mins = divmod(mins, 60)
    if not hours:
        return f"{sign}{mins}m{secs}{frac}s"
    return f"{sign}{hours}h{mins}m{secs}{frac}s"
