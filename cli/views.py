"""The view outputs of `vcrproxy show`: `--plain` (git textconv) and `--html OUT.html`.

Kept apart from `tools.py` so these paths import neither mitmproxy nor the proxy code.
"""

from __future__ import annotations

import os
import shutil
import sys

import click

from vcrproxy.cassette import CassetteError, os_error
from vcrproxy.store import open_regular, refuse_special
from vcrproxy.terminal import clean_line

from .common import load_for_view, mask_text
from .plain import render_plain


def show_views(path: str, ids: tuple[int, ...], *, plain: bool, html_out: str | None,
               redact: bool = True, config=None) -> None:
    """`show --plain` prints the cassette as plain text; `show --html OUT` writes the report.

    As a git textconv, `--plain` must not break `git diff` on a regular file that does not
    load: it prints the file as it is (the error goes to stderr) and exits 0. Anything else (a
    FIFO, a device, a folder) is a one-line error, never opened for reading: a FIFO's open
    would block for ever and /dev/zero would be read until memory runs out.
    """
    if plain:
        try:
            cassette = load_for_view(path, redact=redact, config=config)
        except click.ClickException as e:
            _show_as_it_is(path, e.message, redact, config)
            return
        chosen = _select(cassette, ids, path)
        text = render_plain(cassette, chosen)
        click.echo(mask_text(text, config) if redact else text, nl=False)
    if html_out:
        from .report import write_report

        check_report_out(html_out)
        cassette = load_for_view(path, redact=redact, config=config)
        if ids:
            cassette.interactions = _select(cassette, ids, path)
        try:
            write_report(cassette, html_out, os.path.basename(path),
                         mask=(lambda text: mask_text(text, config)) if redact else None)
        except OSError as e:
            raise click.ClickException(str(os_error(html_out, e))) from None
        if not plain:
            click.echo(f"wrote {clean_line(html_out)} ({len(cassette.interactions)} interactions)",
                       err=True)


REPORT_STARTS = (b"<!doctype html", b"<html")  # (how our report and other HTML pages begin)


def check_report_out(out: str) -> None:
    """ClickException (one line) unless `show --html OUT` may write OUT: OUT must not be named
    `.yaml`/`.yml` (the cassette's own name: `show --html a.yaml b.yaml`, typed as a flag like
    `--plain`, would replace the cassette a.yaml), and an existing OUT must be a regular file
    that is empty or an HTML page (a previous report), never a cassette or anything else: the
    report replaces it whole. A FIFO or device OUT is refused too (`store.refuse_special`)."""
    if out.lower().endswith((".yaml", ".yml")):
        raise click.ClickException(
            f"{out}: --html takes the report's path first (show --html OUT.html CASSETTE); "
            "it never writes a .yaml file")
    try:
        refuse_special(out)
    except OSError as e:
        raise click.ClickException(str(os_error(out, e))) from None
    if not os.path.exists(out):
        return  # a new report (a dangling link: its target is written, as atomic_write says)
    try:
        fd = open_regular(out)
    except CassetteError as e:  # (unreadable: whether it holds a cassette cannot be seen)
        raise click.ClickException(f"{e}; not replaced by the report") from None
    with open(fd, "rb") as f:
        head = f.read(1024)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start and not start.startswith(REPORT_STARTS):
        what = "holds a cassette" if b"interactions:" in head else "is not an HTML report"
        raise click.ClickException(
            f"{out}: exists and {what}: not replaced; remove it or write the report elsewhere")


def _show_as_it_is(path: str, why: str, redact: bool, config=None) -> None:
    """Copy a regular file that is no cassette to stdout (the textconv fallback); `redact`:
    its text with secrets masked (`common.mask_text`), read whole (a regular file: bounded)."""
    try:
        fd = open_regular(path)  # (store's one check: non-blocking open, then fstat)
    except CassetteError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"vcrproxy show --plain: {why}; showing the file as it is", err=True)
    try:
        with open(fd, "rb") as f:
            if not redact:
                shutil.copyfileobj(f, sys.stdout.buffer)
                return
            text = f.read().decode("utf-8", "surrogateescape")
        sys.stdout.buffer.write(mask_text(text, config).encode("utf-8", "surrogateescape"))
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
