"""vcrproxy: record/replay forward proxy writing go-vcr `version: 2` cassettes.

Public, stable API for tests and users.
"""

from .cassette import Cassette, CassetteError, Interaction, Request, Response
from .yamlio import (
    CassetteTruncatedWarning,
    CassetteWriter,
    dumps_cassette,
    dumps_interaction,
    load_cassette,
    loads_cassette,
    save_cassette,
)

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
