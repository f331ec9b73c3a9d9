"""Tester: the README's "With mitmproxy directly": `mitmdump -s addon/vcr.py` "works from a
checkout without installing the package ... mitmproxy and PyYAML must be importable (and
ahocorasick-rs, else redaction of large bodies is about 30x slower)". With mitmproxy and PyYAML
only (checked in a fresh venv: pip install mitmproxy==11.0.2 pyyaml), loading the script fails:
addon/forms.py imports `multipart` at module level (`ModuleNotFoundError: No module named
'multipart'`, "Error logged during startup, exiting..."). Here the venv's own mitmdump runs
with `multipart` made unimportable, as it is in such an environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MITMDUMP = Path(sys.executable).parent / "mitmdump"
ADDON = Path(__file__).resolve().parent.parent / "addon" / "vcr.py"
CASSETTE = Path(__file__).resolve().parent.parent / "cassettes" / "openai-responses-simple.yaml"


def test_mitmdump_script_loads_with_mitmproxy_and_pyyaml_only(confdir, tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "multipart.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'multipart'\", name='multipart')\n")
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["PYTHONPATH"] = str(shim)
    proc = subprocess.Popen(
        [str(MITMDUMP), "-p", "0", "--set", f"confdir={confdir}", "-s", str(ADDON),
         "--set", f"vcr_cassette={CASSETTE}", "--set", "vcr_mode=replay"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=8)
    except subprocess.TimeoutExpired:  # still running: it started
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "No module named 'multipart'" not in out, out[-1500:]
    assert "proxy listening" in out, out[-1500:]
