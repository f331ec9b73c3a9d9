"""vcrproxy: record/replay forward proxy writing go-vcr `version: 2` cassettes.

Public, stable API for tests and users.
"""

from typing import TYPE_CHECKING

from .cassette import Cassette, CassetteError, Interaction, Request, Response

if TYPE_CHECKING:
    from .yamlio import (
        CassetteTruncatedWarning,
        CassetteWriter,
        dumps_cassette,
        dumps_interaction,
        load_cassette,
        loads_cassette,
        save_cassette,
    )

_CODEC = {
    "CassetteTruncatedWarning", "CassetteWriter", "dumps_cassette", "dumps_interaction",
    "load_cassette", "loads_cassette", "save_cassette",
}


def __getattr__(name: str):
    # The codec (PyYAML and the yaml.v3 rules) loads on first use, not with the package:
    # `vcrproxy --help` and the proxy's own start need none of it.
    if name in _CODEC:
        from . import yamlio

        return getattr(yamlio, name)
    raise AttributeError(f"module 'vcrproxy' has no attribute {name!r}")

__all__ = [
    "Cassette",
    "CassetteError",
    "CassetteTruncatedWarning",
    "CassetteWriter",
    "Interaction",
    "Request",
    "Response",
    "dumps_cassette",
    "dumps_interaction",
    "load_cassette",
    "loads_cassette",
    "save_cassette",
]
