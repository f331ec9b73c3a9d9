"""What every vcrproxy command shares (kept apart so that commands need not import main)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from vcrproxy.ca import default_confdir
from vcrproxy.options import Option

if TYPE_CHECKING:
    from vcrproxy.cassette import Cassette

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class EmptyPathError(click.ClickException):
    """An empty path argument: a usage error (exit 2) in one line, without click's usage text."""

    exit_code = 2


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


class _ListOption(click.Option):
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
    kw: dict[str, Any] = {"envvar": opt.env, "help": opt.help}
    if opt.is_list:
        return click.option(*names, opt.key, cls=_ListOption, sep=opt.sep, multiple=True,
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
                        **kw)


def load_with_notes(path: str) -> tuple[Cassette, list[str]]:
    """load_cassette, returning the loader's repair notes (a cut-off last interaction dropped)
    for the command to print once, instead of a Python warning."""
    from vcrproxy.store import load_cassette_notes

    return load_cassette_notes(path)
