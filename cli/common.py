"""What every vcrproxy command shares (kept apart so that commands need not import main)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from vcrproxy.ca import default_confdir
from vcrproxy.options import BY_NAME, Option
from vcrproxy.terminal import clean_line

if TYPE_CHECKING:
    from vcrproxy.cassette import Cassette
    from vcrproxy.redaction import RedactionConfig

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LineUsageError(click.ClickException):
    """A usage error (exit 2) in one line, without click's usage text."""

    exit_code = 2


class EmptyPathError(LineUsageError):
    """An empty path argument (or value typed for an option)."""


class Path(click.Path):
    """click.Path that refuses an empty path. `vcrproxy record "$CASSETTE"` with the variable
    unset would otherwise record into the default cassette (an empty vcr_cassette means that),
    `--confdir ""` would put the CA in the working directory, and the rest would say
    `: cassette file not found`."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value:
            if isinstance(param, click.Option):
                name = param.opts[0]
            else:
                name = param.human_readable_name if param is not None else "path"
            raise EmptyPathError(f"{name}: an empty path (an unset variable?)")
        return super().convert(value, param, ctx)


def not_empty(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """click callback: an empty value typed on the command line (`--host "$HOST"` with the
    variable unset) is the empty-path usage error (exit 2), not the option's default meaning
    (every interface for a listener, the default cassette root). An empty environment variable
    is unset to click, so the default applies there as before."""
    if value == "" and ctx.get_parameter_source(param.name or "") is \
            click.core.ParameterSource.COMMANDLINE:
        name = param.opts[0] if isinstance(param, click.Option) else param.human_readable_name
        raise EmptyPathError(f"{name}: an empty value (an unset variable?)")
    return value


class EnvOption(click.Option):
    """A click option whose bad value from its environment variable is one line naming that
    variable (`VCRPROXY_MODE=bogus`, `VCRPROXY_PORT=http` read as a bad `--mode` / `--port`,
    under click's usage text, named neither)."""

    def process_value(self, ctx: click.Context, value: Any) -> Any:
        try:
            return super().process_value(ctx, value)
        except click.BadParameter as e:
            source = ctx.get_parameter_source(self.name or "")
            if source is click.core.ParameterSource.ENVIRONMENT and isinstance(self.envvar, str):
                raise LineUsageError(f"{self.envvar}={value!r}: {e.message}") from None
            raise


class _ListOption(EnvOption):
    """A repeatable flag whose environment variable holds its items split by `sep` (click
    would split at whitespace, which regular expressions may contain)."""

    def __init__(self, *args: Any, sep: str = ",", **kw: Any) -> None:
        self.sep = sep
        super().__init__(*args, **kw)

    def value_from_envvar(self, ctx: click.Context) -> Any:
        rv = self.resolve_envvar_value(ctx)
        if rv is None:
            return None
        return [p.strip() for p in rv.split(self.sep) if p.strip()]


def table_option(opt: Option):
    """The click option of one row of vcrproxy.options.OPTIONS: `--flag`, `VCRPROXY_*`."""
    names = [opt.flag] + ([opt.short] if opt.short else [])
    kw: dict[str, Any] = {"envvar": opt.env, "help": opt.help, "cls": EnvOption}
    if opt.is_list:
        kw["cls"] = _ListOption
        return click.option(*names, opt.key, sep=opt.sep, multiple=True,
                            default=list(opt.default), metavar="VALUE", **kw)
    if opt.type is bool:
        if opt.default:
            names[0] = f"{opt.flag}/--no-{opt.flag[2:]}"
            return click.option(*names, opt.key, default=True, show_default=True, **kw)
        return click.option(*names, opt.key, is_flag=True, **kw)
    if opt.name == "confdir":
        return click.option(*names, opt.key, type=Path(), default=default_confdir,
                            show_default="~/.vcrproxy", **kw)
    if opt.type is int:
        kind = click.IntRange(0, 65535) if opt.name.endswith("port") else int
        return click.option(*names, opt.key, type=kind, default=opt.default,
                            show_default=bool(opt.default), **kw)
    if opt.choices:
        kw["type"] = click.Choice(opt.choices)
    return click.option(*names, opt.key, default=opt.default, show_default=bool(opt.default),
                        callback=not_empty, **kw)


def load_with_notes(path: str) -> tuple[Cassette, list[str]]:
    """load_cassette, returning the loader's repair notes (a cut-off last interaction dropped)
    for the command to print once, instead of a Python warning."""
    from vcrproxy.store import load_cassette_notes

    return load_cassette_notes(path)


def load_for_view(path: str, error: type[click.ClickException] = click.ClickException, *,
                  redact: bool = True, config: RedactionConfig | None = None) -> Cassette:
    """load_cassette for the view commands (`show` in every view, `diff`): a one-line error
    (`error`) instead of a traceback; a cut-off last interaction is dropped with a note on
    stderr. `redact`: every interaction passes through `mask_secrets` first (and the
    command's output through `mask_text` after: a key in a field redaction leaves alone, such
    as a hostile `method:`, is still never printed); `config`: the rules (None: built-in)."""
    from vcrproxy.cassette import CassetteError, os_error

    try:
        cassette, notes = load_with_notes(path)
    except CassetteError as e:
        raise error(clean_line(str(e))) from None
    except OSError as e:
        raise error(clean_line(str(os_error(path, e)))) from None
    for note in notes:
        click.echo(note, err=True)
    if redact:
        mask_secrets(cassette, config)
    return cassette


def mask_secrets(cassette: Cassette, config: RedactionConfig | None = None) -> None:
    """Replace each interaction by its `redaction.redact_interaction` copy (`config`, else the
    built-in rules: the ones recording and `check` apply with the same settings): a cassette
    recorded elsewhere (plain go-vcr, `--no-redact`) must not have its keys printed by a viewer
    into a terminal, a CI log, a `git diff` (textconv) or an HTML report attached to a pull
    request. Key shapes anywhere,
    values under credential names (headers, query, form, JSON fields, WebSocket messages) and
    their echoes become `<REDACTED>`; `--no-redact` shows the bytes as they are."""
    from vcrproxy.redaction import redact_interaction

    cassette.interactions = [redact_interaction(i, *([config] if config else []))
                             for i in cassette.interactions]


def mask_text(text: str, config: RedactionConfig | None = None) -> str:
    """`text` (a view's output, or a file that does not load shown as it is) with key shapes
    and URLs' named values masked by `redaction.redact_text`, the rule for any text leaving
    the proxy (`config`: the rules, None: built-in)."""
    from vcrproxy.redaction import redact_document

    return redact_document(text, *([config] if config else []))


REDACTION_OPTIONS = ("vcr_redact_headers", "vcr_redact_query", "vcr_redact_fields",
                     "vcr_redact_patterns")


def redaction_options(f):
    """The session's redaction flags and environment variables (`--redact-headers`,
    `VCRPROXY_REDACT_HEADERS`...), from the one option table: `check` and `redact` then apply
    exactly the rules a recording session with the same settings applies, and the views
    (`show`, `diff`) mask by them."""
    for name in reversed(REDACTION_OPTIONS):
        f = table_option(BY_NAME[name])(f)
    return f


def redaction_config(kw: dict, error: type[click.ClickException] = click.ClickException
                     ) -> RedactionConfig:
    """The rules `redaction_options` gave (`kw`: the command's parameters); a bad one is
    `error`'s one line."""
    from vcrproxy.redaction import RedactionConfig

    try:
        return RedactionConfig.from_strings(
            headers=kw["redact_headers"], query=kw["redact_query"], fields=kw["redact_fields"],
            patterns=list(kw["redact_patterns"]),
        )
    except ValueError as e:  # a bad regex: one line
        raise error(clean_line(str(e))) from None


def view_redaction(kw: dict, no_redact: bool,
                   error: type[click.ClickException] = click.ClickException
                   ) -> RedactionConfig | None:
    """A view's rules: None for the built-in ones (nothing given, or `--no-redact`)."""
    if no_redact or not any(kw[name.removeprefix("vcr_")] for name in REDACTION_OPTIONS):
        return None
    return redaction_config(kw, error)


NO_REDACT = click.option(  # (show, diff)
    "--no-redact", "no_redact", is_flag=True,
    help="Show secrets as the cassette holds them (by default key shapes and values under "
         "credential names are shown as <REDACTED>, as check and recording do).")
