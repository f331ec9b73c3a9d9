"""Every vcrproxy option, declared once.

One row per option: the mitmproxy option name (`--set vcr_pace=recorded`, also under
`mitmdump -s addon/vcr.py`), its type, default, help and choices. The command-line flag and the
environment variable are spelled from the name by one rule (`vcr_match_on` -> `--match-on`,
`VCRPROXY_MATCH_ON`); the addon's `load()`, the CLI's flags, the pytest plugin's ini keys and the
README's option list are all generated from this table (tests/test_options.py holds them to it).

Lists are `Sequence[str]` like mitmproxy's own list options: each `--set name=value` or each
repeated flag adds one item; in an environment variable or an ini line the items are separated by
`Option.sep` (a comma, or a newline for regular expressions, which may hold commas).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

PREFIX = "vcr_"
ENV_PREFIX = "VCRPROXY_"
DEFAULT_CASSETTE = os.path.join("cassettes", "vcrproxy.yaml")


class Mode(StrEnum):
    """Record modes, go-vcr's names (ModeRecordOnce, ModeRecordOnly, ModeReplayOnly, ...)."""

    ONCE = "once"
    RECORD = "record"
    REPLAY = "replay"
    NEW_EPISODES = "new-episodes"
    PASSTHROUGH = "passthrough"


class Pace(StrEnum):
    INSTANT = "instant"
    RECORDED = "recorded"


# JSON paths of WebSocket client messages ignored by default: client-chosen ids and audio, which
# differ on every run (OpenAI Realtime `event_id`, `input_audio_buffer.append.audio`,
# `conversation.item.create` item ids and audio; Gemini Live `realtimeInput` audio chunks).
WS_IGNORE_JSON = (
    "event_id,audio,item.id,item.content[*].audio,"
    "realtimeInput.audio.data,realtimeInput.mediaChunks[*].data"
)

MODES: tuple[str, ...] = tuple(m.value for m in Mode)
PACES: tuple[str, ...] = tuple(p.value for p in Pace)

ListOfStr = Sequence[str]


@dataclass(frozen=True)
class Option:
    """One option. `type` is str, bool, int or `Sequence[str]`; `choices` only for str.

    `cli` says how the CLI offers it: "flag" (a generated flag), "argument" (the session
    commands' CASSETTE argument) or "mode" (fixed by `record`/`replay`, a flag of `run`).
    `addon` is False for the CLI's own settings (listen address, CA folder, web UI...), which have
    a flag and an environment variable but no mitmproxy option.
    """

    name: str
    type: Any
    default: Any
    help: str
    choices: tuple[str, ...] | None = None
    sep: str = ","  # between list items in an environment variable or ini value
    cli: str = "flag"
    addon: bool = True
    short: str | None = None  # e.g. "-q"

    @property
    def key(self) -> str:
        """The name without its prefix: `match_on`."""
        return self.name[len(PREFIX):] if self.name.startswith(PREFIX) else self.name

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.upper()

    @property
    def is_list(self) -> bool:
        return self.type is ListOfStr

    def parse(self, value: Any) -> Any:
        """`value` (text from an environment variable, an ini file or a test, or already typed)
        as this option's type; raises ValueError with a one-line message."""
        if self.is_list:
            if isinstance(value, str):
                return [p.strip() for p in value.split(self.sep) if p.strip()]
            return [str(v) for v in value]
        if self.type is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"{self.name}: {value!r} is not a boolean (true/false)")
        if self.type is int:
            try:
                return int(value)
            except (TypeError, ValueError):
                raise ValueError(f"{self.name}: {value!r} is not an integer") from None
        value = str(value)
        check_choice(self, value)
        return value


def check_choice(opt: Option, value: str) -> None:
    """The one validator of choice options (mitmproxy does not enforce `choices`)."""
    if opt.choices is not None and value not in opt.choices:
        raise ValueError(f"{opt.name}: {value!r} is not one of {', '.join(opt.choices)}")


_MATCH_PARTS = "method, url (= scheme,host,path,query), scheme, host, path, query, body, headers"

OPTIONS: tuple[Option, ...] = (
    Option("vcr_cassette", str, DEFAULT_CASSETTE, "Cassette file for requests that name none.",
           cli="argument"),
    Option("vcr_cassette_dir", str, "",
           "Root for cassettes named in the proxy URL (http://NAME[:MODE]@host:port); "
           "default: the folder of vcr_cassette."),
    Option("vcr_mode", str, Mode.ONCE.value,
           "once: replay if the cassette exists, else record; record: record afresh; replay: "
           "only replay, a miss is an error; new-episodes: replay matches, record the rest; "
           "passthrough: proxy without cassettes.", choices=MODES, cli="mode"),
    Option("vcr_match_on", ListOfStr, [],
           f"Request parts compared when replaying (default method,url,body): {_MATCH_PARTS}."),
    Option("vcr_match_ignore_json", ListOfStr, [],
           "JSON paths ignored in request bodies when matching, e.g. metadata, messages[*].id."),
    Option("vcr_match_ignore_query", ListOfStr, [],
           "Query parameters ignored when matching (also urlencoded form fields and multipart "
           "parts)."),
    Option("vcr_match_headers", ListOfStr, [],
           "Request headers compared when matching (adds headers to vcr_match_on)."),
    Option("vcr_allow_repeats", bool, False,
           "Let one recorded interaction answer several identical requests (while recording "
           "too: a repeat gets this session's recording, as in go-vcr, so a client polling a "
           "job sees its first answer again)."),
    Option("vcr_pace", str, Pace.INSTANT.value,
           "instant: replay at once; recorded: wait the recorded time to headers and to each "
           "chunk.", choices=PACES),
    Option("vcr_redact", bool, True,
           "Redact secrets before writing (false: write them as they are; never for cassettes "
           "you commit)."),
    Option("vcr_redact_headers", ListOfStr, [],
           "Header names to redact besides the built-in rule; -NAME keeps one (e.g. -Cookie)."),
    Option("vcr_redact_query", ListOfStr, [],
           "Query parameters to redact besides the built-in rule; -NAME keeps one."),
    Option("vcr_redact_fields", ListOfStr, [],
           "JSON, form and multipart field names to redact besides the built-in rule; -NAME "
           "keeps one."),
    Option("vcr_redact_patterns", ListOfStr, [],
           "Extra regular expressions of secrets (newline-separated in the environment); "
           "-NAME drops a built-in pattern, e.g. -bearer (a NAME that is no built-in's is an "
           "error).",
           sep="\n"),
    Option("vcr_ws_ignore_json", ListOfStr, WS_IGNORE_JSON.split(","),
           "JSON paths ignored in WebSocket client messages when replaying, besides "
           "vcr_match_ignore_json (default: client event ids and audio)."),
    Option("vcr_ws_match_binary", bool, False,
           "Compare binary WebSocket client messages byte for byte (default: by type only; they "
           "are usually audio)."),
    Option("vcr_fault", ListOfStr, [],
           "Replay faults, KIND[:ARG][@WHICH]: status:CODE, cut:N, reset, delay:MS, stall:MS; "
           "WHICH is N (the Nth request answered), #ID, * (default) or p=P. E.g. "
           "status:429@1."),
    Option("vcr_fault_seed", int, 0, "Seed of the p=P fault draws (per cassette)."),
    Option("vcr_allow_other_users", bool, False,
           "Let other local users' clients use this proxy (by default only the user who "
           "started it may, checked on Linux from /proc/net/tcp)."),
    Option("vcr_prefer_h2", bool, True,
           "Answer HTTP/2 to clients that offer it (mitmproxy's lazy mode would pick their "
           "first offer)."),
    # The CLI's own settings: flags and environment variables, no mitmproxy option.
    Option("host", str, "127.0.0.1", "Address to listen on.", addon=False),
    Option("port", int, 0, "Port to listen on (0: a free port).", addon=False),
    Option("confdir", str, "", "Where the CA lives (per user; default ~/.vcrproxy).",
           addon=False),
    Option("web", bool, False, "Run the session in mitmproxy's web UI.", addon=False),
    Option("web_port", int, 8081, "Port of the web UI with --web.", addon=False),
    Option("keep_no_proxy", bool, False,
           "Keep the user's NO_PROXY for the command, or in the shell with the exports a "
           "standalone or --background session prints (default: cleared).", addon=False),
    Option("allow_misses", bool, False,
           "Exit with the command's code even if replay missed (else 3).", addon=False),
    Option("strict", bool, False,
           "Also exit 3 when recorded interactions were left unused (default: fine, for partial "
           "test runs).", addon=False),
    Option("allow_no_traffic", bool, False,
           "Keep the command's exit code when it made no request through the proxy (else 4, "
           "with the likely cause).", addon=False),
    Option("background", bool, False,
           "Standalone: start detached, print the shell exports and return "
           "(eval \"$(vcrproxy replay --background C)\"); `vcrproxy stop` ends it.",
           addon=False),
    Option("quiet", bool, False, "No line per flow, summary only.", addon=False, short="-q"),
    Option("verbose", bool, False, "Debug logging.", addon=False, short="-v"),
)

BY_NAME: dict[str, Option] = {o.name: o for o in OPTIONS}
ADDON_OPTIONS: tuple[Option, ...] = tuple(o for o in OPTIONS if o.addon)


def add_options(loader) -> None:
    """The addon's `load()`: declare every vcr_* option with mitmproxy."""
    for opt in ADDON_OPTIONS:
        loader.add_option(
            opt.name,
            opt.type,
            list(opt.default) if opt.is_list else opt.default,
            opt.help,
            choices=list(opt.choices) if opt.choices else None,
        )


def validate(values: Mapping[str, Any] | Any) -> None:
    """Check the choice options of mitmproxy's `ctx.options` (or a mapping); ValueError."""
    for opt in ADDON_OPTIONS:
        if opt.choices is None:
            continue
        value = values.get(opt.name) if isinstance(values, Mapping) else getattr(
            values, opt.name, None)
        if value is not None:
            check_choice(opt, value)


def offline(values: Any) -> bool:
    """Whether a proxy with these options (mitmproxy's `ctx.options`) is closed to upstream: one
    started for replay (`vcr_mode=replay`: `vcrproxy replay`, `VCRPROXY_MODE=replay vcrproxy
    run`) never opens an upstream connection, whatever mode a client names in its proxy URL
    (README "Modes": "replay only, never opens an upstream connection")."""
    return getattr(values, "vcr_mode", None) == Mode.REPLAY


def names(items: Iterable[str] | str | None) -> list[str]:
    """A name-list option's items, each also split at commas (`--set vcr_match_on=method,url`
    adds one item holding two names)."""
    if items is None:
        return []
    if isinstance(items, str):
        items = [items]
    return [n.strip() for item in items for n in item.split(",") if n.strip()]


def from_environ(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The vcr_* options set by VCRPROXY_* variables, parsed; ValueError on a bad value."""
    env = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for opt in ADDON_OPTIONS:
        if opt.cli != "flag":
            continue
        raw = env.get(opt.env)
        if raw is not None and raw != "":
            out[opt.name] = opt.parse(raw)
    return out


def markdown_table() -> str:
    """The README's option list (README.md between the `options` markers; a test compares)."""
    rows = ["| `--set` (mitmproxy) | flag | environment | default | meaning |",
            "| --- | --- | --- | --- | --- |"]
    for opt in OPTIONS:
        name = f"`{opt.name}`" if opt.addon else ""
        if opt.cli == "argument":
            flag, env = "CASSETTE argument", ""
        else:
            flag = f"`{opt.flag}`" if opt.cli == "flag" else f"`{opt.flag}` (run)"
            if opt.short:
                flag = f"`{opt.short}`, {flag}"
            env = f"`{opt.env}`"
        if opt.is_list:
            default = "" if not opt.default else ", ".join(opt.default)
        elif opt.type is bool:
            default = "true" if opt.default else "false"
        else:
            default = str(opt.default) if opt.default not in ("", None) else ""
        default = f"`{default}`" if default else ""
        text = opt.help.replace("|", "\\|")
        rows.append(f"| {name} | {flag} | {env} | {default} | {text} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m vcrproxy.options > the README's table
    print(markdown_table(), end="")
