"""The `vcrproxy` command line in-process (click's CliRunner): parsing, messages, `env`, `ca` and
the cassette tools `show`, `check`, `redact`. Wrapped commands run for real in
test_cli_sessions.py."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vcrproxy import load_cassette
from vcrproxy.cli.main import main

REPO = Path(__file__).resolve().parent.parent
CASSETTES = REPO / "cassettes"
VERCEL = CASSETTES / "vercel-gateway-claude-simple-streaming.yaml"
OPENAI_TOOLS = CASSETTES / "openai-chat-multi-tool-streaming.yaml"
REFERENCE = sorted(CASSETTES.glob("*.yaml"))
VCRPROXY = str(Path(sys.executable).parent / "vcrproxy")
KEY = "sk-test-" + "aB3dE5gH7jK9mN1pQ3rS5tU7vW9xY1zA2bC4dE6f"  # fake, 40 chars after the prefix
BAD_YAML = "version: 2\ninteractions: [\n"
# Variables of ours the developer's shell may hold: the tests set what they need.
OUR_VARS = (
    "VCRPROXY_MODE", "VCRPROXY_PORT", "VCRPROXY_HOST", "VCRPROXY_PACE", "VCRPROXY_CASSETTE_DIR",
    "VCRPROXY_MATCH_ON", "VCRPROXY_IGNORE_JSON", "VCRPROXY_IGNORE_QUERY",
    "VCRPROXY_MATCH_HEADERS", "VCRPROXY_ALLOW_REPEATS", "VCRPROXY_NO_REDACT",
    "VCRPROXY_ALLOW_MISSES",
)


@pytest.fixture
def cli(confdir):
    """cli(*args, **env) -> click Result; the session CA, none of the user's VCRPROXY_*."""

    def invoke(*args: str, **env: str):
        full_env: dict[str, str | None] = dict.fromkeys(OUR_VARS)
        full_env["VCRPROXY_CONFDIR"] = confdir
        full_env.update(env)
        args = [str(a) for a in args]
        return CliRunner().invoke(main, args, env=full_env, prog_name="vcrproxy")

    return invoke


def no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output


def one_error(result, *needles: str, code: int | None = None) -> str:
    """A user mistake: non-zero exit, no traceback, ONE error line (besides click's usage)."""
    no_traceback(result)
    assert result.exit_code != 0, result.output
    if code is not None:
        assert result.exit_code == code, result.output
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not line.startswith(("Usage: ", "Try '"))
    ]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def leaky_copy(path: Path) -> str:
    """The founding cassette with a fake key in a request header and in the request body."""
    text = VERCEL.read_text(encoding="utf-8")
    text = text.replace(
        "      Content-Type:\n      - application/json\n",
        f"      Authorization:\n      - Bearer {KEY}\n"
        "      Content-Type:\n      - application/json\n",
        1,
    )
    text = text.replace('"Say hi in Portuguese"', f'"Say hi in Portuguese, key {KEY}"', 1)
    assert text.count(KEY) == 2
    path.write_text(text, encoding="utf-8")
    return text


def parse_exports(text: str) -> tuple[dict[str, str], list[str]]:
    exports: dict[str, str] = {}
    unset: list[str] = []
    for line in text.splitlines():
        words = shlex.split(line)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            exports[name] = value
        else:
            assert words[0] == "unset", line
            unset.extend(words[1:])
    return exports, unset


# ---------------------------------------------------------------------------------------------
# Help and parsing


def test_help_lists_every_command(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for name in ("record", "replay", "run", "env", "ca", "show", "check", "redact"):
        assert f"  {name} " in result.output
    run_help = " ".join(cli("run", "--help").output.split())
    assert "once | record | replay | new-episodes | passthrough" in run_help
    for option in ("--mode", "--port", "--set NAME=VALUE", "--keep-no-proxy", "--allow-misses",
                   "--pace", "-q, --quiet", "-v, --verbose"):
        assert option in run_help
    assert "--mode" not in cli("replay", "--help").output  # replay/record have a fixed mode


@pytest.mark.parametrize("args", [
    ["record", "", "--", "true"], ["replay", "", "--", "true"], ["run", "", "--", "true"],
    ["record", "--background", ""], ["show", ""], ["show", "--html", "", "x.yaml"],
    ["check", "x.yaml", ""], ["redact", ""], ["diff", "", "x.yaml"], ["diff", "x.yaml", ""],
    ["ca", "--confdir", ""], ["env", "--port", "1", "--confdir", ""], ["stop", "--confdir", ""],
    ["replay", "x.yaml", "--confdir", ""],
])
def test_an_empty_path_is_a_one_line_usage_error(cli, tmp_path, monkeypatch, args):
    """`vcrproxy record "$CASSETTE"` with the variable unset recorded into the default cassette
    and exited 0; `--confdir ""` would make the CA in the working directory."""
    monkeypatch.chdir(tmp_path)
    got = cli(*args)
    one_error(got, "an empty path (an unset variable?)", code=2)
    assert "Usage:" not in got.stderr
    assert os.listdir(tmp_path) == []  # nothing recorded, no CA made here


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.output.startswith("vcrproxy, version ")


# ---------------------------------------------------------------------------------------------
# `env` and `ca`


def test_env_prints_exports_for_a_running_proxy(cli, confdir, ca_cert):
    result = cli("env", "--port", "8123")
    assert result.exit_code == 0, result.output
    exports, unset = parse_exports(result.stdout)
    bundle = os.path.join(confdir, "vcrproxy-ca-bundle.pem")
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        assert exports[name] == exports[name.lower()] == "http://127.0.0.1:8123"
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "AWS_CA_BUNDLE",
                 "GIT_SSL_CAINFO"):
        assert exports[name] == bundle
    assert exports["NODE_EXTRA_CA_CERTS"] == ca_cert
    assert exports["VCRPROXY_URL"] == "http://127.0.0.1:8123"
    assert unset == ["NO_PROXY", "no_proxy"]


def test_env_names_a_cassette_and_mode_in_the_proxy_url(cli):
    result = cli("env", "--port", "8123", "--cassette", "chat/one two", "--mode", "replay")
    assert result.exit_code == 0, result.output
    exports, _ = parse_exports(result.stdout)
    assert exports["HTTPS_PROXY"] == "http://chat%2Fone%20two:replay@127.0.0.1:8123"


def test_env_port_from_environment_and_required(cli):
    exports, _ = parse_exports(cli("env", VCRPROXY_PORT="9555").stdout)
    assert exports["HTTPS_PROXY"] == "http://127.0.0.1:9555"
    missing = cli("env")
    one_error(missing, "Missing option '--port'", code=2)
    one_error(cli("env", "--port", "x"), "'x' is not a valid integer", code=2)


def test_env_output_evaluates_in_a_real_shell(confdir, ca_cert, tmp_path):
    """eval "$(vcrproxy env --port N)" with a CA folder whose name needs quoting."""
    odd = tmp_path / "my conf's dir"
    odd.symlink_to(confdir, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k not in OUR_VARS}
    env.update(VCRPROXY_CONFDIR=str(odd), NO_PROXY="localhost", no_proxy="localhost")
    script = f'eval "$({shlex.quote(VCRPROXY)} env --port 8124)" && env'
    out = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    seen = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    assert seen["HTTPS_PROXY"] == seen["https_proxy"] == "http://127.0.0.1:8124"
    assert seen["SSL_CERT_FILE"] == str(odd / "vcrproxy-ca-bundle.pem")
    assert seen["NODE_EXTRA_CA_CERTS"] == str(odd / "mitmproxy-ca-cert.pem")
    assert "NO_PROXY" not in seen and "no_proxy" not in seen


def test_ca_prints_the_certificate_and_bundle_paths(cli, confdir, ca_cert):
    import certifi

    result = cli("ca")
    assert result.exit_code == 0, result.output
    assert result.stdout == ca_cert + "\n"
    ours = Path(ca_cert).read_text(encoding="ascii")
    assert ours.startswith("-----BEGIN CERTIFICATE-----")
    bundle = cli("ca", "--bundle").stdout.strip()
    assert bundle == os.path.join(confdir, "vcrproxy-ca-bundle.pem")
    text = Path(bundle).read_text(encoding="ascii")
    assert text.endswith(ours)  # our CA after the usual roots
    roots = Path(certifi.where()).read_text(encoding="ascii", errors="replace")
    first_root = roots[roots.index("-----BEGIN CERTIFICATE-----"):].split("-----END")[0]
    assert first_root in text
    assert text.count("-----BEGIN CERTIFICATE-----") > 50


def test_ca_is_created_once_in_a_fresh_confdir(cli, tmp_path):
    confdir = tmp_path / "fresh" / "conf"
    first = cli("ca", VCRPROXY_CONFDIR=str(confdir))
    assert first.exit_code == 0, first.output
    cert = confdir / "mitmproxy-ca-cert.pem"
    assert first.stdout == f"{cert}\n"
    pem = cert.read_bytes()
    assert cli("ca", "--confdir", str(confdir)).stdout == first.stdout
    assert cert.read_bytes() == pem  # not regenerated


@pytest.mark.parametrize(
    "args",
    [["ca"], ["env", "--port", "8123"], ["replay", VERCEL, "--", "true"]],
    ids=["ca", "env", "replay"],
)
def test_confdir_that_cannot_hold_the_ca(cli, tmp_path, args):
    (tmp_path / "file").write_text("x")
    bad = tmp_path / "file" / "conf"
    one_error(cli(*args, VCRPROXY_CONFDIR=str(bad)), f"CA folder {bad}: Not a directory",
              code=1)


# ---------------------------------------------------------------------------------------------
# show


def test_show_the_founding_cassette(cli):
    result = cli("show", VERCEL)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "1 interaction" in out
    assert "#0 POST https://ai-gateway.vercel.sh/v1/chat/completions -> 200 OK" in out
    assert "model anthropic/claude-sonnet-4" in out
    assert "  user: Say hi in Portuguese\n" in out
    assert "  assistant: Olá!\n" in out
    assert "tokens: in 16 / out 7" in out
    assert "request body" not in out  # --raw only


def test_show_one_interaction(cli):
    out = cli("show", OPENAI_TOOLS, "--id", "1").stdout
    assert "2 interactions (showing 1)" in out
    assert "#1 POST https://api.openai.com/v1/chat/completions" in out
    assert "#0 " not in out
    assert "The sum of 2 and 3 is 5, and the product is 6." in out


def test_show_json(cli):
    result = cli("show", VERCEL, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == [0]
    assert data[0]["text"] == "Olá!"
    assert data[0]["usage"]["input_tokens"] == 16
    assert data[0]["url"] == "https://ai-gateway.vercel.sh/v1/chat/completions"
    tools = json.loads(cli("show", OPENAI_TOOLS, "--json", "--id", "0").stdout)
    assert [d["id"] for d in tools] == [0]


def test_show_raw_adds_headers_and_bodies(cli):
    out = cli("show", VERCEL, "--raw").stdout
    assert "  assistant: Olá!" in out
    assert "> request headers" in out
    assert "Content-Type: application/json" in out
    assert '"model":"anthropic/claude-sonnet-4"' in out
    assert "data: [DONE]" in out


@pytest.mark.parametrize("cassette", REFERENCE, ids=lambda p: p.stem)
def test_show_every_reference_cassette(cli, cassette):
    result = cli("show", cassette)
    no_traceback(result)
    assert result.exit_code == 0
    for i in load_cassette(cassette).interactions:
        assert f"#{i.id} {i.request.method} {i.request.url} -> {i.response.status}" in result.stdout


def test_show_errors(cli, tmp_path):
    one_error(cli("show", VERCEL, "--id", "99"), "no interaction with id 99")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML)
    one_error(cli("show", bad), "bad.yaml", "invalid YAML")
    one_error(cli("show", tmp_path / "nope.yaml"), "nope.yaml", "not found")
    one_error(cli("show", tmp_path), "is a directory", code=2)
    one_error(cli("show", VERCEL, "--id", "one"), "'one' is not a valid integer", code=2)


# ---------------------------------------------------------------------------------------------
# check and redact


def test_check_passes_the_reference_cassettes(cli):
    result = cli("check", *REFERENCE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(REFERENCE)
    for path, line in zip(REFERENCE, lines, strict=True):
        n = len(load_cassette(path).interactions)
        assert line == f"{path}: ok ({n} interactions)"


def test_check_names_unredacted_keys_without_showing_them(cli, tmp_path):
    leaky = tmp_path / "leaky.yaml"
    leaky_copy(leaky)
    result = cli("check", leaky)
    no_traceback(result)
    assert result.exit_code == 1
    assert f"{leaky}: interaction 0: request header Authorization holds an unredacted secret" in (
        result.stderr
    )
    assert f"{leaky}: interaction 0: request body holds an OpenAI key (sk-...)" in result.stderr
    assert "Error: 2 problem(s) found" in result.stderr
    assert KEY not in result.output
    assert "ok (" not in result.stdout


def test_check_reports_bad_yaml_and_missing_files_and_goes_on(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML)
    v3 = tmp_path / "v3.yaml"
    v3.write_text("version: 3\ninteractions: []\n")
    result = cli("check", bad, VERCEL, v3, tmp_path / "gone.yaml")
    no_traceback(result)
    assert result.exit_code == 1
    err = result.stderr.splitlines()
    assert err[0].startswith(f"{bad}:") and "invalid YAML" in err[0]
    assert err[1].startswith(f"{v3}:") and "version 3" in err[1]
    assert err[2].startswith(f"{tmp_path / 'gone.yaml'}:") and "not found" in err[2]
    assert err[3:] == ["Error: 3 problem(s) found"]
    assert result.stdout == f"{VERCEL}: ok (1 interactions)\n"  # the good one is still checked


def test_check_flags_a_cut_off_cassette_that_show_still_reads(cli, tmp_path):
    """A file cut off mid-write loads without its last interaction: a note for show, but a
    problem for check (a pre-commit hook must not pass it)."""
    text = OPENAI_TOOLS.read_text(encoding="utf-8")
    cut = tmp_path / "cut.yaml"
    cut.write_text(text[: text.index("- id: 1") + 200], encoding="utf-8")
    line = text[: text.index("- id: 1")].count("\n") + 1
    note = f"{cut}: dropped incomplete interaction 1 at line {line} (file cut off mid-write)"
    result = cli("check", cut, VERCEL)
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [note, "Error: 1 problem(s) found"]
    assert result.stdout == f"{VERCEL}: ok (1 interactions)\n"
    shown = cli("show", cut)
    no_traceback(shown)
    assert shown.exit_code == 0
    assert shown.stderr.splitlines() == [note]  # once, not also as a Python warning
    assert "#0 POST https://api.openai.com/v1/chat/completions" in shown.stdout
    assert "#1 " not in shown.stdout


def test_check_errors(cli, tmp_path):
    one_error(cli("check"), "Missing argument 'CASSETTES...'", code=2)
    (tmp_path / "notes.txt").write_text("x")
    for command in ("check", "redact"):
        one_error(cli(command, tmp_path),
                  f"{tmp_path}: no cassettes (*.yaml, *.yml) in this folder")


def test_check_and_redact_take_a_folder(cli, tmp_path):
    """A folder stands for the cassettes under it, in name order (a pre-commit hook runs
    `vcrproxy check cassettes/`); hidden files and folders are left out."""
    import shutil

    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    leaky = tmp_path / "sub" / "leaky.yml"
    leaky_copy(leaky)
    shutil.copy(VERCEL, tmp_path / "a.yaml")
    shutil.copy(VERCEL, tmp_path / ".a.yaml.123.0.tmp")
    (tmp_path / ".git" / "x.yaml").write_text("not: a cassette\n")
    (tmp_path / "README.md").write_text("# cassettes\n")
    result = cli("check", tmp_path)
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stdout == f"{tmp_path / 'a.yaml'}: ok (1 interactions)\n"
    assert f"{leaky}: interaction 0: request body holds an OpenAI key" in result.stderr
    redacted = cli("redact", tmp_path)
    assert redacted.exit_code == 0, redacted.output
    assert redacted.stdout == (f"{tmp_path / 'a.yaml'}: 0 secret(s) redacted\n"
                               f"{leaky}: 2 secret(s) redacted\n")
    assert cli("check", tmp_path).exit_code == 0


def test_redact_scrubs_in_place_and_nothing_else(cli, tmp_path):
    leaky = tmp_path / "leaky.yaml"
    original = leaky_copy(leaky)
    result = cli("redact", leaky)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{leaky}: 2 secret(s) redacted\n"
    after = leaky.read_text(encoding="utf-8")
    # Same file, line for line, with only the two secrets replaced (layout kept: Charm style).
    assert after == original.replace(KEY, "<REDACTED>")
    assert "      - Bearer <REDACTED>\n" in after
    check = cli("check", leaky)
    assert check.exit_code == 0, check.output
    again = cli("redact", leaky)
    assert again.stdout == f"{leaky}: 0 secret(s) redacted\n"
    assert leaky.read_text(encoding="utf-8") == after


def test_redact_extra_header_and_clean_cassettes(cli, tmp_path):
    copy = tmp_path / "vercel.yaml"
    shutil.copy(VERCEL, copy)
    result = cli("redact", copy)
    assert result.stdout == f"{copy}: 0 secret(s) redacted\n"
    assert copy.read_bytes() == VERCEL.read_bytes()  # a clean cassette comes back identical
    result = cli("redact", "--redact-headers", "User-Agent", copy)
    assert result.exit_code == 0, result.output
    after = copy.read_text(encoding="utf-8")
    assert "Charm-Fantasy" not in after
    assert after == VERCEL.read_text(encoding="utf-8").replace(
        "Charm-Fantasy/0.12.2 (https://charm.land/fantasy)", "<REDACTED>"
    )


def test_redact_errors(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML)
    one_error(cli("redact", bad), "bad.yaml", "invalid YAML")
    assert bad.read_text() == BAD_YAML
    one_error(cli("redact", tmp_path / "gone.yaml"), "gone.yaml", "not found")


# ---------------------------------------------------------------------------------------------
# Session commands: user mistakes caught before or while the proxy starts


def test_replay_of_a_cut_off_cassette_notes_it_once(confdir, tmp_path):
    """The proxy's log line said it, then Python's warnings module said it again with a source
    line of ours (`yamlio.py:NNN: CassetteTruncatedWarning: ...` and the code line)."""
    text = OPENAI_TOOLS.read_text(encoding="utf-8")
    cut = tmp_path / "cut.yaml"
    cut.write_text(text[: text.index("- id: 1") + 200], encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in OUR_VARS}
    env["VCRPROXY_CONFDIR"] = confdir
    out = subprocess.run(
        [VCRPROXY, "replay", "--allow-no-traffic", str(cut),
         "--", sys.executable, "-c", "pass"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("dropped incomplete interaction 1") == 1, out.stderr
    assert "Warning" not in out.stderr and "Traceback" not in out.stderr, out.stderr


def test_replay_needs_an_existing_cassette(cli, tmp_path):
    one_error(cli("replay", tmp_path / "nope.yaml", "--", "true"), "nope.yaml",
              "cassette not found")
    one_error(cli("run", "--mode", "replay", tmp_path / "nope.yaml"), "cassette not found")


@pytest.mark.parametrize(
    "args",
    [["replay"], ["run"], ["run", "--mode", "new-episodes"]],
    ids=["replay", "run-once", "new-episodes"],
)
def test_bad_yaml_cassette(cli, tmp_path, args):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML)
    one_error(cli(*args, bad, "--", "true"), "bad.yaml:3", "invalid YAML")
    assert bad.read_text() == BAD_YAML


def test_port_in_use(cli, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_error(cli("record", tmp_path / "c.yaml", "--port", port, "--", "true"),
                         f"127.0.0.1:{port}")
    assert "already in use" in line.lower()
    assert not (tmp_path / "c.yaml").exists()


@pytest.mark.parametrize(
    "args, env, needle",
    [
        (["replay", VERCEL, "--pace", "fast"], {}, "Invalid value for '--pace': 'fast'"),
        (["run", "--mode", "x", VERCEL], {}, "Invalid value for '--mode': 'x'"),
        # (a bad value from the environment names its variable: cli.common.EnvOption)
        (["run", VERCEL], {"VCRPROXY_MODE": "x"}, "VCRPROXY_MODE='x': 'x' is not one of"),
        (["replay", VERCEL], {"VCRPROXY_PACE": "fast"}, "VCRPROXY_PACE='fast': 'fast' is not"),
        (["replay", VERCEL, "--port", "70000"], {}, "Invalid value for '--port'"),
        (["replay", VERCEL], {"VCRPROXY_PORT": "http"}, "VCRPROXY_PORT='http': 'http' is not"),
    ],
    ids=["pace", "mode", "mode-env", "pace-env", "port", "port-env"],
)
def test_bad_option_values(cli, args, env, needle):
    one_error(cli(*args, "--", "true", **env), needle, code=2)


def test_command_that_does_not_exist(cli):
    one_error(cli("replay", VERCEL, "--", "no-such-command-vcrproxy"),
              "command not found: no-such-command-vcrproxy")


@pytest.mark.parametrize("command", ["record", "replay", "run"])
def test_cassette_path_is_a_directory(cli, tmp_path, command):
    # Decided with every other file state in modes.py (one line, exit 1), not by click.
    one_error(cli(command, tmp_path, "--", "true"), "is a folder", code=1)


def test_cassette_under_a_file(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    line = one_error(cli("record", tmp_path / "notes.txt" / "c.yaml", "--", "true"),
                     "notes.txt is not a folder")
    assert line.startswith(f"Error: {tmp_path / 'notes.txt' / 'c.yaml'}:")


@pytest.mark.parametrize(
    "setting, needle",
    [
        ("no_such_option=1", "Unknown option(s): no_such_option"),
        ("ssl_insecure=maybe", "ssl_insecure"),
        ("listen_port=abc", "listen_port"),
        ("vcr_pace=fast", "vcr_pace: 'fast' is not one of instant, recorded"),
        ("vcr_mode=bogus", "vcr_mode: 'bogus' is not one of once, record, replay"),
        ("vcr_match_on=colour", "unknown match part 'colour'"),
        ("vcr_redact_patterns=(", "bad secret pattern '('"),
    ],
)
def test_bad_set_option(cli, tmp_path, setting, needle):
    cassette = tmp_path / "c.yaml"
    one_error(cli("record", cassette, "--set", setting, "--", "true"), f"--set {setting}: ",
              needle, code=1)
    assert not cassette.exists()


@pytest.mark.parametrize("command", ["record", "run"])
def test_cassette_where_nothing_can_be_written(cli, command):
    # /proc refuses new files even to root (access() says yes): recording must fail at start,
    # not send every request upstream and then report "not recorded" for each.
    one_error(cli(command, "/proc/vcrproxy-test.yaml", "--", "true"),
              "cannot write the cassette there", code=1)
