"""The option table (vcrproxy.options) is the one declaration: every vcr_* option is a mitmproxy
option (`--set`), a CLI flag and an environment variable, all spelled from its name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from mitmproxy import options as mitm_options

from vcrproxy import options
from vcrproxy.cli.main import main
from vcrproxy.vcr import VCR

README = Path(__file__).resolve().parent.parent / "README.md"


def _params(command: str) -> dict[str, click.Parameter]:
    return {p.name: p for p in main.commands[command].params}


def test_one_spelling_per_option():
    seen: set[str] = set()
    for opt in options.OPTIONS:
        key = opt.name.removeprefix("vcr_")
        assert opt.flag == "--" + key.replace("_", "-")
        assert opt.env == "VCRPROXY_" + key.upper()
        assert opt.flag not in seen and opt.env not in seen
        seen |= {opt.flag, opt.env}
        if opt.addon:
            assert opt.name.startswith("vcr_")
            assert opt.type in (str, bool, int, Sequence[str])
            assert (opt.choices is None) or opt.type is str


def test_every_option_is_a_mitmproxy_option_with_the_table_default():
    opts = mitm_options.Options()
    loader = _Loader(opts)
    VCR().load(loader)
    for opt in options.ADDON_OPTIONS:
        assert opt.name in opts, opt.name
        assert getattr(opts, opt.name) == opt.default
        assert opts._options[opt.name].typespec == opt.type
        assert opts._options[opt.name].help == opt.help


class _Loader:
    def __init__(self, opts) -> None:
        self.opts = opts

    def add_option(self, name, typespec, default, help, choices=None) -> None:
        self.opts.add_option(name, typespec, default, help, choices)


@pytest.mark.parametrize("command", ["record", "replay", "run"])
def test_every_option_has_its_flag_and_variable(command):
    params = _params(command)
    for opt in options.OPTIONS:
        if opt.cli == "argument":
            assert "cassette" in params  # the CASSETTE argument
            continue
        if opt.cli == "mode" and command != "run":
            assert "mode" not in params  # record/replay fix the mode
            continue
        param = params[opt.key if opt.cli == "flag" else "mode"]
        assert opt.flag in param.opts, (command, opt.name, param.opts)
        assert param.envvar == opt.env


def test_flags_and_variables_reach_the_addon_options(monkeypatch):
    """Each flag (and each variable) ends up as the vcr_* value the addon sees."""
    from vcrproxy.cli import main as cli_main

    seen = {}

    def fake_run(session):
        seen.update(cli_main._settings(session).vcr_options)
        return 0

    monkeypatch.setattr(cli_main, "run_session", fake_run)
    runner = CliRunner()
    args = ["run", "x.yaml", "--cassette-dir", "d", "--match-on", "method,url",
            "--match-ignore-json", "metadata", "--match-ignore-query", "key",
            "--match-headers", "X-A", "--allow-repeats", "--pace", "recorded", "--no-redact",
            "--redact-headers", "X-Secret", "--redact-query", "sig",
            "--redact-patterns", "tok_[a-z]{3,}", "--no-prefer-h2", "--ws-ignore-json", "a.b",
            "--ws-match-binary", "--fault", "status:429@1", "--fault", "reset@2",
            "--fault-seed", "7"]
    result = runner.invoke(main, args, env={"VCRPROXY_CONFDIR": "/nonexistent"})
    assert result.exit_code == 0, result.output
    assert seen == _defaults() | {
        "vcr_cassette_dir": "d", "vcr_match_on": ["method,url"],
        "vcr_match_ignore_json": ["metadata"], "vcr_match_ignore_query": ["key"],
        "vcr_match_headers": ["X-A"], "vcr_allow_repeats": True, "vcr_pace": "recorded",
        "vcr_redact": False, "vcr_redact_headers": ["X-Secret"], "vcr_redact_query": ["sig"],
        "vcr_redact_patterns": ["tok_[a-z]{3,}"], "vcr_prefer_h2": False,
        "vcr_ws_ignore_json": ["a.b"], "vcr_ws_match_binary": True,
        "vcr_fault": ["status:429@1", "reset@2"], "vcr_fault_seed": 7,
    }
    seen.clear()
    env = {
        "VCRPROXY_CASSETTE_DIR": "d", "VCRPROXY_MATCH_ON": "method,url",
        "VCRPROXY_MATCH_IGNORE_JSON": "metadata", "VCRPROXY_MATCH_IGNORE_QUERY": "key",
        "VCRPROXY_MATCH_HEADERS": "X-A", "VCRPROXY_ALLOW_REPEATS": "1",
        "VCRPROXY_PACE": "recorded", "VCRPROXY_REDACT": "false",
        "VCRPROXY_REDACT_HEADERS": "X-Secret", "VCRPROXY_REDACT_QUERY": "sig",
        # Regular expressions are newline-separated: a comma is part of `{3,}`.
        "VCRPROXY_REDACT_PATTERNS": "tok_[a-z]{3,}\nkey_[0-9]{2,}", "VCRPROXY_PREFER_H2": "0",
        "VCRPROXY_WS_IGNORE_JSON": "a.b,c", "VCRPROXY_WS_MATCH_BINARY": "true",
        "VCRPROXY_FAULT": "status:429@1,reset@2", "VCRPROXY_FAULT_SEED": "7",
    }
    result = runner.invoke(main, ["run", "x.yaml"], env=env)
    assert result.exit_code == 0, result.output
    assert seen == _defaults() | {
        "vcr_cassette_dir": "d", "vcr_match_on": ["method", "url"],
        "vcr_match_ignore_json": ["metadata"], "vcr_match_ignore_query": ["key"],
        "vcr_match_headers": ["X-A"], "vcr_allow_repeats": True, "vcr_pace": "recorded",
        "vcr_redact": False, "vcr_redact_headers": ["X-Secret"], "vcr_redact_query": ["sig"],
        "vcr_redact_patterns": ["tok_[a-z]{3,}", "key_[0-9]{2,}"], "vcr_prefer_h2": False,
        "vcr_ws_ignore_json": ["a.b", "c"], "vcr_ws_match_binary": True,
        "vcr_fault": ["status:429@1", "reset@2"], "vcr_fault_seed": 7,
    }


def _defaults() -> dict:
    return {o.name: o.default for o in options.ADDON_OPTIONS if o.cli == "flag"}


def test_set_reaches_every_option():
    """`--set name=value` (mitmproxy's own parser) works for every option of the table."""
    opts = mitm_options.Options()
    VCR().load(_Loader(opts))
    samples = {str: "x", bool: "false", int: "7"}
    for opt in options.ADDON_OPTIONS:
        value = opt.choices[-1] if opt.choices else samples.get(opt.type, "a,b")
        opts.set(f"{opt.name}={value}")
        expected = ["a,b"] if opt.is_list else opt.parse(value)  # --set replaces a list
        assert getattr(opts, opt.name) == expected, opt.name


def test_choices_have_one_validator():
    with pytest.raises(ValueError, match="vcr_pace: 'fast' is not one of instant, recorded"):
        options.validate({"vcr_pace": "fast"})
    with pytest.raises(ValueError, match="vcr_mode: 'x' is not one of once, record"):
        options.BY_NAME["vcr_mode"].parse("x")
    assert options.Mode("new-episodes") is options.Mode.NEW_EPISODES
    assert tuple(options.Pace) == (options.Pace.INSTANT, options.Pace.RECORDED)


def test_readme_lists_every_option():
    text = README.read_text()
    for opt in options.OPTIONS:
        if opt.addon:
            assert re.search(rf"`{opt.name}`", text), opt.name
        if opt.cli == "flag":
            assert opt.flag in text, opt.flag
            assert opt.env in text, opt.env


def test_readme_table_is_generated_from_the_table():
    text = README.read_text()
    begin = text.index("<!-- options:begin")
    begin = text.index("\n", begin) + 1
    assert text[begin:text.index("<!-- options:end -->")] == options.markdown_table()


def test_list_defaults_survive_the_cli():
    """A list option with a default (vcr_ws_ignore_json) keeps it when its flag is not given."""
    from vcrproxy.cli import main as cli_main

    session = cli_main.Session("x.yaml", "once", (), {})
    ctx = main.commands["run"].make_context("run", ["x.yaml"])
    session.kw = dict(ctx.params)
    got = cli_main._settings(session).vcr_options["vcr_ws_ignore_json"]
    assert got == options.BY_NAME["vcr_ws_ignore_json"].default != []
