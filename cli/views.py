"""The view outputs of `vcrproxy show`: `--plain` (git textconv) and `--html OUT.html`.

Kept apart from `tools.py` so these paths import neither mitmproxy nor the proxy code.
"""

from __future__ import annotations

import os
import shutil
import sys

import click

from vcrproxy.cassette import CassetteError, os_error
from vcrproxy.store import open_regular

from .diff import load_for_view
from .plain import render_plain


def show_views(path: str, ids: tuple[int, ...], *, plain: bool, html_out: str | None) -> None:
    """`show --plain` prints the cassette as plain text; `show --html OUT` writes the report.

    As a git textconv, `--plain` must not break `git diff` on a regular file that does not
    load: it prints the file as it is (the error goes to stderr) and exits 0. Anything else (a
    FIFO, a device, a folder) is a one-line error, never opened for reading: a FIFO's open
    would block for ever and /dev/zero would be read until memory runs out.
    """
    if plain:
        try:
            cassette = load_for_view(path)
        except click.ClickException as e:
            _show_as_it_is(path, e.message)
            return
        chosen = _select(cassette, ids, path)
        click.echo(render_plain(cassette, chosen), nl=False)
    if html_out:
        from .report import write_report

        cassette = load_for_view(path)
        if ids:
            cassette.interactions = _select(cassette, ids, path)
        try:
            write_report(cassette, html_out, os.path.basename(path))
        except OSError as e:
            raise click.ClickException(str(os_error(html_out, e))) from None
        if not plain:
            click.echo(f"wrote {html_out} ({len(cassette.interactions)} interactions)", err=True)


def _show_as_it_is(path: str, why: str) -> None:
    """Copy a regular file that is no cassette to stdout (the textconv fallback)."""
    try:
        fd = open_regular(path)  # (store's one check: non-blocking open, then fstat)
    except CassetteError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"vcrproxy show --plain: {why}; showing the file as it is", err=True)
    try:
        with open(fd, "rb") as f:
            shutil.copyfileobj(f, sys.stdout.buffer)
    except OSError as oe:
        raise click.ClickException(str(os_error(path, oe))) from None


def _select(cassette, ids: tuple[int, ...], path: str):
    if not ids:
        return list(cassette.interactions)
    by_id = {i.id: i for i in cassette.interactions}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise click.ClickException(f"{path}: no interaction with id {missing[0]}")
    return [by_id[i] for i in dict.fromkeys(ids)]
