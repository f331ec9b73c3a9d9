"""The package's layering: the library never imports the CLI, the CLI's modules import no
cycle, and the cassette tools start without mitmproxy (issue 11, 18)."""

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


def test_cli_modules_form_no_cycle():
    names = {p.stem: p for p in (REPO / "cli").glob("*.py")}
    graph = {
        stem: {m.split(".")[2] for m in _imports(p)
               if m.startswith("vcrproxy.cli.") and m.split(".")[2] in names}
        for stem, p in names.items()
    }

    def visit(node: str, stack: list[str]) -> None:
        assert node not in stack, "import cycle: " + " -> ".join([*stack, node])
        for nxt in graph[node]:
            visit(nxt, [*stack, node])

    for stem in graph:
        visit(stem, [])


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
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mitmproxy'))\n"
    )
    cassette = REPO / "cassettes" / "openai-chat-multi-tool-streaming.yaml"
    out = subprocess.run([sys.executable, "-c", code, str(cassette)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
