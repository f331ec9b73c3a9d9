"""`vcrproxy show` (every view) and `diff` on hostile cassettes: every field of a Realtime /
Gemini Live WebSocket session, of its events' JSON, and of recorded HTTP interactions (headers,
bodies, request JSON) replaced by a value of another type (null, a number, a string, a list, a
mapping). Each gives a one-line error or a best-effort view, never a traceback. The mutants are
all generated (no sampling); a cassette that loads holds many mutated interactions at once, so
the real CLI (CliRunner) runs a few times per base. Found: `content: 5`, `turns: 7`, a string
turn, `output: 3`, `functionCalls: 1` (websocket.summarize_session) and `Content-Type: []` (the
matcher, in diff and replay)."""

from __future__ import annotations

import copy
import json
import os

import pytest
import yaml
from click.testing import CliRunner

from vcrproxy import loads_cassette, save_cassette
from vcrproxy.cassette import CassetteError
from vcrproxy.cli.common import load_for_view
from vcrproxy.cli.main import main
from vcrproxy.cli.report import render_report


class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # (libyaml: 10x faster)
    def ignore_aliases(self, data) -> bool:
        return True  # (the loader refuses aliases, as go-vcr never writes them)


REF = os.path.join(os.path.dirname(__file__), "..", "cassettes")
ODD = [None, 5, "x", [], {}, ["s"]]  # (another type than the field's, or a list of another)
UP = {"Upgrade": ["websocket"], "Connection": ["Upgrade"]}
EVENTS = [
    ("server", {"type": "session.created", "session": {"model": "gpt-realtime", "id": "s"}}),
    ("client", {"type": "session.update", "session": {"instructions": "be brief"}}),
    ("client", {"type": "conversation.item.create", "item": {
        "type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}}),
    ("server", {"type": "response.output_text.delta", "delta": "Hel"}),
    ("server", {"type": "response.function_call_arguments.done", "call_id": "c1",
                "name": "f", "arguments": "{}"}),
    ("server", {"type": "response.done", "response": {
        "status": "completed", "output": [{"type": "function_call", "call_id": "c2",
                                           "name": "g", "arguments": "{}"}],
        "usage": {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}}}),
    ("server", {"type": "error", "error": {"message": "bad"}}),
    ("client", {"setup": {"model": "models/gemini-live"}}),
    ("client", {"clientContent": {"turns": [{"role": "user", "parts": [{"text": "yo"}]}],
                                  "turnComplete": True}}),
    ("server", {"serverContent": {"modelTurn": {"parts": [{"text": "A"}]},
                                  "outputTranscription": {"text": "t"}}}),
    ("server", {"toolCall": {"functionCalls": [{"id": "x", "name": "h", "args": {"a": 1}}]}}),
    ("server", {"usageMetadata": {"promptTokenCount": 1, "responseTokenCount": 2,
                                  "totalTokenCount": 3}}),
]


def _ws_interaction(events=EVENTS) -> dict:
    messages = [{"at": float(n), "from": side, "type": "text", "data": json.dumps(event)}
                for n, (side, event) in enumerate(events)]
    messages.append({"at": 99.0, "from": "server", "type": "binary", "data": b"\x00\x01"})
    return {
        "id": 0,
        "request": {"proto": "HTTP/1.1", "proto_major": 1, "proto_minor": 1,
                    "content_length": 0, "body": "", "headers": UP, "method": "GET",
                    "url": "https://api.openai.com/v1/realtime?model=gpt-realtime"},
        "response": {"proto": "HTTP/1.1", "proto_major": 1, "proto_minor": 1,
                     "content_length": 0, "body": "", "headers": UP, "code": 101,
                     "status": "101 Switching Protocols", "duration": "1ms",
                     "vcrproxy_websocket": {"messages": messages, "close": {
                         "at": 100.0, "from": "client", "code": 1000, "reason": "bye"}}},
    }


def _paths(node, prefix=()):
    """Every path into a tree of mappings and lists (a list's first three items)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def _set(tree, path, value):
    tree = copy.deepcopy(tree)
    node = tree
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return tree


def _odd_events() -> list[list]:
    """Each event with one of its fields (at any depth) of another type."""
    out = []
    for n, (side, event) in enumerate(EVENTS):
        for path in _paths(event):
            for odd in ODD:
                events = list(EVENTS)
                events[n] = (side, _set(event, path, odd))
                out.append(events)
    return out


def _odd_request_bodies(interaction: dict) -> list[dict]:
    """The interaction with one field of its JSON request body of another type."""
    body = json.loads(interaction["request"]["body"])
    out = []
    for path in _paths(body):
        for odd in ODD:
            text = json.dumps(_set(body, path, odd))
            i = _set(interaction, ("request", "body"), text)
            i["request"]["content_length"] = len(text.encode())
            out.append(i)
    return out


def _run(args: list[str]) -> int:
    done = CliRunner().invoke(main, args)
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise AssertionError(f"{' '.join(args[:2])}: {done.exception!r}") from done.exception
    if done.exit_code and not (args[0] == "diff" and done.exit_code == 1):  # (1: they differ)
        lines = done.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), done.output[-500:]
    return done.exit_code


def _views(path: str, base: str, html: str | None) -> bool:
    """Every view and diff; `html=None`: the report is rendered, not written (writing fsyncs:
    30 ms a file, for hundreds of mutants). Returns whether the cassette loaded."""
    if _run(["show", "--raw", path]):  # refused by the loader, as every view and diff is
        _run(["show", "--plain", path])  # (but textconv shows the file as it is)
        return False
    for args in (["show", path], ["show", "--json", path], ["show", "--plain", path],
                 ["diff", base, path]):
        _run(args)
    if html is not None:
        _run(["show", "--html", html, path])
    else:
        render_report(load_for_view(path), "m.yaml")
    return True


def _write(path, interactions: list[dict]) -> str:
    """The interactions as a cassette file: as our codec writes it when it loads (block YAML,
    which the loader reads fastest), else as PyYAML dumps it."""
    if len(interactions) > 1:
        for n, i in enumerate(interactions):
            i["id"] = n
    text = yaml.dump({"version": 2, "interactions": interactions}, Dumper=Dumper)
    try:
        save_cassette(loads_cassette(text), str(path))
    except CassetteError:
        path.write_text(text)
    return str(path)


def _reference(name: str) -> dict:
    with open(os.path.join(REF, name)) as f:
        return yaml.safe_load(f)["interactions"][0]


BASES = {
    "websocket": _ws_interaction,
    "openai-responses": lambda: _reference("openai-responses-simple.yaml"),
    "anthropic-stream": lambda: _reference("anthropic-messages-simple-streaming.yaml"),
    "bedrock-eventstream": lambda: _reference("bedrock-claude-eventstream-binary.yaml"),
}


@pytest.mark.parametrize("name", list(BASES))
def test_every_field_of_another_type(tmp_path, name):
    """Structure mutants: each that the loader refuses alone (a one-line error; --plain shows
    the file as it is), those that load together (an `id` mutant alone: ids are renumbered)."""
    base = BASES[name]()
    base_path = _write(tmp_path / "base.yaml", [copy.deepcopy(base)])
    batch: list[dict] = []
    n = 0
    for path in _paths(base):
        for odd in ODD:
            mutant = _set(base, path, odd)
            n += 1
            try:
                loads_cassette(yaml.dump({"version": 2, "interactions": [mutant]},
                                         Dumper=Dumper))
            except CassetteError:
                assert not _views(_write(tmp_path / "m.yaml", [mutant]), base_path, None)
                continue
            if path == ("id",):
                assert _views(_write(tmp_path / "m.yaml", [mutant]), base_path, None)
            else:
                batch.append(mutant)
    assert n > 60 and len(batch) > 20, (n, len(batch))  # (the views did see odd values)
    for start in range(0, len(batch), 50):
        path = _write(tmp_path / f"b{start}.yaml", batch[start:start + 50])
        assert _views(path, base_path, str(tmp_path / "o.html"))


def test_every_websocket_event_field_of_another_type(tmp_path):
    """Event mutants: each loads, so they share cassettes (100 sessions per file)."""
    mutants = [_ws_interaction(events) for events in _odd_events()]
    assert len(mutants) > 250
    base_path = _write(tmp_path / "base.yaml", [_ws_interaction()])
    for start in range(0, len(mutants), 100):
        path = _write(tmp_path / f"m{start}.yaml", mutants[start:start + 100])
        assert _views(path, base_path, str(tmp_path / "o.html"))


@pytest.mark.parametrize("name", ["openai-responses", "anthropic-stream"])
def test_every_request_body_field_of_another_type(tmp_path, name):
    base = BASES[name]()
    mutants = _odd_request_bodies(base)
    assert len(mutants) > 50
    base_path = _write(tmp_path / "base.yaml", [base])
    for start in range(0, len(mutants), 50):
        path = _write(tmp_path / f"m{start}.yaml", mutants[start:start + 50])
        assert _views(path, base_path, str(tmp_path / "o.html"))
