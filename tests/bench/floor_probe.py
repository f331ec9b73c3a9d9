"""Issue 18's floor: what recording a 50 MB stream costs when the proxy does only part of the
work every recording must do, each against streaming mitmdump in the same run.

The variants are vcrproxy at this checkout with one switch, FLOOR, that only a copy of the
package made by this script reads (the checkout has no such switch): the copy is patched in a
scratch folder and put first on PYTHONPATH. A patch that no longer applies stops the script.

- `shipped`: vcrproxy as it is (the YAML text and the scan made while it streams).
- `hold`: the body's pieces kept until the end of the stream, then dropped: no scan, no YAML
  text, the interaction written without its body. What holding 50 MB costs.
- `write`: `hold`, and the raw body written to a file beside the cassette (no fsync).
- `stream`: nothing held: each 1 MiB handed to the scan thread is scanned and appended to a
  file there at once (no YAML text; the cassette gets the last piece only). What any design
  that writes the body once, as it streams, with the scan as shipped, cannot go below.
- `scan`: `write`, and the redaction scan made in the scan thread while it streams (as shipped).
- `text`: `scan`, with the body's `!!binary` YAML text written in place of the raw body, in one
  thread after the end (binary only: an SSE body has no such text here).

Each process serves one download (/big?mb=MB&chunked=1: 64 KiB writes from the fake gateway);
variants alternate, fresh processes each time; the figure is the client's time from request to
end of body, median of the runs, and the median of the per-run ratios against the streaming
mitmdump run next to it.

    python tests/bench/floor_probe.py [--runs 9] [--kind binary|sse] [--mb 50]  (--mb over 8)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from base64 import urlsafe_b64encode

import bench_util as bu
from bench_memory import SSE_UNIT, download
from bench_stream import start_gateway

from vcrproxy.flows import LARGE_BODY

# (file in the package, text found, text put in its place)
PATCHES = [
    ("recording.py",
     "        self._threaded = redaction is not None or scalar_columns is not None\n",
     "        self._threaded = redaction is not None or scalar_columns is not None\n"
     "        floor = os.environ.get('FLOOR', '')\n"
     "        if floor in ('hold', 'write'):\n"
     "            self._threaded = False  # (pieces kept; no scan, no text)\n"
     "        elif floor:\n"
     "            self._columns = None  # (the scan thread scans; no text made)\n"),
    ("recording.py", "import logging\n", "import logging\nimport os\n"),
    ("recording.py", "        self._scanned = len(self.parts)\n",
     "        self._scanned = len(self.parts)\n"
     "        if os.environ.get('FLOOR') == 'stream':  # (handed on: not held)\n"
     "            self.parts.clear()\n"
     "            self._scanned = 0\n"),
    ("recording.py", '        joined = b"".join(batch)\n',
     '        joined = b"".join(batch)\n'
     "        if os.environ.get('FLOOR') == 'stream':\n"
     "            from ._floor import append_side\n"
     "            append_side(joined, first)\n"),
    ("session.py",
     "        redaction = self.redaction\n        block: StreamedScalar | None = None\n",
     "        redaction = self.redaction\n"
     "        if os.environ.get('FLOOR') and isinstance(pieces, list):\n"
     "            from ._floor import floor\n"
     "            floor(os.environ['FLOOR'], pieces, self.path)\n"
     "            pieces = None\n"
     "        block: StreamedScalar | None = None\n"),
]

FLOOR_MODULE = '''
import os
from .store import _write_views
from .yamlv3 import BinaryScalar

def append_side(data, first):
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if first else os.O_APPEND)
    fd = os.open(os.environ["FLOOR_SIDE"], flags, 0o600)
    try:
        _write_views(fd, [data])
    finally:
        os.close(fd)

def floor(kind, pieces, path):
    side = path + ".body"
    if kind == "hold":
        return
    fd = os.open(side, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if kind == "text":
            text = BinaryScalar(6)
            for p in pieces:
                text.feed(p)
                _write_views(fd, text.parts)
                text.parts = []
            _write_views(fd, text.finish().parts)
        else:
            for i in range(0, len(pieces), 1024):
                _write_views(fd, pieces[i:i + 1024])
    finally:
        os.close(fd)
        os.unlink(side)
'''

VARIANTS = ("shipped", "hold", "write", "stream", "scan", "text")


def patched_package(tmp: str) -> str:
    """A copy of the package with the FLOOR switch, under tmp; returns the folder to put on
    PYTHONPATH. SystemExit if a patch does not apply."""
    src = os.path.join(tmp, "src")
    pkg = os.path.join(src, "vcrproxy")
    shutil.copytree(os.path.join(bu.ROOT, "addon"), pkg)
    shutil.copytree(os.path.join(bu.ROOT, "cli"), os.path.join(pkg, "cli"))
    for name, old, new in PATCHES:
        path = os.path.join(pkg, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if text.count(old) != 1:
            raise SystemExit(f"floor_probe: the patch of {name} no longer applies: "
                             f"{old.strip()[:60]!r}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))
    with open(os.path.join(pkg, "_floor.py"), "w", encoding="utf-8") as f:
        f.write(FLOOR_MODULE)
    return src


def rows(tmp: str, confdir: str, runs: int, kind: str, mb: int) -> list[bu.Row]:
    src = patched_package(tmp)
    query = f"&unit64={urlsafe_b64encode(SSE_UNIT).decode()}" if kind == "sse" else ""
    variants = [v for v in VARIANTS if kind == "binary" or v != "text"]
    gw, gw_url, gw_ca = start_gateway(tmp)
    ca = os.path.join(confdir, "mitmproxy-ca-cert.pem")
    upstream = ["--set", f"ssl_verify_upstream_trusted_ca={gw_ca}"]
    url = f"{gw_url}/big?mb={mb}&chunked=1{query}"
    names = ["streaming mitmdump", *variants]
    took: dict[str, list[float]] = {n: [] for n in names}
    try:
        for k in range(runs):
            for name in names[k % len(names):] + names[: k % len(names)]:
                port = bu.free_port()
                cassette = os.path.join(tmp, f"floor-{k}.yaml")
                if name == "streaming mitmdump":
                    cmd = bu.mitmdump_cmd(port, confdir, *upstream,
                                          "--set", "stream_large_bodies=1")
                    env = None
                else:
                    cmd = bu.vcrproxy_cmd(cassette, "record", port, confdir, *upstream)
                    env = dict(os.environ, PYTHONPATH=src)
                    if name != "shipped":
                        env["FLOOR"] = name
                        env["FLOOR_SIDE"] = os.path.join(tmp, "floor-side.bin")
                proc = bu.Proc(cmd, log=os.path.join(tmp, "floor.log"), env=env)
                try:
                    bu.wait_port(port, proc.popen)
                    n, seconds = download(port, ca, url)
                    if n != mb * 1024 * 1024:
                        raise RuntimeError(f"{name}: got {n} bytes")
                    took[name].append(seconds)
                finally:
                    proc.stop()
                if os.path.exists(cassette):
                    os.remove(cassette)
    finally:
        gw.stop()
    base = took["streaming mitmdump"]
    out = []
    for name in variants:
        ratio, spread = bu.paired(took[name], base)
        out.append(bu.Row("floor", f"{mb} MB {kind}, {name}", f"{bu.median(took[name]):.3f} s",
                          f"streaming mitmdump {bu.median(base):.3f} s",
                          f"{ratio:.2f}x ({spread})"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--kind", choices=("binary", "sse"), default="binary")
    ap.add_argument("--mb", type=int, default=50)
    args = ap.parse_args()
    if args.mb * 1024 * 1024 <= LARGE_BODY:
        ap.error(f"--mb must exceed {LARGE_BODY >> 20}: smaller bodies take no large-body path")
    return bu.script_main(lambda tmp, confdir: rows(tmp, confdir, args.runs, args.kind, args.mb))


if __name__ == "__main__":
    sys.exit(main())
