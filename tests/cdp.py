"""A headless Chromium driven over the DevTools protocol through `--remote-debugging-pipe`.

No WebSocket client needed: Chromium reads commands from fd 3 and writes replies and events to
fd 4, each one JSON message ended by a NUL byte. Used by the HTML report tests to load a page with
the network cut off (proxy on a dead port, every host name unresolvable), list every request the
page made (Network.requestWillBeSent), evaluate script in it and take screenshots.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser")
INSTALL_LOCK = os.path.join(tempfile.gettempdir(), "vcrproxy-chromium-install.lock")


def find_or_install_chromium() -> tuple[str | None, str]:
    """(path, reason): Debian's `chromium`, installed with apt-get when missing and possible."""
    for name in CHROMIUM_NAMES:
        if path := shutil.which(name):
            return path, ""
    if not shutil.which("apt-get"):
        return None, "chromium is not installed and there is no apt-get to install it"
    if os.geteuid() != 0:
        return None, "chromium is not installed and apt-get needs root (apt-get install chromium)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with open(INSTALL_LOCK, "w") as lock:  # one installer at a time (pytest-xdist workers)
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not any(shutil.which(n) for n in CHROMIUM_NAMES):
            cmd = ["apt-get", "install", "-y", "-qq", "chromium"]
            done = subprocess.run(cmd, env=env, capture_output=True, timeout=900)
            if done.returncode != 0:  # stale package lists: refresh once
                subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True,
                               timeout=300)
                done = subprocess.run(cmd, env=env, capture_output=True, timeout=900)
            if done.returncode != 0:
                tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
                return None, f"apt-get install chromium failed: {' '.join(tail)}"
    for name in CHROMIUM_NAMES:
        if path := shutil.which(name):
            return path, ""
    return None, "chromium not found after apt-get install"


class CDPError(Exception):
    pass


class Browser:
    """One headless Chromium; `open(url)` gives a `Page`. Use as a context manager."""

    def __init__(self, executable: str, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="vcrproxy-chromium-")
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends Chromium expects as fds 3 and 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",  # root in CI containers
                "--disable-gpu",
                "--remote-debugging-pipe",
                f"--user-data-dir={self.profile}",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                # The network is cut off: a page that tried to load anything would fail, and
                # every attempt still shows in Network.requestWillBeSent.
                "--proxy-server=http://127.0.0.1:9",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "about:blank",
            ],
            preexec_fn=wire,
            close_fds=False,  # our other fds are non-inheritable: only 3 and 4 pass
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise CDPError("no answer from chromium in time")
        ready, _, _ = select.select([self._r], [], [], left)
        if ready:
            data = os.read(self._r, 1 << 16)
            if not data:
                raise CDPError("chromium closed its DevTools pipe")
            self._buf += data

    def wait_for(self, match, timeout: float | None = None) -> dict[str, Any]:
        """The first message (kept event or new one) for which match(msg) is true."""
        for i, msg in enumerate(self.events):
            if match(msg):
                return self.events.pop(i)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                msg = json.loads(raw)
                if match(msg):
                    return msg
                self.events.append(msg)
            self._read(deadline)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> Any:
        self._next += 1
        ident = self._next
        msg: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        reply = self.wait_for(lambda m: m.get("id") == ident)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def open(self, url: str, *, width: int = 1000, height: int = 1400,
             dark: bool = False) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]
        page = Page(self, session)
        page.send("Network.enable")
        page.send("Page.enable")
        page.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        page.send("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
        page.send("Page.navigate", {"url": url})
        self.wait_for(lambda m: m.get("method") == "Page.loadEventFired"
                      and m.get("sessionId") == session)
        return page


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict | None = None) -> Any:
        return self.browser.send(method, params, self.session)

    def requests(self) -> list[str]:
        """URL of every request the page made (the document itself included)."""
        return [
            m["params"]["request"]["url"]
            for m in self.browser.events
            if m.get("sessionId") == self.session
            and m.get("method") == "Network.requestWillBeSent"
        ]

    def evaluate(self, expression: str) -> Any:
        out = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in out:
            raise CDPError(str(out["exceptionDetails"]))
        return out["result"].get("value")

    def screenshot(self) -> bytes:
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        return base64.b64decode(data)
