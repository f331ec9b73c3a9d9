"""How a WebSocket client message compares with the recorded one: for replay (wsplayer.py), the
options (registry.py) and `vcrproxy diff` / `show --plain`. Here, not in websocket.py, because it
needs the body matcher, which `show` of an HTTP cassette does not load; and not in wsplayer.py,
because the cassette tools must not load wsproto."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from .cassette import Request
from .matching import MatchConfig, differences, prepare
from .options import WS_IGNORE_JSON
from .redaction import split_names
from .websocket import WsMessage


def ws_match_config(base: MatchConfig, ignore_json: str | Sequence[str]) -> MatchConfig:
    """Client messages compare like bodies: the session's JSON ignore paths plus `ignore_json`
    (`vcr_ws_ignore_json`). Raises ValueError (one line) on a bad JSON path."""
    paths = tuple(dict.fromkeys((*base.ignore_json_paths, *split_names(ignore_json))))
    return replace(base, on=("body",), ignore_json_paths=paths, headers=())


DEFAULT_WS_MATCH = ws_match_config(MatchConfig(), WS_IGNORE_JSON)  # replay's defaults


def message_differences(
    recorded: WsMessage, text: bool, data: bytes, config: MatchConfig, match_binary: bool
) -> list[str]:
    """Why a live client message is not the recorded one (empty when it matches). `config`
    comes from `ws_match_config`: the body is the only part compared."""
    if recorded.text != text:
        kinds = ("text", "binary")
        return [f"type: recorded {kinds[not recorded.text]} vs live {kinds[not text]}"]
    if not text and not match_binary:
        return []
    diffs = differences(Request(body=_as_body(data)), Request(body=recorded.data), config)
    return [d.replace("body:", "message:", 1) for d in diffs]


def compared_text(message: WsMessage, config: MatchConfig = DEFAULT_WS_MATCH) -> str:
    """A message as replay compares it, on one line: JSON without the ignored paths (keys in
    their order), other text as it is, binary as its size (`show --plain`)."""
    if not message.text:
        return f"(binary, {len(message.payload)} bytes)"
    body = prepare(Request(body=message.payload), config).body
    if body.kind == "json":
        return json.dumps(body.json, ensure_ascii=False)
    return " ".join(str(message.data).split()) or "(empty)"


def _as_body(data: bytes) -> str | bytes:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data
