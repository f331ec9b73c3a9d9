"""Tester5: a JSON response body that holds no chat answer (an embeddings vector, a tool's JSON
API answer) is laid out for diff and show --plain with json.dumps(indent=2) in the order its
keys were written, so a re-recording whose server wrote the same document with its keys in
another order (`{"model", "object", "data"}` vs `{"object", "data", "model"}`) is reported by
`vcrproxy diff` as a changed response body (exit 1, the keys shown as removed and added) and
changes the textconv view, though every JSON reader gets the same value (and request bodies
are compared as JSON, key order ignored). Expected: key order alone is no difference: diff
exit 0, the same plain text."""

from __future__ import annotations

import os
import subprocess
import sys

from vcrproxy import Cassette, Interaction, Request, Response, save_cassette

VCRPROXY = os.path.join(os.path.dirname(sys.executable), "vcrproxy")
REQUEST = '{"model": "text-embedding-3-small", "input": "hi"}'


def embeddings(answer: str) -> Interaction:
    return Interaction(0, Request(method="POST", url="https://api.openai.com/v1/embeddings",
                                  body=REQUEST, headers={"Content-Type": ["application/json"]}),
                       Response(code=200, status="200 OK", body=answer,
                                headers={"Content-Type": ["application/json"]}))


def test_json_key_order_alone_is_no_difference(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    save_cassette(Cassette([embeddings(
        '{"object": "list", "data": [{"index": 0, "embedding": [0.1, 0.2]}], '
        '"model": "text-embedding-3-small"}')]), str(old))
    save_cassette(Cassette([embeddings(
        '{"model": "text-embedding-3-small", "object": "list", '
        '"data": [{"embedding": [0.1, 0.2], "index": 0}]}')]), str(new))
    got = subprocess.run([VCRPROXY, "diff", str(old), str(new)], capture_output=True,
                         text=True, timeout=60)
    assert got.returncode == 0, got.stdout
    plain = [subprocess.run([VCRPROXY, "show", "--plain", str(p)], capture_output=True,
                            text=True, timeout=60).stdout for p in (old, new)]
    assert plain[0] == plain[1]
