"""The package's layering: the library never imports the CLI, no module imports a cycle, the
lower layers know nothing of the higher ones, and the cassette tools start without mitmproxy
(issue 11, 18)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    """Modules `path` imports (absolute names; `from .x` resolved within its package)."""
    package = "vcrproxy.cli" if path.parent.name == "cli" else "vcrproxy"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def test_no_library_module_imports_the_cli():
    for path in sorted((REPO / "addon").glob("*.py")):
        bad = {m for m in _imports(path) if m.startswith("vcrproxy.cli")}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def _module_graph() -> dict[str, set[str]]:
    """Every module of the package (addon/ is `vcrproxy`, cli/ is `vcrproxy.cli`) -> the
    package modules it imports, at module level or inside a function (a lazy import is still a
    dependency). The parent packages are left out: Python loads them first anyway."""
    paths = {}
    for folder, package in ((REPO / "addon", "vcrproxy"), (REPO / "cli", "vcrproxy.cli")):
        for p in folder.glob("*.py"):
            paths[package if p.stem == "__init__" else f"{package}.{p.stem}"] = p
    graph = {}
    for name, p in paths.items():
        parents = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 1)}
        graph[name] = {m for m in _imports(p) if m in paths and m != name} - parents
    return graph


def test_no_import_cycles():
    """No module imports, directly or through others, a module that imports it back (addon/
    and cli/ together, lazy imports included)."""
    graph = _module_graph()
    assert len(graph) > 40 and "vcrproxy.yamlv3" in graph and "vcrproxy.cli.main" in graph
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        assert node not in stack, "import cycle: " + " -> ".join([*stack, node])
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, [*stack, node])
        done.add(node)

    for name in sorted(graph):
        visit(name, [])


def test_lower_layers_do_not_know_higher_ones():
    """Data flows hook -> session -> matcher/recorder -> codec -> storage (README): the yaml.v3
    layer knows no cassette (only the optional Hyperscan wrapper, itself a leaf), the cassette
    model knows nothing of ours, the codec no storage, and storage no session, matcher or
    addon."""
    graph = _module_graph()
    assert graph["vcrproxy.hsmatch"] == set()
    assert graph["vcrproxy.yamlv3"] <= {"vcrproxy.hsmatch"}
    assert graph["vcrproxy.blockyaml"] == {"vcrproxy.yamlv3"}  # (its reading of YAML only)
    assert graph["vcrproxy.cassette"] <= {"vcrproxy.headers"}
    assert graph["vcrproxy.codec"] <= {"vcrproxy.cassette", "vcrproxy.durations", "vcrproxy.yamlv3",
                                       "vcrproxy.blockyaml"}
    assert graph["vcrproxy.store"] <= {"vcrproxy.cassette", "vcrproxy.codec", "vcrproxy.yamlv3"}


def test_cassette_tools_do_not_import_mitmproxy():
    """`vcrproxy --help`, show, check, redact, diff: mitmproxy is imported only where a proxy
    runs (it is most of the CLI's start-up time)."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from vcrproxy.cli.main import main\n"
        "r = CliRunner()\n"
        "for args in (['--help'], ['show', '--help'], ['check', sys.argv[1]],\n"
        "             ['show', sys.argv[1]], ['diff', sys.argv[1], sys.argv[1]]):\n"
        "    res = r.invoke(main, args)\n"
        "    assert res.exit_code == 0, (args, res.output)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mitmproxy', 'wsproto')))\n"
    )
    cassette = REPO / "cassettes" / "openai-chat-multi-tool-streaming.yaml"
    out = subprocess.run([sys.executable, "-c", code, str(cassette)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"  # (wsproto: the WebSocket player, wsplayer.py)


def _run_cli(args: list[str], prefixes: tuple[str, ...]) -> tuple[list[str], list[str], int]:
    """Run `vcrproxy ARGS` (through click's runner; exit 0 required) in a fresh interpreter:
    (the loaded modules named by `prefixes`, the regular expressions it compiled with a
    character range over 256 code points wide, such as `\xa0-\ud7ff`: `re` builds such a
    class's table one code point at a time in Python, ~4-8 ms each, so they are compiled on
    first use, never at import), the objects in the garbage collector's permanent generation
    (cli.main._imports_frozen))."""
    code = (
        "import re, sys\n"
        "wide = []\n"
        "_compile = re.compile\n"
        "def spy(pattern, flags=0):\n"
        "    if isinstance(pattern, str) and any(\n"
        "            b == '-' and ord(c) - ord(a) > 256 for a, b, c in zip(pattern, pattern[1:],\n"
        "                                                                   pattern[2:])):\n"
        "        wide.append(pattern)\n"
        "    return _compile(pattern, flags)\n"
        "re.compile = spy\n"
        "from click.testing import CliRunner\n"
        "from vcrproxy.cli.main import main\n"
        "res = CliRunner().invoke(main, sys.argv[2:])\n"
        "assert res.exit_code == 0, res.output\n"
        "print(sorted(m for m in sys.modules if m.startswith(tuple(sys.argv[1].split(',')))))\n"
        "print(wide)\n"
        "import gc\n"
        "print(gc.get_freeze_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", code, ",".join(prefixes), *args],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    modules, wide, frozen = out.stdout.strip().splitlines()
    return ast.literal_eval(modules), ast.literal_eval(wide), int(frozen)


def test_show_imports_no_matcher_or_pyyaml():
    """`vcrproxy show` (issue 18: under 0.3 s) reads and renders; it does not import the body
    matcher or the form parser (websocket.py's message matching lives in wsmatch.py for that,
    loaded for a WebSocket session only), nor PyYAML (blockyaml reads these files) or hashlib
    (ca.py's key record: a proxy's start), and compiles no wide character range (yamlv3's and
    blockyaml's are compiled on first use: writing, or a text beyond Latin-1). It does import
    the redaction rules: every view masks the secrets a cassette holds (README "Reading and
    reviewing cassettes")."""
    from vcrproxy.blockyaml import _refused_chars_re

    cassettes = sorted(str(p) for p in (REPO / "cassettes").glob("*.yaml"))
    assert len(cassettes) >= 5
    latin1 = 0
    for cassette in cassettes:
        text = Path(cassette).read_text("utf-8")
        narrow = max(text) <= "\xff"
        latin1 += narrow
        # (beyond Latin-1, blockyaml's check of the text is the one wide class it needs)
        expected = [] if narrow else [_refused_chars_re().pattern]
        loaded, wide, _ = _run_cli(["show", cassette], (
            "vcrproxy.", "multipart", "mitmproxy", "wsproto", "yaml", "hashlib"))
        assert "vcrproxy.aiformats" in loaded  # (the check sees the modules show does import)
        assert "vcrproxy.redaction" in loaded  # (masking: see the docstring)
        assert not {"vcrproxy.matching", "vcrproxy.forms", "multipart",
                    "vcrproxy.wsplayer", "vcrproxy.wsmatch", "yaml", "hashlib"} & set(loaded), (
            cassette, loaded)
        assert wide == expected, cassette
    assert latin1 >= 3


def test_replay_session_without_requests_imports_no_contentview(confdir):
    """`vcrproxy replay x.yaml -- true` (issue 18: under 1 s) runs the lean master, which adds
    the LLM contentview with the first request if at all (vcr.VCR.contentview): a session
    without requests imports neither mitmproxy's contentviews nor ours (tests/test_contentview.py
    renders flows of the lean master: the view is there once requests came). Its imports end
    in the garbage collector's permanent generation (cli.main._imports_frozen)."""
    cassette = str(REPO / "cassettes" / "openai-chat-multi-tool-streaming.yaml")
    args = ["replay", cassette, "--confdir", confdir, "-q", "--allow-no-traffic",
            "--", sys.executable, "-c", "pass"]
    loaded, _, frozen = _run_cli(args, ("vcrproxy.", "mitmproxy."))
    assert "mitmproxy.master" in loaded and "vcrproxy.vcr" in loaded
    assert not {"mitmproxy.contentviews", "vcrproxy.contentview", "vcrproxy.aiformats",
                "vcrproxy.conversation"} & set(loaded), loaded
    assert frozen > 50_000  # (~90,000 objects: mitmproxy, the addons, the cassette)


def test_cli_proxy_never_imports_the_contentview(gateway, tmp_path):
    """The CLI's proxy has no UI to list the LLM contentview (vcr.VCR.contentview "off"): its
    requests do not wait for it (~45 ms on the first one, issue 18). The pytest plugin's proxy
    still adds it with the first request (tests/test_contentview.py renders its flows)."""
    child = tmp_path / "child.py"
    child.write_text("import httpx, sys\n"
                     "httpx.get(sys.argv[1] + '/json?size=3', timeout=20).raise_for_status()\n")
    args = ["record", str(tmp_path / "c.yaml"), "--confdir", str(tmp_path / "conf"), "-q",
            "--set", f"ssl_verify_upstream_trusted_ca={gateway.ca_path}",
            "--", sys.executable, str(child), gateway.url]
    loaded, _, _ = _run_cli(args, ("vcrproxy.", "mitmproxy."))
    assert "vcrproxy.recorder" in loaded and "vcrproxy.redaction" in loaded  # (it did record)
    assert not {"mitmproxy.contentviews", "vcrproxy.contentview"} & set(loaded), loaded
    assert "/json?size=3" in (tmp_path / "c.yaml").read_text()


def test_one_atomic_write():
    """Files replaced whole (cassettes, the CA bundle, `--background` state, `show --html`) go
    through store.atomic_write: no other module renames a file into place."""
    renames = []
    for path in sorted([*(REPO / "addon").glob("*.py"), *(REPO / "cli").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and node.attr in ("replace", "rename")
                    and isinstance(node.value, ast.Name) and node.value.id == "os"):
                renames.append(path.name)
    assert renames == ["store.py"]


def test_proxy_imports_only_the_addons_it_runs():
    """proxy.py's lean master imports five of mitmproxy's addon modules (and termlog, through
    mitmproxy.master), not the package's ~40 default addons; the package still works in full
    once something asks for more (mitmweb's master calls `default_addons()`)."""
    code = (
        "import sys\n"
        "import vcrproxy.proxy\n"
        "print(sorted(m for m in sys.modules if m.startswith('mitmproxy.addons.')))\n"
        "from mitmproxy import addons\n"
        "print(len(addons.default_addons()) > 20, 'mitmproxy.addons.onboarding' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    lean, full = out.stdout.splitlines()
    assert lean == str([f"mitmproxy.addons.{m}" for m in (
        "core", "disable_h2c", "next_layer", "proxyserver", "termlog", "tlsconfig")])
    assert full == "True True"
