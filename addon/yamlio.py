"""Compatibility: the cassette codec was split into yamlv3.py (yaml.v3's scalar rules, loader
and emitter), codec.py (cassette <-> YAML text) and store.py (files: atomic save, durable locked
append). Every name importable from here before still is."""

from __future__ import annotations

from typing import Any

from . import codec, store, yamlv3
from .codec import (
    CASSETTE_KEYS,
    INTERACTION_KEYS,
    REQUEST_KEYS,
    RESPONSE_KEYS,
    CassetteTruncatedWarning,
    dumps_cassette,
    dumps_interaction,
    loads_cassette,
)
from .headers import canonical_header_name
from .store import (
    LOCK_TIMEOUT_S,
    CassetteWriter,
    cassette_lock,
    file_stamp,
    load_cassette,
    load_cassette_notes,
    not_regular,
    open_regular,
    save_cassette,
)
from .yamlv3 import LAYOUTS, go_key_sorted, go_resolve

__all__ = [
    "CASSETTE_KEYS", "INTERACTION_KEYS", "LAYOUTS", "LOCK_TIMEOUT_S", "REQUEST_KEYS",
    "RESPONSE_KEYS", "CassetteTruncatedWarning", "CassetteWriter", "canonical_header_name",
    "cassette_lock", "dumps_cassette", "dumps_interaction", "file_stamp", "go_key_sorted",
    "go_resolve", "load_cassette", "load_cassette_notes", "loads_cassette", "not_regular",
    "open_regular", "save_cassette",
]


def __getattr__(name: str) -> Any:
    # The private helpers tests reach for (_Emitter, _Loader, _make_loader...).
    for module in (yamlv3, codec, store):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module 'vcrproxy.yamlio' has no attribute {name!r}")
