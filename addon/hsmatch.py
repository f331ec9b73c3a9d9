"""Hyperscan (Intel's SIMD multi-pattern matcher, the `hyperscan` package), optional.

Where it has no wheel (it has them for x86-64 Linux and macOS), fails to load, or cannot build a
database (a CPU it does not support raises there), `matcher` gives None and each caller uses
its own slower path: redaction's needle search an Aho-Corasick automaton, the literal block
check (yamlv3) `bytes.translate` and substring searches. Imported on first use: it adds ~5-9 ms
to a start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger("vcrproxy")


def module() -> Any | None:
    """The `hyperscan` module, or None."""
    try:
        import hyperscan
    except Exception:  # noqa: BLE001 - (ImportError: a platform without its wheel)
        return None
    return hyperscan


class Matcher:
    """One block-mode database; `scan` from any thread (each has its own scratch space, which
    Hyperscan does not share)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self._local = threading.local()

    def scan(self, data: bytes, on_match: Callable[[int, int, int, int, Any], Any]) -> None:
        """Call `on_match(id, start, end, flags, context)` for each match in `data` (`end`: the
        offset just past it; `start` is 0 unless asked for), in the order of their ends."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            hs = module()
            assert hs is not None  # (a Matcher exists only where it loaded)
            scratch = self._local.scratch = hs.Scratch(self.db)
        self.db.scan(data, match_event_handler=on_match, scratch=scratch)


def matcher(expressions: Sequence[bytes], *, literal: bool = False,
            single_match: bool = False, caseless: Sequence[bool] = ()) -> Matcher | None:
    """A Matcher of `expressions` (ids: their indexes), as literals or as Hyperscan regexes
    (`single_match`: each reports its first match only; `caseless[i]`: expression i ignores
    ASCII case); None where Hyperscan cannot be had. A literal holding a NUL byte cannot be
    passed (the binding passes C strings): None too."""
    hs = module()
    if hs is None or not expressions or literal and any(b"\0" in e for e in expressions):
        return None
    n = len(expressions)
    try:
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        db.compile(expressions=list(expressions), ids=list(range(n)), elements=n,
                   flags=[(hs.HS_FLAG_SINGLEMATCH if single_match else 0)
                          | (hs.HS_FLAG_CASELESS if i < len(caseless) and caseless[i] else 0)
                          for i in range(n)], literal=literal)
    except Exception as e:  # noqa: BLE001 - the caller's own path then
        log.debug("Hyperscan cannot build a database here: %s", e)
        return None
    return Matcher(db)
