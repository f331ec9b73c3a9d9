"""The live line per flow and the session summary, on stderr."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from vcrproxy.reporter import FlowReport

PREFIX = "vcrproxy: "


def prefixed(text: str) -> str:
    """`text` as a line of ours on stderr: with the `vcrproxy: ` prefix, once. Messages made
    for other readers (a flow's error, a miss body) carry it already; this is the one place the
    console adds it (LiveLog and the log formatter of the session commands)."""
    return text if text.startswith(PREFIX) else PREFIX + text


class PrefixFormatter(logging.Formatter):
    """Log records as `vcrproxy: message` (see `prefixed`)."""

    def format(self, record: logging.LogRecord) -> str:
        return prefixed(super().format(record))


COLORS = {"replayed": "green", "recorded": "cyan", "miss": "red", "error": "red",
          "fault": "yellow"}


def human_size(n: int) -> str:
    for unit in ("B", "kB", "MB"):
        if n < 1000 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} B"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}ms"


class LiveLog:
    def __init__(self, *, quiet: bool = False, stream=None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.color = self.stream.isatty()
        self.gone = False  # the stream failed: write nothing more

    def _out(self, text: str) -> None:
        if self.gone:
            return
        try:
            click.echo(text, file=self.stream, color=self.color)
        except OSError:
            # The terminal hung up (EIO) or the reader went away (EPIPE): the session goes on
            # to write its cassette; only the lines have nowhere to go.
            self.gone = True

    def note(self, text: str) -> None:
        self._out(prefixed(text))

    def flow(self, r: FlowReport) -> None:
        if self.quiet:
            return
        label = "MISS" if r.kind == "miss" else r.kind
        tag = click.style(f"{label:<11}", fg=COLORS.get(r.kind)) if self.color else f"{label:<11}"
        status = r.status if r.status is not None else "---"
        line = (
            f"{tag} {r.method} {r.url} {status}  ttfb {_ms(r.ttfb_ms)}  total {_ms(r.total_ms)}"
            f"  {human_size(r.size)}"
        )
        if r.detail and r.kind in ("error", "fault"):
            line += f"  ({r.detail})"
        self._out(line)

    def summary(self, lines: list[str]) -> None:
        if not lines:
            self._out(prefixed("no traffic"))
            return
        for line in lines:
            self._out(prefixed(line))
