"""Cassette tools: `show`, `check`, `redact`."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from vcrproxy import save_cassette
from vcrproxy.cassette import Cassette, CassetteError, os_error
from vcrproxy.terminal import clean_line
from vcrproxy.yamlio import cassette_lock

from .common import (
    CONTEXT,
    NO_REDACT,
    LineUsageError,
    Path,
    load_for_view,
    load_with_notes,
    mask_text,
    redaction_config,
    redaction_options,
    view_redaction,
)

if TYPE_CHECKING:  # imported where used: `show` needs none of the redaction rules
    from vcrproxy.redaction import RedactionConfig


def _say(message: str, err: bool = False) -> None:
    """One line of output, kept one line: a cassette's file name or a message quoting its
    content cannot start another line or reach the terminal as an escape (terminal.py)."""
    click.echo(clean_line(message), err=err)


def _fail(message: str) -> click.ClickException:
    """The command's one-line error (click prints `Error: ...`), kept one line as `_say`."""
    return click.ClickException(clean_line(message))


def _load_notes(path: str) -> tuple[Cassette, list[str]]:
    """The cassette and its loader's repair notes, which are printed here (stderr)."""
    try:
        c, notes = load_with_notes(path)
    except CassetteError as e:
        raise _fail(str(e)) from None
    for note in notes:
        _say(note, err=True)
    return c, notes


@click.command(context_settings=CONTEXT)
@click.argument("cassette", type=Path(dir_okay=False))
@click.option("--id", "ids", type=int, multiple=True, help="Only this interaction (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summaries.")
@click.option("--raw", is_flag=True, help="Also headers and raw bodies.")
@click.option("--plain", is_flag=True,
              help="Stable plain text for git diff (textconv): every message, whole answers.")
@click.option("--html", "html_out", metavar="OUT.html", type=Path(dir_okay=False),
              help="Write a self-contained HTML report (cards, stream timing chart) to OUT.html.")
@NO_REDACT
@redaction_options
def show(cassette: str, ids: tuple[int, ...], as_json: bool, raw: bool, plain: bool,
         html_out: str | None, no_redact: bool, **kw: Any) -> None:
    """Read CASSETTE as the conversation it holds: requests, reassembled replies, tool calls,
    token usage. Secrets are shown as <REDACTED> unless --no-redact."""
    from .show import render_cassette, render_json

    config = view_redaction(kw, no_redact)
    # One text view at a time (--html writes a file and may go with --plain); a second was
    # dropped without a word.
    views = [flag for flag, on in (("--json", as_json), ("--raw", raw), ("--plain", plain))
             if on]
    if len(views) > 1 or (html_out and (as_json or raw)):
        chosen = views + (["--html"] if html_out else [])
        raise LineUsageError(f"{' and '.join(chosen[:2])} are two views: choose one")
    if plain or html_out:
        from .views import show_views

        show_views(cassette, ids, plain=plain, html_out=html_out, redact=not no_redact,
                   config=config)
        return
    c = load_for_view(cassette, redact=not no_redact, config=config)
    known = {i.id for i in c.interactions}
    missing = [i for i in ids if i not in known]
    if missing:
        raise _fail(f"{cassette}: no interaction with id {missing[0]}")
    if as_json:
        text = render_json(c, ids=list(ids) or None)
    else:
        text = render_cassette(c, ids=list(ids) or None, raw=raw, color=sys.stdout.isatty())
    click.echo(text if no_redact else mask_text(text, config))


def _cassette_files(paths: tuple[str, ...], errors: list[str]) -> list[str]:
    """The paths as given, each folder replaced by the `.yaml`/`.yml` files under it (in name
    order; hidden files and folders left out: a writer's temporary file is `.NAME.PID.N.tmp`).
    ClickException for a folder with none. A folder that cannot be listed adds its error line
    (the real cause, cassette.os_error) to `errors`: os.walk would skip it without a word."""
    out: list[str] = []

    def unlisted(e: OSError) -> None:
        errors.append(str(os_error(e.filename or path, e, "list folder")))

    for path in paths:
        if not os.path.isdir(path):
            out.append(path)
            continue
        found = []
        before = len(errors)
        for root, dirs, names in os.walk(path, onerror=unlisted):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [os.path.join(root, name) for name in sorted(names)
                      if name.endswith((".yaml", ".yml")) and not name.startswith(".")]
        if not found and len(errors) == before:
            raise _fail(f"{path}: no cassettes (*.yaml, *.yml) in this folder")
        out.extend(found)
    return out


@click.command(context_settings=CONTEXT)
@click.argument("cassettes", nargs=-1, required=True, type=Path())
@redaction_options
def check(cassettes: tuple[str, ...], **kw: Any) -> None:
    """Validate CASSETTES (YAML, go-vcr schema: required fields, types, unique ids, real status
    codes, known keys) and report every secret `redact` would remove (same rules as recording),
    per file, interaction and field; one line per problem, exit 1 on any (usable as a
    pre-commit hook): also a body that decodes to more than 256 MiB (a decompression bomb),
    whose secrets were searched only in its stored bytes. A folder stands for every *.yaml and
    *.yml file under it."""
    from vcrproxy.redaction import find_secrets
    from vcrproxy.schema import validate

    config = redaction_config(kw)
    errors: list[str] = []
    files = _cassette_files(cassettes, errors)
    for error in errors:
        _say(error, err=True)
    problems = len(errors)
    for path in files:
        try:
            c, notes = load_with_notes(path)
        except CassetteError as e:
            _say(f"{e}", err=True)
            problems += 1
            continue
        for note in notes:  # a cut-off file is a problem for a check, not something to repair
            _say(note, err=True)
        problems += len(notes)
        invalid = validate(c)  # what parses but go-vcr or replay cannot use
        for problem in invalid:
            _say(f"{path}: {problem}", err=True)
        problems += len(invalid)
        findings = [f for i in c.interactions for f in find_secrets(i, config)]
        findings += _file_secrets(path, c, config)
        for finding in findings:
            _say(f"{path}: {finding}", err=True)
        problems += len(findings)
        if not findings and not notes and not invalid:
            _say(f"{path}: ok ({len(c.interactions)} interactions)")
    if problems:
        raise _fail(f"{problems} problem(s) found")


def _redact_file(path: str, config: RedactionConfig) -> tuple[int, list[str]]:
    """Load, redact and atomically rewrite one cassette; returns how many secrets it had, and
    a line per body too large to decode (redaction.audit: searched as stored, so it may still
    hold secrets). A file redaction leaves as it is (and the loader did not repair) is not
    written: a rewrite would only drop what the model does not keep (YAML comments, the
    author's quoting)."""
    from vcrproxy.redaction import audit, redact_interaction

    c, notes = _load_notes(path)
    before, undecoded = 0, []
    for i in c.interactions:
        secrets, unsearched = audit(i, config)
        before += len(secrets)
        undecoded += unsearched
    redacted = [redact_interaction(i, config) for i in c.interactions]
    elsewhere = _file_secrets(path, c, config)  # (top-level keys, comments: dropped below)
    before += len(elsewhere)
    if redacted == c.interactions and not notes and not elsewhere:
        return before, undecoded
    from vcrproxy.redaction import redact_extra, renamed_keys

    c.interactions = redacted
    extra = redact_extra(c.extra, config)[0]
    c.key_order = renamed_keys(c.key_order, c.extra, extra)
    c.extra = extra
    save_cassette(c, path)
    return before, undecoded


def _file_secrets(path: str, c: Cassette, config: RedactionConfig) -> list[str]:
    """Secrets of a cassette file outside its interactions, one line each: in its top-level
    keys the model does not know (`notes:`), and in its text outside every field (a YAML
    comment: a header commented out by hand). A rewrite (redact) drops the comments."""
    from vcrproxy.codec import dumps_cassette
    from vcrproxy.redaction import redact_extra, unkept_secrets

    lines = redact_extra(c.extra, config)[1]
    from vcrproxy.store import decode_text

    try:
        with open(path, "rb") as f:
            raw = f.read()
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # (UTF-16: compared as the UTF-8 it reads as)
            raw = decode_text(raw, path).encode("utf-8", "surrogateescape")
    except (OSError, CassetteError):
        return lines
    kept = dumps_cassette(c).encode("utf-8", "surrogateescape")
    return lines + unkept_secrets(raw, kept, config)


@click.command(context_settings=CONTEXT)
@click.argument("cassettes", nargs=-1, required=True, type=Path())
@redaction_options
def redact(cassettes: tuple[str, ...], **kw: Any) -> None:
    """Scrub secrets from existing CASSETTES in place (atomic rewrite): everything `check`
    reports. A folder stands for every *.yaml and *.yml file under it. A body that decodes to
    more than 256 MiB (a decompression bomb) is searched as stored: one line each, exit 1."""
    config = redaction_config(kw)
    errors: list[str] = []
    cassettes = tuple(_cassette_files(cassettes, errors))
    for error in errors:  # (a folder that cannot be listed: its cassettes stay as they are)
        _say(error, err=True)
    failed = len(errors)
    unsearched = 0
    for path in cassettes:  # a bad file is reported and skipped: the others still get fixed
        try:
            # Under the cassette's lock: a proxy appending to it meanwhile waits, then re-reads.
            with cassette_lock(path):
                before, undecoded = _redact_file(path, config)
        except (click.ClickException, CassetteError, OSError) as e:
            if isinstance(e, OSError):  # (the lock's folder, the rewrite: its real cause)
                e = os_error(path, e)
            message = e.message if isinstance(e, click.ClickException) else str(e)
            if len(cassettes) == 1:
                raise _fail(message) from None  # one file: its error is the line
            _say(message, err=True)
            failed += 1
            continue
        for line in undecoded:
            _say(f"{path}: {line}", err=True)
        unsearched += len(undecoded)
        _say(f"{path}: {before} secret(s) redacted")
    if failed:
        raise _fail(f"{failed} cassette(s) not redacted")
    if unsearched:
        raise _fail(
            f"{unsearched} body(ies) too large to decode: searched only as stored")
